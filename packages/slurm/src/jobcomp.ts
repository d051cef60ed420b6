import { ZhisuanError } from '@zhisuan/domain'
import { slurmNodeList, slurmTimeS } from './slurm-fields.js'

/**
 * One finished job as Slurm's `jobcomp/filetxt` plugin logs it: where it ran (NodeList) and
 * when. With no slurmdbd (no `sacct`), this log is where a Slurm cluster's placements can be
 * read back after the jobs have ended.
 */
export interface JobCompRecord {
  readonly jobId: string
  readonly name: string
  /** COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, … as Slurm writes it. */
  readonly state: string
  readonly partition: string
  /** The job's limit in minutes, or undefined for UNLIMITED. */
  readonly timeLimitMin: number | undefined
  /** Unix seconds; the log writes the controller's local time without a zone. */
  readonly submittedAt: number
  readonly startedAt: number
  readonly endedAt: number
  /** The nodes it ran on, in Slurm's order (empty for a job cancelled before it started). */
  readonly nodes: readonly string[]
  /** Every `Key=value` of the line, the ones above included. */
  readonly fields: Readonly<Record<string, string>>
}

const required = ['JobId', 'Name', 'JobState', 'StartTime', 'EndTime', 'NodeList'] as const

/**
 * Reads a `jobcomp/filetxt` log: one job per line, `Key=value` pairs separated by spaces
 * (values hold no spaces; `Name` may, and is read up to the next known key). Times are
 * `YYYY-MM-DDTHH:MM:SS` in the controller's time zone, read here in this process's (`TZ`).
 * @throws ZhisuanError `invalid-config` naming the source, line and field of a line that lacks
 * a field, or whose time, limit or node list cannot be read.
 */
export function parseJobComp(text: string, source: string): JobCompRecord[] {
  const records: JobCompRecord[] = []
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '') {
      continue
    }
    const at = `${source}:${i + 1}`
    const fields = fieldsOf(line)
    const fail = (field: string, why: string): never => {
      throw new ZhisuanError('invalid-config', `${at}: ${field}: ${why}`)
    }
    for (const key of required) {
      if (fields[key] === undefined) {
        fail(key, 'missing (is this a jobcomp/filetxt log?)')
      }
    }
    const time = (key: string): number => {
      const value = fields[key] ?? ''
      return (
        slurmTimeS(value) ??
        fail(key, `expected a time like 2026-12-07T12:04:57, got "${value.slice(0, 40)}"`)
      )
    }
    const limit = fields['TimeLimit']
    const timeLimitMin =
      limit === undefined || limit === 'UNLIMITED' || limit === 'Partition_Limit'
        ? undefined
        : /^\d+$/.test(limit)
          ? Number(limit)
          : fail('TimeLimit', `expected minutes or UNLIMITED, got "${limit.slice(0, 40)}"`)
    let nodes: string[] = []
    try {
      nodes = slurmNodeList(fields['NodeList'] ?? '')
    } catch (cause) {
      fail('NodeList', (cause as Error).message)
    }
    const startedAt = time('StartTime')
    records.push({
      jobId: fields['JobId'] ?? '',
      name: fields['Name'] ?? '',
      state: fields['JobState'] ?? '',
      partition: fields['Partition'] ?? '',
      timeLimitMin,
      submittedAt: fields['SubmitTime'] === undefined ? startedAt : time('SubmitTime'),
      startedAt,
      endedAt: time('EndTime'),
      nodes,
      fields,
    })
  }
  return records
}

/**
 * The `Key=value` pairs of a line. A value runs to the next ` Key=` (a word of letters and
 * digits followed by `=`), so a job name with spaces survives.
 */
function fieldsOf(line: string): Record<string, string> {
  const fields: Record<string, string> = {}
  const keys = [...line.matchAll(/(?:^| )([A-Za-z][A-Za-z0-9_]*)=/g)]
  for (const [k, m] of keys.entries()) {
    const key = m[1] ?? ''
    const start = m.index + m[0].length
    const end = keys[k + 1]?.index ?? line.length
    fields[key] = line.slice(start, end).trim()
  }
  return fields
}
