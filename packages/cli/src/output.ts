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
