import { Heap } from 'heap-js'
import { defaultCatalog, nodeTier, tierRank, type Cluster } from '@zhisuan/domain'
import {
  Scheduler,
  findPlacement,
  type Decision,
  type JobSpec,
  type SchedulerConfig,
} from '@zhisuan/scheduler'
import type { TraceRow } from '@zhisuan/sim'

/** Large gangs added to the trace's jobs: size (accelerators), count, hours each runs. */
export const largeGangs = [
  { accelerators: 1024, count: 48, hours: 6 },
  { accelerators: 4096, count: 16, hours: 12 },
  { accelerators: 8192, count: 8, hours: 24 },
] as const

/** How long the replay waits between scheduling cycles, s (virtual time). */
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
 * Replays the jobs through one scheduler in virtual time: arrivals at their submit times,
 * completions after their durations, a scheduling cycle every `cycleIntervalS` when anything
 * changed. `onCycle` may sample the live scheduler (placement timings, memory).
 */
export function replay(
  cluster: Cluster,
  jobs: readonly (JobSpec & { durationS: number })[],
  config: SchedulerConfig,
  onCycle: (scheduler: Scheduler, cycle: number) => void = () => undefined,
): PolicyFigures {
  const family = cluster.pools[0]?.accelerator.family ?? ''
  const scheduler = new Scheduler(cluster, defaultCatalog(), config)
  const ends = new Heap<{ at: number; id: string }>((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
  const byId = new Map(jobs.map((j) => [j.id, j]))
  let next = 0
  let now = jobs[0]?.submittedAt ?? 0
  let scheduleSeconds = 0
  let decisions = 0
  let placed = 0
  let waited = 0
  let topTiers = 0
  let multiNode = 0
  let ringEdges = 0
  let crossing = 0
  let floor = 0
  let cycle = 0
  const perBlock = cluster.fabric.spec.nodesPerBlock
  let gangWait = 0
  let gangs = 0
  let allocatedTime = 0
  let windowTime = 0
  const capacity = cluster.fabric.acceleratorCount
  while (next < jobs.length || ends.size() > 0) {
    while (next < jobs.length && (jobs[next]?.submittedAt ?? 0) <= now) {
      const j = jobs[next++]
      if (j !== undefined) {
        scheduler.submit({ ...j, chips: { kind: 'family', family } })
      }
    }
    while ((ends.peek()?.at ?? Number.POSITIVE_INFINITY) <= now) {
      const e = ends.pop()
      if (e !== undefined) {
        scheduler.remove(e.id)
      }
    }
    const started = performance.now()
    const result = scheduler.schedule(now)
    scheduleSeconds += (performance.now() - started) / 1000
    decisions += result.decisions.length
    for (const d of result.decisions) {
      if (d.kind !== 'place') {
        continue
      }
      const j = byId.get(d.jobId)
      if (j === undefined) {
        continue
      }
      placed++
      waited += now - j.submittedAt
      if (j.id.startsWith('gang-')) {
        gangs++
        gangWait += now - j.submittedAt
      }
      ends.push({ at: now + j.durationS, id: j.id })
      const ring = ringOf(d)
      if (ring.length > 1) {
        multiNode++
        const fewest = Math.ceil(ring.length / perBlock)
        floor += fewest > 1 ? fewest : 0
        topTiers += tierRank(d.score.tier)
        for (let i = 0; i < ring.length; i++) {
          const a = ring[i] ?? 0
          const b = ring[(i + 1) % ring.length] ?? 0
          ringEdges++
          const t = nodeTier(cluster.fabric, a, b)
          if (t === 'spine' || t === 'core') {
            crossing++
          }
        }
      }
    }
    onCycle(scheduler, cycle++)
    const nextArrival = jobs[next]?.submittedAt ?? Number.POSITIVE_INFINITY
    const nextEnd = ends.peek()?.at ?? Number.POSITIVE_INFINITY
    const later = Math.max(now + cycleIntervalS, Math.min(nextArrival, nextEnd))
    if (scheduler.pending().length > 0 || next < jobs.length) {
      const free = scheduler.state.free.reduce((sum, f) => sum + f, 0)
      allocatedTime += (capacity - free) * (later - now)
      windowTime += capacity * (later - now)
    }
    now = later
  }
  const makespan = now - (jobs[0]?.submittedAt ?? 0)
  return {
    placed,
    decisions,
    scheduleSeconds,
    decisionsPerSecond: decisions / Math.max(scheduleSeconds, 1e-9),
    meanTopTier: topTiers / Math.max(1, multiNode),
    spineTrafficShare: crossing / Math.max(1, ringEdges),
    spineTrafficFloor: floor / Math.max(1, ringEdges),
    meanWaitHours: waited / Math.max(1, placed) / 3600,
    meanGangWaitHours: gangWait / Math.max(1, gangs) / 3600,
    utilization: allocatedTime / Math.max(1, windowTime),
    makespanHours: makespan / 3600,
  }
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
    findPlacement(scheduler.state, {
      family,
      archs: ['x86_64', 'aarch64'],
      replicas: size / perReplica,
      perReplica,
    })
    const ms = performance.now() - started
    into.set(size, [...(into.get(size) ?? []), ms])
  }
}
