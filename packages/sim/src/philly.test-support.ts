import { readFileSync } from 'node:fs'
import type { TraceRow } from './workload.js'

/** The shipped Philly window's rows (data/traces/philly), the first `limit` of them. */
export function phillyRows(limit = Number.POSITIVE_INFINITY): TraceRow[] {
  const text = readFileSync(
    new URL('../../../data/traces/philly/philly_2017-10-02_2017-10-16.csv', import.meta.url),
    'utf8',
  )
  return text
    .trim()
    .split('\n')
    .slice(1, Number.isFinite(limit) ? limit + 1 : undefined)
    .map((line) => {
      const [id = '', submit = '0', duration = '0', gpus = '1', , , user = '', vc = ''] =
        line.split(',')
      return {
        id,
        submitS: Number(submit),
        durationS: Number(duration),
        gpus: Number(gpus),
        user,
        vc,
      }
    })
}
