import type { Command } from 'commander'
import { Presets, SingleBar } from 'cli-progress'
import { ZhisuanError, serviceAccelerators, tiers } from '@zhisuan/domain'
import {
  jobResultRows,
  jobsFromTrace,
  llmMixJobs,
  simulate,
  type JobResultRow,
  type SimJob,
  type SimResult,
} from '@zhisuan/sim'
import { loadClusterFile } from '../load.js'
import { choiceOption, intOption, numberOption } from '../options.js'
import { priceBasis, defaultPricePerAcceleratorHour } from '../cost.js'
import { formatCount, formatFixed, formatNumber, formatPercent, plural } from '../numbers.js'
import type { Io } from '../output.js'
import { table, tableWidth } from '../table.js'
import { wrapWords } from '../text-width.js'
import { parseTrace, phillyTrace, readTrace, readTraceText } from '../trace.js'
import {
  heavySequence,
  placementReport,
  placementRows,
  placementSequence,
  runsOf,
  type PlacementReport,
} from '../bench/placement-figures.js'
import { looksLikeSacct, sacctReplay, type SacctReplay } from '../sacct-replay.js'
import { jobsCsv, prepareJobsOut, summaryRows } from './sim-output.js'
import { compareSides, configOf, presetNames, type SimFlags } from './sim-flags.js'
import { runServiceSim } from './sim-services.js'
import { lossEpisodesFrom } from './sim-history.js'
import {
  prepareReportDir,
  writeAtomic,
  writeSimReport,
  type ReportRun,
} from '../report/sim-report.js'

/** Runs `zhisuan sim`. */
export async function runSim(io: Io, flags: SimFlags): Promise<void> {
  const { cluster } = await loadClusterFile(flags.cluster)
  const workload = choiceOption('--workload', flags.workload, ['llm-mix', 'philly-gangs'] as const)
  if (workload !== undefined && flags.timeScale !== undefined) {
    throw new ZhisuanError('invalid-input', '--time-scale applies to a sacct trace only')
  }
  if (workload !== undefined && flags.trace !== undefined) {
    throw new ZhisuanError('invalid-input', 'give --trace or --workload, not both')
  }
  let jobs: SimJob[]
  let replay: SacctReplay | undefined
  const perNode = Math.max(...cluster.pools.map((p) => p.scaleUp.acceleratorsPerNode))
  if (workload === 'llm-mix') {
    const days = numberOption('--days', flags.days, 0.001) ?? 30
    jobs = llmMixJobs(cluster, { days, seed: intOption('--seed', flags.seed, 0) ?? 1 })
  } else if (workload === 'philly-gangs') {
    // the placement bench's heavy sequence, its gangs at 80% of this cluster
    jobs = placementSequence(await readTrace(phillyTrace), {
      ...heavySequence,
      capacity: serviceAccelerators(cluster),
      perNode,
      limitStepS: 60,
    })
  } else {
    const path = flags.trace ?? phillyTrace
    const text = await readTraceText(path)
    if (looksLikeSacct(text)) {
      if (flags.days !== undefined) {
        throw new ZhisuanError(
          'invalid-input',
          '--days cannot cut a sacct replay short: setting the twin beside Slurm needs every job to run',
        )
      }
      replay = sacctReplay(
        text,
        path,
        cluster,
        numberOption('--time-scale', flags.timeScale, 1) ?? 1,
      )
      jobs = replay.jobs
      const left = [...replay.skipped].map(([why, n]) => `${formatCount(n)} ${why}`).join(', ')
      io.err(
        `sacct: ${plural(jobs.length, 'allocation')} to replay${left === '' ? '' : ` (left out: ${left})`}`,
      )
    } else {
      if (flags.timeScale !== undefined) {
        throw new ZhisuanError('invalid-input', '--time-scale applies to a sacct trace only')
      }
      jobs = jobsFromTrace(parseTrace(text, path), perNode)
    }
  }
  const base = configOf(flags) // checks the flags before the history is read
  const history =
    flags.lossEpisodesFrom === undefined
      ? {}
      : await lossEpisodesFrom(io, flags.lossEpisodesFrom, cluster)
  if (flags.services !== undefined) {
    const services = { ...flags, services: flags.services }
    await runServiceSim(io, services, cluster, jobs, { ...base, ...history })
    return
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
  const perJob = flags.report !== undefined || flags.jobsOut !== undefined || replay !== undefined
  // with a Slurm history: Slurm's placement and waits from its NodeList and Start, then each run's
  const againstSlurm: Record<string, PlacementReport> =
    replay === undefined ? {} : { 'Slurm (sacct)': placementReport(cluster, replay.slurm, perNode) }
  const jobRows: { label: string; rows: JobResultRow[] }[] = []
  const results: { label: string; result: SimResult & { wallSeconds: number } }[] = []
  const reportRuns: ReportRun[] = []
  for (const side of sides) {
    const config = { ...side.config, ...history }
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
    if (replay !== undefined) {
      againstSlurm[sides.length === 1 ? 'Zhisuan' : `Zhisuan ${side.label}`] = placementReport(
        cluster,
        runsOf(accounts ?? []),
        perNode,
      )
    }
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
    const summary =
      results.length === 1
        ? results[0]?.result
        : Object.fromEntries(results.map((r) => [r.label, r.result]))
    io.out(JSON.stringify(replay === undefined ? summary : { ...summary, againstSlurm }, null, 2))
    return
  }
  io.out(
    `${cluster.name}: ${plural(cluster.fabric.acceleratorCount, 'accelerator')}, ${plural(jobs.length, 'job')} from ${workload ?? flags.trace ?? 'data/traces/philly'}`,
  )
  const reached = new Set(results.flatMap((r) => r.result.placementByTier.map((t) => t.tier)))
  const columns = results.map((r) =>
    summaryRows(
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
  if (replay !== undefined) {
    const [head = [], ...body] = placementRows(againstSlurm, perNode, {
      percent: formatPercent,
      fixed: formatFixed,
    })
    io.out('\nWhat Slurm did (its NodeList and Start) beside the twin, on the same jobs:')
    io.out(table(head, body))
    io.out(
      wrapWords(
        "share: of each multi-node job's ring (its nodes in order) the hops that cross a spine or the core, GPU-weighted; top tier: leaf 2, spine 3, core 4",
        tableWidth,
      ),
    )
  }
}

/** Registers `zhisuan sim`. */
export function registerSim(program: Command, io: Io): void {
  program
    .command('sim')
    .description(
      'replay a job trace on a cluster in the digital twin: utilization, waits, failures, ETTR',
    )
    .requiredOption('--cluster <file>', 'cluster file')
    .option(
      '--trace <file>',
      'trace in the normalized CSV schema, or sacct --parsable2 --allocations output (default: the shipped Philly window)',
    )
    .option(
      '--workload <name>',
      'llm-mix: synthetic pre-training, fine-tuning and experiments (with --days); philly-gangs: the Philly window with 16–64-accelerator gangs at 80% load',
    )
    .option(
      '--time-scale <n>',
      'with a sacct trace: stretch its times and limits by n (a history recorded time-compressed ×n)',
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
      'run twice, e.g. policy=zhisuan,first-fit or failure-rate=0.16,0.48 (with --services: autoscaler=model,fixed or chip=H800,Ascend910B)',
    )
    .option('--loss-episodes <n>', 'loss episodes per leaf switch per day (default none)')
    .option(
      '--episode-loss <p>',
      'packet loss rate during an episode (default 1e-3; 1 = link flap)',
    )
    .option('--episode-minutes <m>', 'length of an episode (default 30)')
    .option(
      '--loss-episodes-from <file>',
      'loss episodes fitted from the cluster’s own history (`zhisuan fabric episodes --out`): per leaf when its leaves are this cluster’s, else the means',
    )
    .option(
      '--price <usd>',
      'USD per accelerator-hour for the cost line (default 2.00: a flat assumed rate, not a market price)',
    )
    .option('--report <dir>', 'write report.json, report.md and charts (SVG and PNG) into DIR')
    .option(
      '--jobs-out <file>',
      'write one CSV row per job: where it ran, start, end, state, tier, restarts, lost work, wait',
    )
    .option(
      '--services <file>',
      'YAML/JSON list of services (the API bodies) to serve beside the jobs',
    )
    .option(
      '--requests <trace>',
      'requests to replay against them: a trace (Azure CSV columns), or name=FILE,…',
    )
    .option('--autoscaler <name>', 'model (from load and capacity, default) | fixed (minReplicas)')
    .option(
      '--serve-at <days>',
      'start the requests this far into the run, once training fills the cluster',
    )
    .option('--json', 'print JSON')
    .action(async (flags: SimFlags) => {
      await runSim(io, flags)
    })
}
