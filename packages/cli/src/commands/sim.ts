import type { Command } from 'commander'
import { Presets, SingleBar } from 'cli-progress'
import { ZhisuanError, tiers } from '@zhisuan/domain'
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  failurePresets,
  jobResultRows,
  jobResultsCsv,
  jobsFromTrace,
  llmMixJobs,
  simulate,
  type FailureModel,
  type JobResultRow,
  type SimConfig,
  type SimJob,
  type SimResult,
} from '@zhisuan/sim'
import { loadClusterFile } from '../load.js'
import { choiceOption, intOption, numberOption } from '../options.js'
import { priceBasis, defaultPricePerAcceleratorHour } from '../cost.js'
import {
  formatCount,
  formatFixed,
  formatNumber,
  formatPercent,
  formatUsd,
  plural,
} from '../numbers.js'
import type { Io } from '../output.js'
import { table, tableWidth } from '../table.js'
import { wrapWords } from '../text-width.js'
import { phillyTrace, readTrace } from '../trace.js'
import { heavySequence, placementSequence } from '../bench/placement-figures.js'
import {
  prepareReportDir,
  writeAtomic,
  writeSimReport,
  type ReportRun,
} from '../report/sim-report.js'

interface SimFlags {
  cluster: string
  trace?: string
  workload?: string
  days?: string
  seed?: string
  policy?: string
  failureRate?: string
  failurePreset?: string
  checkpointInterval?: string
  stall?: string
  restart?: string
  compare?: string
  report?: string
  jobsOut?: string
  price?: string
  lossEpisodes?: string
  episodeLoss?: string
  episodeMinutes?: string
  json?: boolean
}

const presetNames = Object.keys(failurePresets)

function failureModel(flags: SimFlags): FailureModel | null {
  const preset = choiceOption('--failure-preset', flags.failurePreset, presetNames)
  const base = failurePresets[preset ?? 'industry-0.48'] ?? null
  const rate = numberOption('--failure-rate', flags.failureRate, 0)
  if (base === null || rate === 0) {
    return null
  }
  return rate === undefined
    ? base
    : { ...base, name: `${base.name} at ${rate}`, per1000PerDay: rate }
}

function configOf(flags: SimFlags): SimConfig {
  const interval = flags.checkpointInterval ?? 'auto'
  const minutes =
    interval === 'auto' ? undefined : numberOption('--checkpoint-interval', interval, 1)
  const days = numberOption('--days', flags.days, 0.001)
  return {
    seed: intOption('--seed', flags.seed, 0) ?? 1,
    policy: choiceOption('--policy', flags.policy, ['zhisuan', 'first-fit'] as const) ?? 'zhisuan',
    failures: failureModel(flags),
    checkpoint: {
      intervalS: minutes === undefined ? 'auto' : minutes * 60,
      stallS: numberOption('--stall', flags.stall, 0) ?? 30,
      restartS: numberOption('--restart', flags.restart, 0) ?? 600,
    },
    ...(days === undefined ? {} : { horizonS: days * 86_400 }),
    ...networkEvents(flags),
  }
}

function networkEvents(flags: SimFlags): Pick<SimConfig, 'network'> {
  const perLeafPerDay = numberOption('--loss-episodes', flags.lossEpisodes, 0)
  if (perLeafPerDay === undefined || perLeafPerDay === 0) {
    if (flags.episodeLoss !== undefined || flags.episodeMinutes !== undefined) {
      throw new ZhisuanError(
        'invalid-input',
        '--episode-loss and --episode-minutes need --loss-episodes > 0',
      )
    }
    return {}
  }
  return {
    network: {
      perLeafPerDay,
      lossRate: numberOption('--episode-loss', flags.episodeLoss, 0, 1) ?? 1e-3,
      minutes: numberOption('--episode-minutes', flags.episodeMinutes, 0) ?? 30,
    },
  }
}

/** `--compare KEY=A,B`: the flags for each side. */
function compareSides(flags: SimFlags): { label: string; flags: SimFlags }[] {
  if (flags.compare === undefined) {
    return [{ label: 'run', flags }]
  }
  const match = /^([a-z-]+)=([^,]+),([^,]+)$/.exec(flags.compare)
  const keys: Record<string, keyof SimFlags> = {
    'loss-episodes': 'lossEpisodes',
    'episode-loss': 'episodeLoss',
    policy: 'policy',
    'failure-rate': 'failureRate',
    'failure-preset': 'failurePreset',
    'checkpoint-interval': 'checkpointInterval',
    seed: 'seed',
  }
  const key = match?.[1] === undefined ? undefined : keys[match[1]]
  if (match === null || key === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `--compare: expected KEY=A,B with KEY one of ${Object.keys(keys).join(', ')}, got "${flags.compare}"`,
    )
  }
  if (match[2] === match[3]) {
    throw new ZhisuanError(
      'invalid-input',
      `--compare: the two values must differ, got "${flags.compare}"`,
    )
  }
  return [match[2] ?? '', match[3] ?? ''].map((value) => ({
    label: `${match[1]}=${value}`,
    flags: { ...flags, [key]: value },
  }))
}

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

const rows = (r: SimResult, price: number, tiers: readonly string[]): [string, string][] => [
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
async function prepareJobsOut(path: string): Promise<void> {
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
function jobsCsv(runs: readonly { label: string; rows: readonly JobResultRow[] }[]): string {
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

/** Runs `zhisuan sim`. */
export async function runSim(io: Io, flags: SimFlags): Promise<void> {
  const { cluster } = await loadClusterFile(flags.cluster)
  const workload = choiceOption('--workload', flags.workload, ['llm-mix', 'philly-gangs'] as const)
  if (workload !== undefined && flags.trace !== undefined) {
    throw new ZhisuanError('invalid-input', 'give --trace or --workload, not both')
  }
  let jobs: SimJob[]
  if (workload === 'llm-mix') {
    const days = numberOption('--days', flags.days, 0.001) ?? 30
    jobs = llmMixJobs(cluster, { days, seed: intOption('--seed', flags.seed, 0) ?? 1 })
  } else if (workload === 'philly-gangs') {
    // the placement bench's heavy sequence, its gangs at 80% of this cluster
    jobs = placementSequence(await readTrace(phillyTrace), {
      ...heavySequence,
      capacity: cluster.pools.reduce(
        (s, p) => s + (p.spare ? 0 : p.nodeCount * p.scaleUp.acceleratorsPerNode),
        0,
      ),
      perNode: Math.max(...cluster.pools.map((p) => p.scaleUp.acceleratorsPerNode)),
      limitStepS: 60,
    })
  } else {
    const perNode = Math.max(...cluster.pools.map((p) => p.scaleUp.acceleratorsPerNode))
    jobs = jobsFromTrace(await readTrace(flags.trace ?? phillyTrace), perNode)
  }
  // Check every flag, and that the report can be written, before a long run starts.
  const sides = compareSides(flags).map((side) => ({ ...side, config: configOf(side.flags) }))
  const price = numberOption('--price', flags.price, 0) ?? defaultPricePerAcceleratorHour
  if (flags.report !== undefined) {
    await prepareReportDir(flags.report)
  }
  if (flags.jobsOut !== undefined) {
    await prepareJobsOut(flags.jobsOut)
  }
  const perJob = flags.report !== undefined || flags.jobsOut !== undefined
  const jobRows: { label: string; rows: JobResultRow[] }[] = []
  const results: { label: string; result: SimResult & { wallSeconds: number } }[] = []
  const reportRuns: ReportRun[] = []
  for (const side of sides) {
    const config = side.config
    const started = performance.now()
    const progressTotal =
      config.horizonS === undefined
        ? Math.max(
            1,
            Math.ceil(((jobs[jobs.length - 1]?.submitS ?? 0) - (jobs[0]?.submitS ?? 0)) / 86_400),
          )
        : config.horizonS / 86_400
    const progress = new SingleBar(
      {
        format: '{label} [{bar}] day {value}/{total} · {events} events · {rate} events/s',
        stream: process.stderr,
        noTTYOutput: false,
        hideCursor: true,
        formatValue: (v, _o, type) =>
          type === 'value' || type === 'total' ? v.toFixed(1) : String(v),
      },
      Presets.shades_classic,
    )
    progress.start(progressTotal, 0, { label: side.label, events: '0', rate: '0' })
    const result = simulate(cluster, jobs, {
      ...config,
      ...(flags.report === undefined ? {} : { timelineS: 3600 }),
      jobResults: perJob,
      onProgress: (t, events) => {
        const day = (t - (jobs[0]?.submitS ?? 0)) / 86_400
        const rate = events / Math.max(1e-3, (performance.now() - started) / 1000)
        progress.update(Math.min(day, progressTotal), {
          label: side.label,
          events: formatNumber(events),
          rate: formatNumber(Math.round(rate)),
        })
      },
    })
    progress.update(progressTotal)
    progress.stop()
    const { accounts, ...withTimeline } = result
    const rowsOfRun = jobResultRows(cluster, accounts ?? [])
    if (perJob) {
      jobRows.push({ label: side.label, rows: rowsOfRun })
    }
    reportRuns.push({
      label: side.label,
      result: perJob ? { ...withTimeline, jobResults: rowsOfRun } : withTimeline,
    })
    // the timeline and the jobs go to the report only; the summary stays small
    const summary: SimResult = { ...withTimeline }
    delete (summary as { timeline?: unknown }).timeline
    results.push({
      label: side.label,
      result: { ...summary, wallSeconds: Math.round((performance.now() - started) / 10) / 100 },
    })
  }
  if (flags.report !== undefined) {
    const settings = {
      cluster: flags.cluster,
      jobs: workload ?? flags.trace ?? 'data/traces/philly',
      seed: flags.seed ?? '1',
      ...(flags.compare === undefined ? {} : { compare: flags.compare }),
    }
    const files = await writeSimReport(
      flags.report,
      `Zhisuan twin: ${cluster.name}`,
      settings,
      reportRuns,
    )
    io.err(`report: ${plural(files.length, 'file')} in ${flags.report}`)
  }
  if (flags.jobsOut !== undefined) {
    await writeAtomic(flags.jobsOut, jobsCsv(jobRows))
    const count = jobRows.reduce((s, r) => s + r.rows.length, 0)
    io.err(`jobs: ${plural(count, 'row')} in ${flags.jobsOut}`)
  }
  if (flags.json === true) {
    io.out(
      JSON.stringify(
        results.length === 1
          ? results[0]?.result
          : Object.fromEntries(results.map((r) => [r.label, r.result])),
        null,
        2,
      ),
    )
    return
  }
  io.out(
    `${cluster.name}: ${plural(cluster.fabric.acceleratorCount, 'accelerator')}, ${plural(jobs.length, 'job')} from ${workload ?? flags.trace ?? 'data/traces/philly'}`,
  )
  const reached = new Set(results.flatMap((r) => r.result.placementByTier.map((t) => t.tier)))
  const columns = results.map((r) =>
    rows(
      r.result,
      price,
      tiers.filter((t) => reached.has(t)),
    ),
  )
  io.out(
    table(
      ['figure', ...results.map((r) => r.label)],
      (columns[0] ?? []).map(([name], i) => [name, ...columns.map((c) => c[i]?.[1] ?? '')]),
    ),
  )
  io.out(wrapWords(`cost: ${priceBasis(price, flags.price !== undefined)}`, tableWidth))
}

/** Registers `zhisuan sim`. */
export function registerSim(program: Command, io: Io): void {
  program
    .command('sim')
    .description(
      'replay a job trace on a cluster in the digital twin: utilization, waits, failures, ETTR',
    )
    .requiredOption('--cluster <file>', 'cluster file')
    .option('--trace <csv>', 'trace in the normalized schema (default: the shipped Philly window)')
    .option(
      '--workload <name>',
      'llm-mix: synthetic pre-training, fine-tuning and experiments (with --days); philly-gangs: the Philly window with 16–64-accelerator gangs at 80% load',
    )
    .option('--days <d>', 'stop after this many simulated days')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--policy <name>', 'zhisuan | first-fit')
    .option('--failure-rate <r>', 'failures per 1,000 accelerators per day (0 = none)')
    .option('--failure-preset <name>', `${presetNames.join(' | ')} (default industry-0.48)`)
    .option('--checkpoint-interval <auto|min>', 'minutes between checkpoints, or auto (Young/Daly)')
    .option('--stall <s>', 'seconds a checkpoint stalls a job (default 30)')
    .option('--restart <s>', 'seconds to restart and restore after a failure (default 600)')
    .option(
      '--compare <key=a,b>',
      'run twice, e.g. policy=zhisuan,first-fit or failure-rate=0.16,0.48',
    )
    .option('--loss-episodes <n>', 'loss episodes per leaf switch per day (default none)')
    .option(
      '--episode-loss <p>',
      'packet loss rate during an episode (default 1e-3; 1 = link flap)',
    )
    .option('--episode-minutes <m>', 'length of an episode (default 30)')
    .option(
      '--price <usd>',
      'USD per accelerator-hour for the cost line (default 2.00: a flat assumed rate, not a market price)',
    )
    .option('--report <dir>', 'write report.json, report.md and charts (SVG and PNG) into DIR')
    .option(
      '--jobs-out <file>',
      'write one CSV row per job: where it ran, start, end, state, tier, restarts, lost work, wait',
    )
    .option('--json', 'print JSON')
    .action(async (flags: SimFlags) => {
      await runSim(io, flags)
    })
}
