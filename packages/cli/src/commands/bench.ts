import type { Command } from 'commander'
import { fileURLToPath } from 'node:url'
import { loadClusterFile } from '../load.js'
import { intOption } from '../options.js'
import { formatNumber, table, type Io } from '../output.js'
import { phillyTrace, readTrace } from '../trace.js'
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

/** Targets of the scheduler benchmark (issue: ≥ 2,000 decisions/s, 8,192-gang p99 < 50 ms, spine share ≤ 0.3 × first fit). */
export const schedulerTargets = {
  decisionsPerSecond: 2000,
  gang8192P99Ms: 50,
  spineShareRatio: 0.3,
}

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
      const f = (x: number, d = 3) => x.toFixed(d)
      io.out(
        `${r.cluster}: ${formatNumber(r.accelerators)} accelerators, ${formatNumber(r.jobs)} jobs (Philly sizes + ${largeGangs.map((g) => `${g.count}×${g.accelerators}`).join(', ')})`,
      )
      io.out(
        table(
          ['figure', 'zhisuan', 'first fit', 'target'],
          [
            [
              'decisions per second',
              formatNumber(Math.round(r.decisionsPerSecond)),
              '',
              `≥ ${schedulerTargets.decisionsPerSecond}`,
            ],
            [
              'ring traffic crossing the spine',
              f(r.spineTrafficShare.zhisuan),
              f(r.spineTrafficShare.firstFit),
              `≤ 0.3 × first fit = ${f(0.3 * r.spineTrafficShare.firstFit)}`,
            ],
            [
              '  least possible (gangs in the fewest blocks)',
              f(r.policies.zhisuan.spineTrafficFloor),
              f(r.policies.firstFit.spineTrafficFloor),
              '',
            ],
            [
              'mean top tier of multi-node gangs (leaf 2, spine 3, core 4)',
              f(r.meanTopTier.zhisuan, 2),
              f(r.meanTopTier.firstFit, 2),
              '',
            ],
            ['utilization', f(r.utilization.zhisuan), f(r.utilization.firstFit), 'no worse'],
            [
              'mean queue wait, hours',
              f(r.meanWaitHours.zhisuan, 2),
              f(r.meanWaitHours.firstFit, 2),
              'no worse',
            ],
            [
              'mean queue wait of the large gangs, hours',
              f(r.policies.zhisuan.meanGangWaitHours, 2),
              f(r.policies.firstFit.meanGangWaitHours, 2),
              '',
            ],
            ['peak RSS, MB', f(r.peakMemoryMB, 0), '', ''],
          ],
        ),
      )
      io.out(
        table(
          ['gang', 'place p50 ms', 'place p99 ms', 'samples'],
          Object.entries(r.placeMs).map(([k, v]) => [k, f(v.p50), f(v.p99), v.n]),
        ),
      )
      const t = r.tree64
      io.out(
        `tree-64 (64 nodes, 3 tiers), the whole Philly window (${formatNumber(t.jobs)} jobs) at its own arrival rate:`,
      )
      io.out(
        table(
          ['figure', 'zhisuan', 'first fit', 'target'],
          [
            [
              'ring traffic crossing the spine',
              f(t.spineTrafficShare.zhisuan),
              f(t.spineTrafficShare.firstFit),
              `≤ 0.3 × first fit = ${f(0.3 * t.spineTrafficShare.firstFit)}; Slurm ~0.10–0.12`,
            ],
            ['  least possible (gangs in the fewest blocks)', f(t.spineTrafficFloor), '', ''],
            [
              'mean top tier of multi-node gangs',
              f(t.meanTopTier.zhisuan, 2),
              f(t.meanTopTier.firstFit, 2),
              '',
            ],
            ['utilization', f(t.utilization.zhisuan), f(t.utilization.firstFit), 'no worse'],
            [
              'mean queue wait, hours',
              f(t.meanWaitHours.zhisuan, 2),
              f(t.meanWaitHours.firstFit, 2),
              'no worse',
            ],
          ],
        ),
      )
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
      const f = (x: number, d = 2) => x.toFixed(d)
      io.out(
        table(
          ['figure', 'value', 'target'],
          [
            ['cp -r, s', f(r.cpSeconds), ''],
            ['cp -r && sync, s', f(r.cpSyncSeconds), ''],
            ['  the sync alone (the disk writing the bytes back), s', f(r.syncSeconds), ''],
            [
              'uploader → file tier (kernel copy, SHA-256 of the copy, fsync), s',
              f(r.fileTierSeconds),
              '',
            ],
            ['fsRatioToCp', f(r.fsRatioToCp), `≥ 0.9 ${r.fsRatioToCp >= 0.9 ? '✔' : '✘'}`],
            [
              '  fsRatioCeiling (cp -r ÷ sync: the most any durable copy reaches here)',
              f(r.fsRatioCeiling),
              '',
            ],
            ['fsRatioToCpSync', f(r.fsRatioToCpSync), ''],
            [
              's3RatioToSingleStream',
              f(r.s3RatioToSingleStream),
              `> 1 ${r.s3RatioToSingleStream > 1 ? '✔' : '✘'}`,
            ],
            ['uploader peak RSS, MB', f(r.peakRssMB, 0), 'bounded by parts in flight'],
          ],
        ),
      )
    })
}
