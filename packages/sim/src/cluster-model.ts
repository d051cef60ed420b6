import { defaultCatalog, type Cluster, type Fabric } from '@zhisuan/domain'
import { Engine, lifecycleDefaults, type EngineEffect } from '@zhisuan/engine'
import type { SchedulerConfig } from '@zhisuan/scheduler'
import { dalyInterval, rdmaGoodput } from '@zhisuan/perf'
import type { FailureCategory, FailureModel } from './failures.js'
import type { SimConfig } from './sim-config.js'
import type { Stream } from './rng.js'
import type { LeafEpisodes, NetworkEvents, SimJob } from './sim-job.js'

/**
 * Share of a multi-node trace job's step spent in scale-out communication when it carries no
 * plan of its own: 0.1, an estimate from Horovod's published scaling efficiency of about 90%
 * for ResNet-101 and Inception V3 on 128 GPUs (Sergeev and Del Balso, arXiv:1802.05799, fig. 6),
 * the models of the Philly era. Not measured on any trace.
 */
export const traceNetworkShare = 0.1

/**
 * A job's communication share: its plan's (`networkShare`) or, for a trace job, the trace
 * default. A job on one node sends nothing over the fabric either way (see `ringLoads`).
 */
export function networkShareOf(job: SimJob | undefined): number {
  // a gang the twin has no job of (a service's replica) sends nothing over the fabric
  return job === undefined ? 0 : (job.networkShare ?? traceNetworkShare)
}

/** RDMA goodput during a loss episode at `lossRate` (go-back-N); 0 for a link flap (loss ≥ 1). */
export function episodeGoodput(lossRate: number): number {
  return lossRate >= 1 ? 0 : rdmaGoodput(lossRate, 'go-back-n')
}

/**
 * Each of `blocks` leaves' loss episodes: its own from `perLeaf` when given (none past its end),
 * else the cluster-wide rate, loss and length on every leaf; with the goodput during one.
 */
export function leafEpisodes(
  blocks: number,
  network: NetworkEvents | undefined,
): LeafEpisodeModel[] {
  const none: LeafEpisodes = { perDay: 0, lossRate: 0, minutes: 0 }
  const shared: LeafEpisodes =
    network === undefined
      ? none
      : { perDay: network.perLeafPerDay, lossRate: network.lossRate, minutes: network.minutes }
  return Array.from({ length: blocks }, (_, i) => {
    const leaf = network?.perLeaf === undefined ? shared : (network.perLeaf[i] ?? none)
    return { ...leaf, goodput: network === undefined ? 1 : episodeGoodput(leaf.lossRate) }
  })
}

/** A leaf's loss episodes in a run: its rate, loss and length, and the goodput during one. */
export type LeafEpisodeModel = LeafEpisodes & { readonly goodput: number }

/**
 * The block the next episode strikes: uniform over the blocks (one draw of `below`), or with
 * leaves of their own by their rates (one uniform draw: the same stream position either way).
 */
export function episodeBlock(
  leaves: readonly LeafEpisodeModel[],
  network: NetworkEvents | undefined,
  stream: Stream,
): number {
  if (network?.perLeaf === undefined) {
    return stream.below(leaves.length)
  }
  return weightedPick(leaves, (l) => l.perDay, stream.uniform())
}

/**
 * The index of the item whose share of the weights `u` ∈ [0, 1) falls in (at the edge, the
 * last with a weight; 0 when none has one).
 */
export function weightedPick<T>(
  items: readonly T[],
  weight: (item: T) => number,
  u: number,
): number {
  let x = u * items.reduce((s, item) => s + weight(item), 0)
  let last = 0
  for (const [i, item] of items.entries()) {
    const w = weight(item)
    if (w <= 0) {
      continue
    }
    last = i
    x -= w
    if (x < 0) {
      return i
    }
  }
  return last
}

/**
 * Wall seconds a gang loses over `overlapS` of a loss episode: its network share runs at the
 * episode's goodput; at goodput 0 (a link flap) it makes no progress.
 */
export function episodeLoss(goodput: number, networkShare: number, overlapS: number): number {
  if (goodput <= 0) {
    return overlapS
  }
  const extra = networkShare * (1 / goodput - 1)
  return (overlapS * extra) / (1 + extra)
}

/** The cause of a failure, drawn from a failure mix by `u` ∈ [0, 1) (none without a mix). */
export function pickCause(
  mix: readonly FailureCategory[] | undefined,
  u: number,
): { readonly name: string; readonly repairHours: number } {
  if (mix === undefined) {
    return { name: 'none', repairHours: 0 }
  }
  return mix[weightedPick(mix, (c) => c.weight, u)] ?? { name: 'unknown', repairHours: 0 }
}

/**
 * A job's checkpoint period, s (compute plus stall): the configured interval, or with `auto`
 * Daly's optimal interval for the job's MTBF under the failure model (never, without failures).
 */
export function checkpointPeriodS(
  job: SimJob,
  config: Pick<SimConfig, 'checkpoint' | 'failures'>,
): number {
  const { checkpoint, failures } = config
  if (checkpoint.intervalS !== 'auto') {
    return checkpoint.intervalS
  }
  if (failures === null || failures.per1000PerDay <= 0) {
    return Number.POSITIVE_INFINITY
  }
  const mtbfS = (1000 * 86_400) / (failures.per1000PerDay * job.replicas * job.perReplica)
  return Math.max(60, dalyInterval(checkpoint.stallS, mtbfS)) + checkpoint.stallS
}

/** Failures per second over `accelerators` (every one, spares too) under a failure model. */
export function failuresPerS(model: FailureModel | null, accelerators: number): number {
  return model === null ? 0 : ((model.per1000PerDay / 1000) * accelerators) / 86_400
}

/**
 * The slowdowns of a loss episode on one block, at its end: every multi-node gang with a node in
 * the block lost `lossPerS(job)` of each second it ran during the episode (episodes on several of
 * its blocks overlap: each moment counts once, from its last start or slowdown).
 */
export function episodeSlowdowns(
  engine: Engine,
  fabric: Fabric,
  blockIndex: number,
  from: number,
  now: number,
  lossPerS: (jobId: string) => number,
): EngineEffect[] {
  const b = fabric.blocks[blockIndex]
  const effects: EngineEffect[] = []
  for (const r of engine.scheduler.running()) {
    const run = engine.runOf(r.spec.id)
    const crosses =
      new Set(r.nodes).size > 1 && r.nodes.some((n) => fabric.nodeBlock[n] === b?.index)
    if (run === undefined || !crosses) {
      continue
    }
    const overlap = now - Math.max(from, run.workFrom, run.slowedUntil)
    if (overlap <= 0) {
      continue
    }
    const effect = engine.slowed(r.spec.id, lossPerS(r.spec.id) * overlap, now)
    if (effect !== undefined) {
      effects.push(effect)
    }
  }
  return effects
}

/** The engine of a twin run: the cluster, the catalog, no tenants, the run's policy and clock settings. */
export function twinEngine(cluster: Cluster, config: SimConfig): Engine {
  const scheduler: SchedulerConfig = {
    tenants: [],
    preemptionWindowS: lifecycleDefaults.preemptionWindowS,
    strictTenants: false,
    ...(config.policy === 'first-fit' ? { placement: 'first-fit' as const } : {}),
  }
  return new Engine({
    cluster,
    catalog: defaultCatalog(),
    scheduler,
    restartS: config.checkpoint.restartS,
    detectionS: config.failures?.detectionS ?? 0,
    ...(config.cycleS === undefined ? {} : { cycleS: config.cycleS }),
    ...(config.cycleTimer === undefined ? {} : { timer: config.cycleTimer }),
    ...(config.cycleGrid === undefined ? {} : { cycleGrid: config.cycleGrid }),
  })
}
