import type { Command } from 'commander'
import { fileURLToPath } from 'node:url'
import { loadClusterFile } from '../load.js'
import { intOption } from '../options.js'
import { formatNumber } from '../numbers.js'
import type { Io } from '../output.js'
import { phillyTrace, readTrace } from '../trace.js'
import { checkpointBenchReport, schedulerBenchReport } from './bench-tables.js'
import {
  benchJobs,
  largeGangs,
  percentiles,
  replay,
  samplePlacement,
} from '../bench/scheduler-bench.js'

interface BenchFlags {
  cluster?: string
  trace?: string
  jobs?: string
  json?: boolean
}

const defaultCluster = fileURLToPath(
  new URL('../../../../examples/clusters/rail-100k.yaml', import.meta.url),
)
const smallTree = fileURLToPath(
  new URL('../../../../examples/clusters/tree-64.yaml', import.meta.url),
)
const gangSizes = [8, 64, 1024, 8192] as const

/** Runs the scheduler benchmark and returns its figures. */
export async function runSchedulerBench(io: Io, flags: BenchFlags) {
  const step = (i: number, text: string) => {
    io.err(`[${i}/6] ${text}`)
  }
  step(1, 'loading the cluster and the trace')
  const { cluster } = await loadClusterFile(flags.cluster ?? defaultCluster)
  const trace = await readTrace(
    flags.trace ?? phillyTrace,
    intOption('--jobs', flags.jobs) ?? 10_000,
  )
  const perNode = cluster.pools[0]?.scaleUp.acceleratorsPerNode ?? 8
  const family = cluster.pools[0]?.accelerator.family ?? ''
  const jobs = benchJobs(trace, perNode)
  step(2, `replaying ${formatNumber(jobs.length)} jobs with topology-aware placement`)
  const samples = new Map<number, number[]>()
  let peakRss = process.memoryUsage().rss
  const ours = replay(cluster, jobs, 'zhisuan', (scheduler, cycle) => {
    if (cycle % 5 === 0) {
      samplePlacement(scheduler, family, perNode, gangSizes, samples)
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }
  })
  step(3, 'replaying the same jobs with first-fit placement')
  const firstFit = replay(cluster, jobs, 'first-fit')
  // Slurm's bar was set on a 64-node 3-tier tree: replay the whole Philly window there, at its
  // own arrival rate (it over-subscribes 512 GPUs), with both placements.
  const { cluster: tree } = await loadClusterFile(smallTree)
  const window = benchJobs(await readTrace(flags.trace ?? phillyTrace), perNode, {
    gangs: false,
    compression: 1,
  })
  step(
    4,
    `replaying the ${formatNumber(window.length)}-job Philly window on tree-64 with topology-aware placement`,
  )
  const treeOurs = replay(tree, window, 'zhisuan')
  step(5, 'replaying it with first-fit placement')
  const treeFirstFit = replay(tree, window, 'first-fit')
  step(6, 'done')
  const placeMs = Object.fromEntries(
    gangSizes.map((size) => [`gang${size}`, percentiles(samples.get(size) ?? [])]),
  )
  return {
    cluster: cluster.name,
    accelerators: cluster.fabric.acceleratorCount,
    jobs: jobs.length,
    largeGangs,
    decisionsPerSecond: ours.decisionsPerSecond,
    placeMs,
    peakMemoryMB: peakRss / 2 ** 20,
    spineTrafficShare: { zhisuan: ours.spineTrafficShare, firstFit: firstFit.spineTrafficShare },
    spineTrafficFloor: ours.spineTrafficFloor,
    meanTopTier: { zhisuan: ours.meanTopTier, firstFit: firstFit.meanTopTier },
    utilization: { zhisuan: ours.utilization, firstFit: firstFit.utilization },
    meanWaitHours: { zhisuan: ours.meanWaitHours, firstFit: firstFit.meanWaitHours },
    policies: { zhisuan: ours, firstFit },
    tree64: {
      jobs: window.length,
      spineTrafficShare: {
        zhisuan: treeOurs.spineTrafficShare,
        firstFit: treeFirstFit.spineTrafficShare,
      },
      spineTrafficFloor: treeOurs.spineTrafficFloor,
      meanTopTier: { zhisuan: treeOurs.meanTopTier, firstFit: treeFirstFit.meanTopTier },
      utilization: { zhisuan: treeOurs.utilization, firstFit: treeFirstFit.utilization },
      meanWaitHours: { zhisuan: treeOurs.meanWaitHours, firstFit: treeFirstFit.meanWaitHours },
      decisionsPerSecond: treeOurs.decisionsPerSecond,
    },
  }
}

/** Registers `zhisuan bench`. */
export function registerBench(program: Command, io: Io): void {
  const bench = program.command('bench').description('benchmarks of Zhisuan’s own machinery')
  bench
    .command('scheduler')
    .description(
      'replay the Philly trace plus large gangs on the 100k fabric; compare with first fit',
    )
    .option('--cluster <file>', 'cluster file (default examples/clusters/rail-100k.yaml)')
    .option('--trace <file>', 'trace CSV (default data/traces/philly)')
    .option('--jobs <n>', 'trace jobs to replay (default 10,000)')
    .option('--json', 'print the figures as one JSON object')
    .action(async (flags: BenchFlags) => {
      const r = await runSchedulerBench(io, flags)
      if (flags.json === true) {
        io.out(JSON.stringify(r, null, 2))
        return
      }
      io.out(schedulerBenchReport(r))
    })

  bench
    .command('checkpoint')
    .description(
      'the checkpoint uploader against cp -r (file tier) and one-at-a-time PutObject (s3rver), ~1 GiB',
    )
    .option('--repeats <n>', 'rounds; each figure is the median', '3')
    .option('--json', 'one JSON object: fsRatioToCp, s3RatioToSingleStream, …')
    .action(async (flags: { repeats: string; json?: boolean }) => {
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true'
      // the bench brings its own S3 server (s3rver, a dev dependency): load it only here
      const { benchCheckpoint } = await import('@zhisuan/checkpoint/bench')
      const repeats = intOption('--repeats', flags.repeats) ?? 3
      const r = await benchCheckpoint({
        repeats,
        ...(flags.json === true
          ? {}
          : {
              log: (line: string) => {
                io.err(`  … ${line}`)
              },
            }),
      })
      if (flags.json === true) {
        io.out(JSON.stringify(r, null, 2))
        return
      }
      io.out(checkpointBenchReport(r))
    })
}
