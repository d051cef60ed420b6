import { ZhisuanError } from '@zhisuan/domain'
import { slurmNodeList, slurmTimeS } from './slurm-fields.js'

/**
 * One job allocation as `sacct --parsable2 --allocations` prints it: when it was submitted and
 * ran, where (NodeList), on how many GPUs, and how it ended.
 */
export interface SacctRecord {
  /** The line it came from (1-based), for messages. */
  readonly line: number
  readonly jobId: string
  /** Unix seconds (`TZ` of this process, as sacct writes local time without a zone). */
  readonly submittedAt: number
  /** Undefined for a job that never started. */
  readonly startedAt: number | undefined
  /** Undefined for a job still running (or never started). */
  readonly endedAt: number | undefined
  /** The job's limit, s; undefined for UNLIMITED or the partition's. */
  readonly timeLimitS: number | undefined
  readonly nodeCount: number
  /** GPUs allocated (every `gres/gpu` and `gres/gpu:TYPE` of AllocTRES, summed; 0 for none). */
  readonly gpus: number
  /** Nodes in Slurm's order; empty for a job that never started. */
  readonly nodes: readonly string[]
  /** COMPLETED, FAILED, TIMEOUT, CANCELLED (the ` by UID` dropped), RUNNING, PENDING, … */
  readonly state: string
  readonly account: string
  readonly partition: string
}

/** The columns a replay needs; others are ignored. */
export const sacctColumns = [
  'JobID',
  'Submit',
  'Start',
  'End',
  'Timelimit',
  'NNodes',
  'AllocTRES',
  'NodeList',
  'State',
  'Account',
  'Partition',
] as const

/** The command that prints what `parseSacct` reads, for messages and docs. */
export const sacctCommand = `sacct --parsable2 --allocations --starttime=... --format=${sacctColumns.join(',')}`

/**
 * A Slurm duration as sacct prints it: `[D-]HH:MM:SS`, `MM:SS`, `MM:SS.mmm`, or plain minutes
 * (`sacct -c`, from a completion log); undefined for UNLIMITED and Partition_Limit.
 */
export function slurmDurationS(text: string): number | undefined | null {
  if (text === 'UNLIMITED' || text === 'Partition_Limit' || text === 'INVALID') {
    return undefined
  }
  if (/^\d+$/.test(text)) {
    return Number(text) * 60
  }
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text)
  if (m === null) {
    return null
  }
  const [, d, h, min, sec] = m
  return Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(min) * 60 + Number(sec)
}

/**
 * GPUs in an AllocTRES list: its `gres/gpu=N`, or when only typed entries are there
 * (`gres/gpu:h100=N`), their sum. Slurm lists a typed entry beside the untyped total when both
 * are tracked, so the untyped one is the total whenever it is present.
 */
export function tresGpus(tres: string): number {
  let untyped = 0
  let typed = 0
  for (const entry of tres.split(',')) {
    const m = /^gres\/gpu(:[^=]+)?=(\d+)$/.exec(entry.trim())
    if (m !== null) {
      if (m[1] === undefined) {
        untyped += Number(m[2])
      } else {
        typed += Number(m[2])
      }
    }
  }
  return untyped > 0 ? untyped : typed
}

/**
 * Reads `sacct --parsable2 --allocations` output: a header naming the columns (in any order,
 * JobID, Submit, Start, End, Timelimit, NNodes, AllocTRES, NodeList, State, Account and
 * Partition among them), then one allocation per line, fields separated by `|`. Times are
 * `YYYY-MM-DDTHH:MM:SS` in the controller's zone, read in this process's (`TZ`); `Unknown` or
 * `None` for a start or end that has not happened.
 * @throws ZhisuanError `invalid-input` naming the source, line and column of a missing column or
 * a field that cannot be read.
 */
export function parseSacct(text: string, source: string): SacctRecord[] {
  const lines = text.split('\n')
  const headerAt = lines.findIndex((l) => l.trim() !== '')
  const header = (lines[headerAt] ?? '').trim().split('|')
  const missing = sacctColumns.filter((c) => !header.includes(c))
  if (headerAt < 0 || missing.length > 0) {
    throw new ZhisuanError(
      'invalid-input',
      `${source}:${headerAt + 1}: not sacct --parsable2 output with the columns a replay needs: missing ${missing.join(', ')} (print them with: ${sacctCommand})`,
    )
  }
  const col = Object.fromEntries(sacctColumns.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof sacctColumns)[number],
    number
  >
  const records: SacctRecord[] = []
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i]?.trim() ?? ''
    if (raw === '') {
      continue
    }
    const fields = raw.split('|')
    const at = `${source}:${i + 1}`
    const fail = (column: string, why: string): never => {
      throw new ZhisuanError('invalid-input', `${at}: ${column}: ${why}`)
    }
    if (fields.length !== header.length) {
      fail('line', `${fields.length} fields, the header has ${header.length}`)
    }
    const get = (c: (typeof sacctColumns)[number]) => fields[col[c]] ?? ''
    const time = (c: 'Submit' | 'Start' | 'End'): number | undefined => {
      const value = get(c)
      if (c !== 'Submit' && (value === 'Unknown' || value === 'None' || value === '')) {
        return undefined
      }
      return (
        slurmTimeS(value) ??
        fail(c, `expected a time like 2026-12-07T12:04:57, got "${value.slice(0, 40)}"`)
      )
    }
    const limit = slurmDurationS(get('Timelimit'))
    if (limit === null) {
      fail(
        'Timelimit',
        `expected [D-]HH:MM:SS, minutes or UNLIMITED, got "${get('Timelimit').slice(0, 40)}"`,
      )
    }
    const nodeCount = /^\d+$/.test(get('NNodes'))
      ? Number(get('NNodes'))
      : fail('NNodes', `expected a whole number, got "${get('NNodes').slice(0, 40)}"`)
    let nodes: string[] = []
    try {
      nodes = slurmNodeList(get('NodeList'))
    } catch (cause) {
      fail('NodeList', (cause as Error).message)
    }
    // a job cancelled while pending has a Start (= its End) but no nodes: it never ran
    const startedAt = nodes.length === 0 ? undefined : time('Start')
    if (startedAt !== undefined && nodes.length !== nodeCount) {
      fail('NodeList', `names ${nodes.length} nodes, NNodes says ${nodeCount}`)
    }
    records.push({
      line: i + 1,
      jobId: get('JobID'),
      submittedAt: time('Submit') ?? 0,
      startedAt,
      endedAt: time('End'),
      timeLimitS: limit ?? undefined,
      nodeCount,
      gpus: tresGpus(get('AllocTRES')),
      nodes: startedAt === undefined ? [] : nodes,
      state: get('State').replace(/ by \d+$/, ''),
      account: get('Account'),
      partition: get('Partition'),
    })
  }
  return records
}
