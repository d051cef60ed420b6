import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ZhisuanError } from '@zhisuan/domain'
import { jobResultsCsv, type JobResultRow, type SimResult } from '@zhisuan/sim'
import { formatCount, formatFixed, formatPercent, formatUsd } from '../numbers.js'

// What `zhisuan sim` prints and writes besides its run: the summary rows and the jobs CSV.

const hours = (s: number) => `${formatFixed(s / 3600, 2)} h`

/** One row per tier any run's jobs reached: what sharing uplinks cost the jobs that spanned it. */
const tierRows = (r: SimResult, tiers: readonly string[]): [string, string][] =>
  tiers.map((tier) => {
    const t = r.placementByTier.find((x) => x.tier === tier)
    return [
      `  jobs reaching ${tier}: count · slowdown · acc-h slowed`,
      t === undefined
        ? '–'
        : `${formatCount(t.jobs)} · ×${t.slowdown.toFixed(3)} · ${formatCount(t.contentionAcceleratorHours)}`,
    ]
  })

/** The summary's rows of one run: figure, value. */
export const summaryRows = (
  r: SimResult,
  price: number,
  tiers: readonly string[],
): [string, string][] => [
  [
    'jobs submitted / completed',
    `${formatCount(r.jobs.submitted)} / ${formatCount(r.jobs.completed)}`,
  ],
  ['accelerator utilization', formatPercent(r.utilization)],
  ['queue wait p50 / p99', `${hours(r.queueWaitS.p50)} / ${hours(r.queueWaitS.p99)}`],
  ['job completion time p50 / p99', `${hours(r.jctS.p50)} / ${hours(r.jctS.p99)}`],
  [
    'failures (per 1,000 accelerators per day)',
    `${formatCount(r.failures.count)} (${r.failures.per1000AcceleratorDays.toFixed(3)})`,
  ],
  ['interruptions of running jobs', formatCount(r.interruptions)],
  ['slowdown on shared uplinks', `×${r.placementSlowdown.toFixed(4)}`],
  ...tierRows(r, tiers),
  [
    'ETTR overall / largest 1% of jobs',
    `${formatPercent(r.ettr.overall)} / ${formatPercent(r.ettr.largestJobs)}`,
  ],
  ['goodput, accelerator-hours', formatCount(r.goodputAcceleratorHours)],
  ['held accelerator-hours', formatCount(r.allocatedAcceleratorHours)],
  ['cost of held accelerator-hours, USD', formatUsd(r.allocatedAcceleratorHours * price)],
  ['simulated time / events', `${formatFixed(r.simulatedDays, 2)} days / ${formatCount(r.events)}`],
]

/**
 * Checks before a long run that the `--jobs-out` file can be written: its folder exists and is
 * writable, and the path is not a folder.
 * @throws ZhisuanError `invalid-input` naming the path and the reason.
 */
export async function prepareJobsOut(path: string): Promise<void> {
  try {
    await access(dirname(path), constants.W_OK)
    const existing = await stat(path).catch(() => undefined)
    if (existing !== undefined && !existing.isFile()) {
      throw new Error('it is not a file')
    }
  } catch (cause) {
    throw new ZhisuanError(
      'invalid-input',
      `--jobs-out: cannot write ${path}: ${(cause as Error).message}`,
      { cause },
    )
  }
}

/** One CSV for every run: with `--compare`, a first column names the run of each row. */
export function jobsCsv(runs: readonly { label: string; rows: readonly JobResultRow[] }[]): string {
  const only = runs[0]
  if (runs.length === 1 && only !== undefined) {
    return jobResultsCsv(only.rows)
  }
  const [header = '', ...lines] = runs.flatMap((r, i) => {
    const [head = '', ...body] = jobResultsCsv(r.rows).trimEnd().split('\n')
    return i === 0
      ? [`run,${head}`, ...body.map((l) => `${r.label},${l}`)]
      : body.map((l) => `${r.label},${l}`)
  })
  return `${[header, ...lines].join('\n')}\n`
}
