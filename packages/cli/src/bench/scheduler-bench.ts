import { nodeTier, tierRank, type Cluster, type Tier } from '@zhisuan/domain'
import type { Decision, JobSpec, Scheduler } from '@zhisuan/scheduler'
import { simulate, type SimConfig, type TraceRow } from '@zhisuan/sim'

/** Large gangs added to the trace's jobs: size (accelerators), count, hours each runs. */
export const largeGangs = [
  { accelerators: 1024, count: 48, hours: 6 },
  { accelerators: 4096, count: 16, hours: 12 },
  { accelerators: 8192, count: 8, hours: 24 },
] as const

/** Seconds from a change (arrival, completion) to the scheduling cycle that answers it (virtual time). */
export const cycleIntervalS = 60

/**
 * Arrivals are compressed by this factor: the Philly window's 10,000 jobs would load a
 * 100,000-accelerator cluster to under 1%; compressed 20× and with the large gangs (180,224
 * accelerators of demand arriving over ~6 hours, running 6–24 hours) the cluster is over-subscribed:
 * gangs queue, end at different times and leave holes — the fragmentation placement quality is about.
 */
export const arrivalCompression = 20

/** Figures one policy produced in the replay. */
export interface PolicyFigures {
  readonly placed: number
  readonly decisions: number
  readonly scheduleSeconds: number
  readonly decisionsPerSecond: number
  /** Mean highest tier spanned by multi-node gangs (leaf 2, spine 3, core 4). */
  readonly meanTopTier: number
  /** Share of ring edges between consecutive nodes of multi-node gangs that cross a spine or the core. */
  readonly spineTrafficShare: number
  /** The least that share can be: every gang in the fewest blocks it fits (crossings = blocks, when > 1). */
  readonly spineTrafficFloor: number
  readonly meanWaitHours: number
  /** Mean share of accelerators allocated until the last job started (time-weighted over cycles). */
  readonly utilization: number
  /** Mean wait of the large gangs alone. */
  readonly meanGangWaitHours: number
  readonly makespanHours: number
}

/** The jobs of a replay: trace jobs as gangs of whole nodes above 8, plus the large gangs. */
export function benchJobs(
  trace: readonly TraceRow[],
  perNode: number,
  options: { readonly gangs: boolean; readonly compression: number } = {
    gangs: true,
    compression: arrivalCompression,
  },
): (JobSpec & { durationS: number })[] {
  const jobs: (JobSpec & { durationS: number })[] = trace.map((t) => {
    const gpus = Math.max(1, t.gpus)
    const multi = gpus > perNode
    return {
      id: t.id,
      tenant: t.vc === '' ? 'default' : t.vc,
      queue: 'default',
      priority: 0,
      replicas: multi ? Math.ceil(gpus / perNode) : 1,
      acceleratorsPerReplica: multi ? perNode : gpus,
      chips: { kind: 'family', family: '' },
      archs: ['x86_64', 'aarch64'],
      runtimeLimitS: Math.max(60, t.durationS),
      submittedAt: Math.round(t.submitS / options.compression),
      durationS: Math.max(60, t.durationS),
    }
  })
  const first = (trace[0]?.submitS ?? 0) / options.compression
  const span = Math.max(1, (trace[trace.length - 1]?.submitS ?? 0) / options.compression - first)
  const total = largeGangs.reduce((s, g) => s + g.count, 0)
  let k = 0
  for (const g of options.gangs ? largeGangs : []) {
    for (let i = 0; i < g.count; i++, k++) {
      // spread evenly over the trace's window, interleaving sizes
      jobs.push({
        id: `gang-${g.accelerators}-${i}`,
        tenant: 'pretrain',
        queue: 'default',
        priority: 0,
        replicas: g.accelerators / perNode,
        acceleratorsPerReplica: perNode,
        chips: { kind: 'family', family: '' },
        archs: ['x86_64', 'aarch64'],
        runtimeLimitS: g.hours * 3600,
        submittedAt: first + Math.round((span * (k + 0.5)) / total),
        durationS: g.hours * 3600,
      })
    }
  }
  return jobs.sort((a, b) => a.submittedAt - b.submittedAt || (a.id < b.id ? -1 : 1))
}

/**
 * Replays the jobs through the simulator (the engine and the scheduler the control plane runs)
 * with one placement policy, no failures: arrivals at their submit times, completions after
 * their durations, a cycle after each change. `onCycle` may sample the live scheduler
 * (placement timings, memory).
 */
export function replay(
  cluster: Cluster,
  jobs: readonly (JobSpec & { durationS: number })[],
  policy: SimConfig['policy'],
  onCycle: (scheduler: Scheduler, cycle: number) => void = () => undefined,
): PolicyFigures {
  const submitted = new Map(jobs.map((j) => [j.id, j.submittedAt]))
  const perBlock = cluster.fabric.spec.nodesPerBlock
  const capacity = cluster.fabric.acceleratorCount
  const f = {
    scheduleSeconds: 0,
    decisions: 0,
    placed: 0,
    waited: 0,
    topTiers: 0,
    multiNode: 0,
    ringEdges: 0,
    crossing: 0,
    floor: 0,
    gangWait: 0,
    gangs: 0,
    allocatedTime: 0,
    windowTime: 0,
  }
  let cycles = 0
  let lastT = jobs[0]?.submittedAt ?? 0
  const result = simulate(
    cluster,
    jobs.map((j) => ({
      id: j.id,
      tenant: j.tenant,
      submitS: j.submittedAt,
      workS: j.durationS,
      replicas: j.replicas,
      perReplica: j.acceleratorsPerReplica,
      ...(j.runtimeLimitS === undefined ? {} : { timeLimitS: j.runtimeLimitS }),
    })),
    {
      seed: 1,
      policy,
      failures: null,
      checkpoint: { intervalS: 'auto', stallS: 0, restartS: 0 },
      cycleS: cycleIntervalS,
      cycleTimer: () => performance.now(),
      // utilization until the last job started, time-weighted
      observe: (now, _cycled, engine) => {
        if (f.placed < jobs.length) {
          f.allocatedTime += engine.allocated * (now - lastT)
          f.windowTime += capacity * (now - lastT)
        }
        lastT = now
      },
      onCycle: (now, cycle, engine) => {
        f.scheduleSeconds += cycle.seconds
        f.decisions += cycle.decisions.length
        for (const d of cycle.decisions) {
          if (d.kind === 'place') {
            countPlacement(cluster, perBlock, d, now - (submitted.get(d.jobId) ?? now), f)
          }
        }
        onCycle(engine.scheduler, cycles++)
      },
    },
  )
  return {
    placed: f.placed,
    decisions: f.decisions,
    scheduleSeconds: f.scheduleSeconds,
    decisionsPerSecond: f.decisions / Math.max(f.scheduleSeconds, 1e-9),
    meanTopTier: f.topTiers / Math.max(1, f.multiNode),
    spineTrafficShare: f.crossing / Math.max(1, f.ringEdges),
    spineTrafficFloor: f.floor / Math.max(1, f.ringEdges),
    meanWaitHours: f.waited / Math.max(1, f.placed) / 3600,
    meanGangWaitHours: f.gangWait / Math.max(1, f.gangs) / 3600,
    utilization: f.allocatedTime / Math.max(1, f.windowTime),
    makespanHours: result.simulatedDays * 24,
  }
}

/** Adds a placement to the figures: its wait, its top tier and its ring's spine crossings. */
function countPlacement(
  cluster: Cluster,
  perBlock: number,
  d: Decision & { kind: 'place' },
  waitS: number,
  f: {
    placed: number
    waited: number
    gangs: number
    gangWait: number
    multiNode: number
    floor: number
    topTiers: number
    ringEdges: number
    crossing: number
  },
): void {
  f.placed++
  f.waited += waitS
  if (d.jobId.startsWith('gang-')) {
    f.gangs++
    f.gangWait += waitS
  }
  const ring = ringOf(d)
  if (ring.length <= 1) {
    return
  }
  f.multiNode++
  const fewest = Math.ceil(ring.length / perBlock)
  f.floor += fewest > 1 ? fewest : 0
  f.topTiers += tierRank(d.score.tier)
  for (const t of ringTiers(cluster, ring)) {
    f.ringEdges++
    if (t === 'spine' || t === 'core') {
      f.crossing++
    }
  }
}

/** The tier each edge of a ring over `ring`'s nodes crosses, the last back to the first. */
export function ringTiers(cluster: Cluster, ring: readonly number[]): Tier[] {
  return ring.map((n, i) => nodeTier(cluster.fabric, n, ring[(i + 1) % ring.length] ?? n))
}

/** The distinct nodes of a placement in ring order (replicas on one node share it). */
function ringOf(d: Decision & { kind: 'place' }): number[] {
  const ring: number[] = []
  for (const n of d.nodes) {
    if (ring[ring.length - 1] !== n) {
      ring.push(n)
    }
  }
  return ring
}

/** p50 and p99 of samples, ms. */
export function percentiles(samples: readonly number[]): { p50: number; p99: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { p50: at(0.5), p99: at(0.99), n: sorted.length }
}

/** Times `findPlacement` for gangs of each size on the live state, without placing them. */
export function samplePlacement(
  scheduler: Scheduler,
  family: string,
  perNode: number,
  sizes: readonly number[],
  into: Map<number, number[]>,
): void {
  for (const size of sizes) {
    const perReplica = Math.min(size, perNode)
    const started = performance.now()
    scheduler.placementFor({
      family,
      archs: ['x86_64', 'aarch64'],
      replicas: size / perReplica,
      perReplica,
    })
    const ms = performance.now() - started
    into.set(size, [...(into.get(size) ?? []), ms])
  }
}
