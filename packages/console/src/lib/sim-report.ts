/** One run's figures as `zhisuan sim --report` writes them into report.json. */
export interface SimRun {
  readonly jobs: { readonly submitted: number; readonly completed: number }
  readonly utilization: number
  readonly queueWaitS: { readonly p50: number; readonly p99: number }
  readonly jctS: { readonly p50: number; readonly p99: number }
  readonly failures: { readonly count: number; readonly per1000AcceleratorDays: number }
  readonly interruptions: number
  readonly placementSlowdown: number
  readonly ettr: {
    readonly overall: number
    readonly largestJobs: number
    readonly histogram: Readonly<Record<string, number>>
  }
  readonly goodputAcceleratorHours: number
  readonly simulatedDays: number
  readonly events: number
  readonly timeline?: {
    readonly t: readonly number[]
    readonly utilization: readonly number[]
    readonly pending: readonly number[]
    readonly failures: readonly number[]
  }
}

/** A simulation report: title, settings, and runs by label. */
export interface SimReport {
  readonly title: string
  readonly settings: Readonly<Record<string, string>>
  readonly runs: readonly { readonly label: string; readonly result: SimRun }[]
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * Reads report.json text.
 * @throws Error naming what is missing when the text is not a `zhisuan sim --report` report.
 */
export function parseSimReport(text: string): SimReport {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new Error(`not JSON: ${(cause as Error).message}`, { cause })
  }
  if (!isObject(json) || !isObject(json['runs']) || typeof json['title'] !== 'string') {
    throw new Error('not a simulation report: expected "title" and "runs" (zhisuan sim --report)')
  }
  const runs = Object.entries(json['runs']).map(([label, result]) => {
    if (
      !isObject(result) ||
      typeof result['utilization'] !== 'number' ||
      !isObject(result['ettr']) ||
      !isObject(result['jobs'])
    ) {
      throw new Error(`run "${label}" lacks utilization, jobs or ettr`)
    }
    return { label, result: result as unknown as SimRun }
  })
  if (runs.length === 0) {
    throw new Error('the report has no runs')
  }
  const settings = isObject(json['settings'])
    ? Object.fromEntries(Object.entries(json['settings']).map(([k, v]) => [k, String(v)]))
    : {}
  return { title: json['title'], settings, runs }
}

/** The report's table: one row per figure, one column per run (as report.md has it). */
export function reportRows(report: SimReport): { figure: string; values: string[] }[] {
  const rows: [string, (r: SimRun) => string][] = [
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
  return rows.map(([figure, f]) => ({ figure, values: report.runs.map((r) => f(r.result)) }))
}

/** A run's timeline as [days since start, value] points of one series. */
export function timelinePoints(
  run: SimRun,
  pick: 'utilization' | 'pending' | 'failures',
  scale = 1,
): [number, number][] {
  const tl = run.timeline
  if (tl === undefined) {
    return []
  }
  const start = tl.t[0] ?? 0
  return tl.t.map((t, i) => [
    Math.round(((t - start) / 86_400) * 1000) / 1000,
    (tl[pick][i] ?? 0) * scale,
  ])
}
