import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { ZhisuanError } from '@zhisuan/domain'
import type { TraceRow } from '@zhisuan/sim'

/** The Philly window shipped in data/traces/philly (CC BY 4.0, see its README). */
export const phillyTrace = fileURLToPath(
  new URL('../../../data/traces/philly/philly_2017-10-02_2017-10-16.csv', import.meta.url),
)

/**
 * Reads a trace CSV (`job_id, submit_time_s, duration_s, num_gpus, gpu_type, status, user, vc`,
 * and optionally `time_limit_s`: the user's runtime estimate, which backfill uses; an empty cell
 * means none), sorted by submission.
 * @throws ZhisuanError `not-found` for an unreadable file, `invalid-config` naming the row and column of a bad value.
 */
export async function readTrace(
  path: string,
  limit = Number.POSITIVE_INFINITY,
): Promise<TraceRow[]> {
  return parseTrace(await readTraceText(path), path, limit)
}

/** Reads a trace file's text, naming the path when it cannot. */
export async function readTraceText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (cause) {
    throw new ZhisuanError('not-found', `cannot read trace ${path}: ${(cause as Error).message}`, {
      cause,
    })
  }
}

/** A trace CSV's text as rows (see `readTrace`); `path` names it in messages. */
export function parseTrace(
  text: string,
  path: string,
  limit = Number.POSITIVE_INFINITY,
): TraceRow[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[]
  const jobs: TraceRow[] = []
  const seen = new Map<string, number>()
  for (const [i, row] of rows.entries()) {
    const id = row['job_id'] ?? `row-${i + 2}`
    const first = seen.get(id)
    if (first !== undefined) {
      throw new ZhisuanError(
        'invalid-config',
        `${path}: row ${i + 2}, column job_id: "${id}" was already used on row ${first}`,
      )
    }
    seen.set(id, i + 2)
    const number = (column: string) => {
      const value = Number(row[column])
      if (row[column] === undefined || row[column] === '' || !Number.isFinite(value) || value < 0) {
        throw new ZhisuanError(
          'invalid-config',
          `${path}: row ${i + 2}, column ${column}: expected a number ≥ 0, got "${row[column] ?? ''}"`,
        )
      }
      return value
    }
    const limit =
      row['time_limit_s'] === undefined || row['time_limit_s'] === ''
        ? undefined
        : number('time_limit_s')
    if (limit === 0) {
      throw new ZhisuanError(
        'invalid-config',
        `${path}: row ${i + 2}, column time_limit_s: a time limit must be > 0 s (leave it empty for none)`,
      )
    }
    jobs.push({
      id: row['job_id'] ?? `row-${i + 2}`,
      submitS: number('submit_time_s'),
      durationS: number('duration_s'),
      gpus: number('num_gpus'),
      user: row['user'] ?? '',
      vc: row['vc'] ?? '',
      ...(limit === undefined ? {} : { timeLimitS: limit }),
    })
  }
  jobs.sort((a, b) => a.submitS - b.submitS || (a.id < b.id ? -1 : 1))
  return jobs.slice(0, limit)
}
