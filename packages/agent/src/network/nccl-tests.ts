import { failureVerdicts, ibFailures, ncclDevices } from './nccl-ib.js'
import { netParseError, type NetParser, type NetworkReport } from './types.js'

/**
 * nccl-tests output (`all_reduce_perf`, `all_gather_perf`, …): the result table, one row per
 * message size, in `extra.rows`, and the `# Avg bus bandwidth` line in
 * `extra.avgBusBandwidthGBps`. Columns are taken from the header line, so both layouts parse:
 * the older `size count type redop time algbw busbw error …` and the newer one with `root`
 * and `#wrong`; without a header, the number of fields decides. NCCL INFO lines interleaved
 * with the rows are skipped; NCCL's completion errors, if the run broke, become `failed`
 * verdicts as in the NCCL log parser. Rows with wrong results and out-of-bounds values are
 * warnings: they say the collective corrupted data, not which NIC did.
 */
const tool = 'nccl-tests'

/** One message size's results. Times in µs, bandwidths in GB/s as nccl-tests prints them. */
export interface NcclTestsRow {
  readonly sizeBytes: number
  readonly count: number
  readonly type: string
  readonly redop: string
  readonly root: number | null
  readonly outOfPlace: NcclTestsResult
  readonly inPlace: NcclTestsResult | null
}

export interface NcclTestsResult {
  readonly timeUs: number | null
  readonly algbwGBps: number | null
  readonly busbwGBps: number | null
  /** Wrong elements (`#wrong`, or `error` in older builds); null when not checked (`N/A`). */
  readonly wrong: number | null
}

const withRoot = ['size', 'count', 'type', 'redop', 'root']
const results = ['time', 'algbw', 'busbw', 'wrong']
const rowStart = /^\s*\d+\s+\d+\s+\w+\s+\w+\s/

/** The column names of a header line, `#wrong` and `error` both as `wrong`; null if not one. */
function headerOf(line: string): string[] | null {
  if (!line.startsWith('#')) {
    return null
  }
  const columns = line
    .slice(1)
    .trim()
    .split(/\s+/)
    .map((c) => (c === '#wrong' || c === 'error' ? 'wrong' : c))
  const needed = ['size', 'count', 'type', 'time', 'algbw', 'busbw']
  return needed.every((c) => columns.includes(c)) ? columns : null
}

/** The columns a row of `n` fields has when no header says. */
function defaultColumns(n: number): string[] {
  const keys = n % 4 === 1 ? withRoot : withRoot.slice(0, 4)
  return [...keys, ...results, ...results].slice(0, n)
}

const num = (v: string | undefined): number | null => {
  if (v === undefined || !/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) {
    return null
  }
  return Number(v)
}

function rowOf(fields: readonly string[], columns: readonly string[]): NcclTestsRow | null {
  const at = (name: string, from = 0): string | undefined => {
    const i = columns.indexOf(name, from)
    return i < 0 ? undefined : fields[i]
  }
  const size = num(at('size'))
  const count = num(at('count'))
  const second = columns.indexOf('time', columns.indexOf('time') + 1)
  const result = (from: number): NcclTestsResult => ({
    timeUs: num(at('time', from)),
    algbwGBps: num(at('algbw', from)),
    busbwGBps: num(at('busbw', from)),
    wrong: num(at('wrong', from)),
  })
  if (size === null || count === null || fields.length !== columns.length) {
    return null
  }
  return {
    sizeBytes: size,
    count,
    type: at('type') ?? '',
    redop: at('redop') ?? '',
    root: num(at('root')),
    outOfPlace: result(0),
    inPlace: second < 0 ? null : result(second),
  }
}

function detect(text: string): number {
  const lines = text.split('\n', 2000)
  const header = lines.some((l) => headerOf(l) !== null)
  const rows = lines.filter((l) => rowStart.test(l)).length
  if (header && rows > 0) {
    return 0.98
  }
  if (lines.some((l) => /^# Avg bus bandwidth\s*:/.test(l)) || rows >= 3) {
    return 0.9
  }
  // a header alone is also how an NCCL log that failed before the first row begins
  return header ? 0.2 : 0
}

function parse(text: string): NetworkReport {
  const lines = text.split(/\r?\n/)
  const rows: NcclTestsRow[] = []
  const warnings: string[] = []
  let columns: string[] | null = null
  let skipped = 0
  lines.forEach((line) => {
    columns = headerOf(line) ?? columns
    if (!rowStart.test(line)) {
      return
    }
    const fields = line.trim().split(/\s+/)
    const row = rowOf(fields, columns ?? defaultColumns(fields.length))
    if (row === null) {
      skipped++
    } else {
      rows.push(row)
    }
  })
  const avg = /^# Avg bus bandwidth\s*:\s*(\S+)/m.exec(text)?.[1]
  const sawHeader = lines.some((l) => headerOf(l) !== null)
  if (rows.length === 0 && avg === undefined && !sawHeader) {
    throw netParseError(
      tool,
      1,
      'no nccl-tests table (header, result rows or "# Avg bus bandwidth")',
    )
  }
  if (rows.length === 0) {
    warnings.push('no result rows: the run stopped before its first message size')
  }
  if (skipped > 0) {
    warnings.push(`ignored ${skipped} row(s) whose fields do not fit the header`)
  }
  const wrong = rows.filter((r) => (r.outOfPlace.wrong ?? 0) > 0 || (r.inPlace?.wrong ?? 0) > 0)
  if (wrong.length > 0) {
    warnings.push(`${wrong.length} row(s) with wrong results: the collective corrupted data`)
  }
  const bounds = /^# Out of bounds values\s*:\s*(\d+)\s*(\w+)?/m.exec(text)
  if (bounds !== null && bounds[2] !== undefined && bounds[2] !== 'OK') {
    warnings.push(`out of bounds values: ${bounds[1] ?? ''} ${bounds[2]}`)
  }
  const failures = ibFailures(lines)
  return {
    tool,
    nics: [],
    counters: [],
    verdicts: failureVerdicts(failures, ncclDevices(lines)),
    extra: {
      collective: /\b(\w+)_perf\b/.exec(text)?.[1] ?? null,
      rows,
      avgBusBandwidthGBps: num(avg),
      outOfBounds:
        bounds === null ? null : { count: Number(bounds[1]), verdict: bounds[2] ?? null },
      ranks: ranksOf(lines),
    },
    warnings,
  }
}

/** `#  Rank  0 Group  0 Pid   6899 on ztan-mig-235z device  0 [0000:04:00] NVIDIA H100 …`. */
function ranksOf(lines: readonly string[]): object[] {
  const rank =
    /^#\s+Rank\s+(\d+)\s+(?:Group\s+\d+\s+)?Pid\s+\d+\s+on\s+(\S+)\s+device\s+(\d+)\s+\[([^\]]*)\]\s+(.*)$/
  return lines.flatMap((l) => {
    const m = rank.exec(l)
    if (m === null) {
      return []
    }
    return [
      { rank: Number(m[1]), host: m[2], device: Number(m[3]), busId: m[4], model: m[5]?.trim() },
    ]
  })
}

/** The parser for nccl-tests result tables. */
export const ncclTestsParser: NetParser = { tool, detect, parse }
