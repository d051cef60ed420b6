import Table from 'cli-table3'
import { ZhisuanError } from '@zhisuan/domain'

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  out(text: string): void
  err(text: string): void
}

/** Standard streams of the process. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
}

/** A plain table with a header row; numbers right-aligned. */
export function table(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const t = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (rows.some((r) => typeof r[i] === 'number') ? 'right' : 'left')),
  })
  for (const row of rows) {
    t.push(row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)))
  }
  return t.toString()
}

/** Compact numbers for tables: integers with separators, others with up to 3 significant decimals. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    return value.toLocaleString('en-US')
  }
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 10 ? 3 : 1 })
}

/** Gb/s as the largest sensible unit. */
export function formatGbps(gbps: number): string {
  if (gbps >= 1e6) {
    return `${formatNumber(gbps / 1e6)} Pb/s`
  }
  if (gbps >= 1e3) {
    return `${formatNumber(gbps / 1e3)} Tb/s`
  }
  return `${formatNumber(gbps)} Gb/s`
}

/** An error as the user sees it: plain text, or an object when `--json` was asked for. */
export function reportError(io: Io, error: unknown, json: boolean): number {
  const known = error instanceof ZhisuanError
  const code = known ? error.code : 'internal'
  const message = error instanceof Error ? error.message : String(error)
  if (json) {
    const issues = known ? error.issues : []
    io.out(JSON.stringify({ error: { code, message, issues } }, null, 2))
  } else {
    io.err(`zhisuan: ${message}`)
    // every problem, one line each, unless the message already lists them
    for (const issue of known ? error.issues : []) {
      const line = `${issue.path}: ${issue.message}`
      if (!message.includes(line)) {
        io.err(`  ${line}`)
      }
    }
  }
  if (
    !known &&
    error instanceof Error &&
    error.stack !== undefined &&
    process.env['ZHISUAN_DEBUG'] !== undefined
  ) {
    io.err(error.stack)
  }
  return known ? 1 : 70
}
