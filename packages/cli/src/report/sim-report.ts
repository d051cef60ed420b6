import { constants } from 'node:fs'
import { access, mkdir, rename, stat, writeFile } from 'node:fs/promises'
import { ZhisuanError, tiers, type Tier } from '@zhisuan/domain'
import { join } from 'node:path'
import type { JobResultRow, SimResult, Timeline } from '@zhisuan/sim'
import { barChart, svgToPng, timeChart, type Line } from './charts.js'

/** One simulated run of a report. */
export interface ReportRun {
  readonly label: string
  readonly result: SimResult & { timeline?: Timeline; jobResults?: readonly JobResultRow[] }
}

/**
 * Creates the report directory and checks it can be written, so a bad path fails before a run.
 * @throws ZhisuanError `invalid-input` naming the path and the reason.
 */
export async function prepareReportDir(dir: string): Promise<void> {
  try {
    // only the last level is created: a missing parent is more likely a typo than a wish
    await mkdir(dir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error
      }
    })
    if (!(await stat(dir)).isDirectory()) {
      throw new Error('not a directory')
    }
    await access(dir, constants.W_OK)
  } catch (cause) {
    throw new ZhisuanError(
      'invalid-input',
      `--report: cannot write to ${dir}: ${(cause as Error).message}`,
      { cause },
    )
  }
}

/** Writes a file whole or not at all: to a temporary name, then renamed into place. */
export async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, data)
  await rename(`${path}.tmp`, path)
}

const days = (t: readonly number[]) => {
  const start = t[0] ?? 0
  return t.map((x) => (x - start) / 86_400)
}

function lines(
  runs: readonly ReportRun[],
  pick: (tl: Timeline) => readonly number[],
  scale = 1,
): Line[] {
  return runs.map((r) => {
    const tl = r.result.timeline ?? { t: [], utilization: [], pending: [], failures: [] }
    const x = days(tl.t)
    return {
      name: r.label,
      points: pick(tl).map((y, i) => [Math.round((x[i] ?? 0) * 1000) / 1000, y * scale] as const),
    }
  })
}

function markdown(
  title: string,
  settings: Readonly<Record<string, string>>,
  runs: readonly ReportRun[],
  charts: readonly string[],
): string {
  const rows: [string, (r: SimResult) => string][] = [
    ['jobs submitted / completed', (r) => `${r.jobs.submitted} / ${r.jobs.completed}`],
    ['utilization', (r) => `${(r.utilization * 100).toFixed(1)}%`],
    [
      'queue wait p50 / p99 (h)',
      (r) => `${(r.queueWaitS.p50 / 3600).toFixed(2)} / ${(r.queueWaitS.p99 / 3600).toFixed(2)}`,
    ],
    [
      'completion time p50 / p99 (h)',
      (r) => `${(r.jctS.p50 / 3600).toFixed(2)} / ${(r.jctS.p99 / 3600).toFixed(2)}`,
    ],
    [
      'failures (per 1,000 accelerators per day)',
      (r) => `${r.failures.count} (${r.failures.per1000AcceleratorDays.toFixed(3)})`,
    ],
    ['interruptions', (r) => String(r.interruptions)],
    ['slowdown on shared uplinks', (r) => `×${r.placementSlowdown.toFixed(4)}`],
    [
      'ETTR overall / largest jobs',
      (r) => `${(r.ettr.overall * 100).toFixed(1)}% / ${(r.ettr.largestJobs * 100).toFixed(1)}%`,
    ],
    ['goodput (accelerator-hours)', (r) => r.goodputAcceleratorHours.toFixed(0)],
    ['simulated days / events', (r) => `${r.simulatedDays.toFixed(2)} / ${r.events}`],
  ]
  const head = `| figure | ${runs.map((r) => r.label).join(' | ')} |\n| --- | ${runs.map(() => '---').join(' | ')} |`
  const body = rows
    .map(([name, f]) => `| ${name} | ${runs.map((r) => f(r.result)).join(' | ')} |`)
    .join('\n')
  const settingLines = Object.entries(settings)
    .map(([k, v]) => `- ${k}: ${v}`)
    .join('\n')
  const images = charts.map((c) => `![${c}](${c}.svg)`).join('\n\n')
  return `# ${title}\n\n${settingLines}\n\n${head}\n${body}\n\n${tierTable(runs)}\n\n${images}\n`
}

/** The tiers any run's completed jobs reached, lowest first. */
const reachedTiers = (runs: readonly ReportRun[]): Tier[] => {
  const reached = new Set(runs.flatMap((r) => r.result.placementByTier.map((t) => t.tier)))
  return tiers.filter((t) => reached.has(t))
}

/** Completed jobs by the highest tier they spanned: how many, and what shared uplinks cost them. */
function tierTable(runs: readonly ReportRun[]): string {
  const lines = reachedTiers(runs).flatMap((tier) =>
    runs.map((r) => {
      const t = r.result.placementByTier.find((x) => x.tier === tier)
      return t === undefined
        ? `| ${tier} | ${r.label} | 0 | 0 | ×1.000 | 0.0 |`
        : `| ${tier} | ${r.label} | ${t.jobs} | ${t.acceleratorHours.toFixed(0)} | ×${t.slowdown.toFixed(3)} | ${t.contentionAcceleratorHours.toFixed(1)} |`
    }),
  )
  return [
    '## Placement by tier',
    '',
    'Completed jobs by the highest fabric tier their placements spanned; the slowdown is their wall time over their work when gangs share uplinks (max-min fair), and the last column the accelerator-hours they held while slowed.',
    '',
    '| tier | run | jobs | work (acc-h) | slowdown | acc-h slowed |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...lines,
  ].join('\n')
}

/**
 * Writes `report.json`, `report.md` and the charts (utilization, queue length, failures, ETTR
 * distribution, accelerator-hours slowed by tier) as SVG and PNG into `dir`. `report.json` holds no wall-clock figure, so the same
 * seed and inputs give the same bytes.
 */
export async function writeSimReport(
  dir: string,
  title: string,
  settings: Readonly<Record<string, string>>,
  runs: readonly ReportRun[],
): Promise<string[]> {
  await prepareReportDir(dir)
  const charts: Record<string, string> = {
    utilization: timeChart(
      'Accelerator utilization',
      '%',
      lines(runs, (tl) => tl.utilization, 100),
      true,
    ),
    queue: timeChart(
      'Queue length',
      'pending jobs',
      lines(runs, (tl) => tl.pending),
    ),
    failures: timeChart(
      'Failures (cumulative)',
      'failures',
      lines(runs, (tl) => tl.failures),
    ),
    ettr: barChart(
      'Jobs by ETTR',
      Object.keys(runs[0]?.result.ettr.histogram ?? {}).map((b) => `≥ ${b}`),
      runs.map((r) => ({ name: r.label, values: Object.values(r.result.ettr.histogram) })),
    ),
    placement: barChart(
      'Accelerator-hours slowed by shared uplinks, by highest tier',
      reachedTiers(runs),
      runs.map((r) => ({
        name: r.label,
        values: reachedTiers(runs).map(
          (tier) =>
            r.result.placementByTier.find((x) => x.tier === tier)?.contentionAcceleratorHours ?? 0,
        ),
      })),
      'acc-h',
    ),
  }
  const written: string[] = []
  for (const [name, svg] of Object.entries(charts)) {
    await writeAtomic(join(dir, `${name}.svg`), svg)
    await writeAtomic(join(dir, `${name}.png`), svgToPng(svg))
    written.push(`${name}.svg`, `${name}.png`)
  }
  const json = { title, settings, runs: Object.fromEntries(runs.map((r) => [r.label, r.result])) }
  await writeAtomic(join(dir, 'report.json'), `${JSON.stringify(json, null, 2)}\n`)
  await writeAtomic(join(dir, 'report.md'), markdown(title, settings, runs, Object.keys(charts)))
  written.push('report.json', 'report.md')
  return written
}
