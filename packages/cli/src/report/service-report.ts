import { join } from 'node:path'
import type { Cluster } from '@zhisuan/domain'
import type { ServiceReport } from '@zhisuan/sim'
import { formatCount, formatFixed, formatPercent, plural } from '../numbers.js'
import { table } from '../table.js'
import { svgToPng, timeChart } from './charts.js'
import { writeAtomic } from './sim-report.js'

/** What training gave up to the services over the same window. */
export interface TrainingCost {
  /** Accelerator-hours training held with the services, and without them on the same jobs and seed. */
  readonly acceleratorHours: number
  readonly withoutServicesAcceleratorHours: number
  readonly givenUpAcceleratorHours: number
  readonly givenUpShare: number
  /** Training gangs preempted for replicas, and the work they lost (not kept by a checkpoint). */
  readonly preempted: number
  readonly lostAcceleratorHours: number
}

export interface ServiceRun {
  readonly label: string
  readonly services: ServiceReport[]
  readonly training: TrainingCost
  readonly wallSeconds: number
}

/** A latency in ms below 10 s, else in seconds (an overloaded service waits hours). */
const ms = (s: number) =>
  s < 10 ? `${formatFixed(s * 1000, 0)} ms` : `${formatCount(Math.round(s))} s`

/** One run's services, as a table, and what training gave up. */
export function describeRun(r: ServiceRun): string {
  const rows = r.services.map((s) => [
    s.name,
    `${s.tp} × ${s.chip.replace(/^[a-z]+-/, '')}`,
    formatCount(s.requests),
    formatPercent(s.sloAttainment, 2),
    `${ms(s.ttftS.p50)} / ${ms(s.ttftS.p99)}`,
    `${ms(s.tpotS.p50)} / ${ms(s.tpotS.p99)}`,
    `${s.replicas.min} / ${formatFixed(s.replicas.mean, 1)} / ${s.replicas.max}`,
  ])
  const t = r.training
  return [
    `\n${r.label}:`,
    table(
      [
        'service',
        'replica',
        'requests',
        'within SLO',
        'TTFT p50/p99',
        'TPOT p50/p99',
        'replicas min/mean/max',
      ],
      rows,
    ),
    `training held ${formatCount(Math.round(t.acceleratorHours))} accelerator-hours, ${formatCount(Math.round(t.withoutServicesAcceleratorHours))} without the services: gave up ${formatCount(Math.round(t.givenUpAcceleratorHours))} (${formatPercent(t.givenUpShare)}); ${plural(t.preempted, 'gang')} preempted, losing ${formatFixed(t.lostAcceleratorHours, 1)} accelerator-hours of work`,
  ].join('\n')
}

/**
 * Writes the charts (replicas, load, TTFT p99 against the SLO, per service; SVG and PNG),
 * `report.json` and `report.md` into `dir`.
 */
export async function writeServiceReport(
  dir: string,
  cluster: Cluster,
  /** The run's `--services` and `--requests`, as given. */
  flags: { readonly services: string; readonly requests?: string | undefined },
  runs: readonly ServiceRun[],
): Promise<string[]> {
  const names = [...new Set(runs.flatMap((r) => r.services.map((s) => s.name)))]
  const charts: Record<string, string> = {}
  for (const name of names) {
    const of = (r: ServiceRun) => r.services.find((s) => s.name === name)
    charts[`${name}-replicas`] = timeChart(
      `${name}: replicas serving`,
      'replicas',
      runs.map((r) => ({
        name: r.label,
        points: (of(r)?.timeline.samples ?? []).map((x) => [x.t / 60, x.replicas] as const),
      })),
      false,
      'minute',
    )
    charts[`${name}-load`] = timeChart(
      `${name}: requests per second (last minute)`,
      'requests/s',
      [
        {
          name: 'load',
          points: (of(runs[0] as ServiceRun)?.timeline.samples ?? []).map(
            (x) => [x.t / 60, x.ratePerS] as const,
          ),
        },
      ],
      false,
      'minute',
    )
    const minutes = runs.flatMap((r) => of(r)?.timeline.minutes ?? [])
    const end = minutes.reduce((m, x) => Math.max(m, x.t / 60), 0)
    const slo = of(runs[0] as ServiceRun)?.slo.ttftP99S ?? 0
    charts[`${name}-ttft`] = timeChart(
      `${name}: TTFT p99 per minute of arrival`,
      's',
      [
        ...runs.map((r) => ({
          name: r.label,
          points: (of(r)?.timeline.minutes ?? []).map((x) => [x.t / 60, x.ttftP99S] as const),
        })),
        { name: 'SLO', points: [[0, slo] as const, [end, slo] as const] },
      ],
      false,
      'minute',
    )
  }
  const files: string[] = []
  for (const [name, svg] of Object.entries(charts)) {
    await writeAtomic(join(dir, `${name}.svg`), svg)
    await writeAtomic(join(dir, `${name}.png`), svgToPng(svg))
    files.push(`${name}.svg`, `${name}.png`)
  }
  await writeAtomic(
    join(dir, 'report.json'),
    `${JSON.stringify({ cluster: cluster.name, services: flags.services, requests: flags.requests, runs: runs.map((r) => ({ label: r.label, services: r.services, training: r.training })) }, null, 2)}\n`,
  )
  const md = [
    `# Zhisuan twin: services on ${cluster.name}`,
    '',
    `- services: ${flags.services}`,
    `- requests: ${flags.requests ?? ''}`,
    '',
    ...runs.map((r) => describeRun(r)),
    '',
    ...Object.keys(charts).map((c) => `![${c}](${c}.svg)`),
    '',
  ].join('\n')
  await writeAtomic(join(dir, 'report.md'), md)
  files.push('report.json', 'report.md')
  return files
}
