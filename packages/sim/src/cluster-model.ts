import type { Cluster } from '@zhisuan/domain'
import { rdmaGoodput } from '@zhisuan/perf'
import type { FailureCategory } from './failures.js'
import type { NetworkEvents, SimJob } from './sim-job.js'

/**
 * How much slower a gang runs on these nodes than packed: its plan's spread ratio, scaled by
 * how many more blocks it spans than the fewest its nodes fit in, over the most it could span.
 */
export function placementPace(cluster: Cluster, job: SimJob, nodes: readonly number[]): number {
  const slowdown = job.spreadSlowdown ?? 1
  if (slowdown <= 1) {
    return 1
  }
  const distinct = new Set(nodes)
  const spanned = new Set([...distinct].map((n) => cluster.fabric.nodeBlock[n] ?? 0)).size
  const fewest = Math.ceil(distinct.size / cluster.fabric.spec.nodesPerBlock)
  const most = Math.min(distinct.size, cluster.fabric.blocks.length)
  return most > fewest ? 1 + ((slowdown - 1) * (spanned - fewest)) / (most - fewest) : 1
}

/** RDMA goodput during a loss episode (go-back-N); 0 for a link flap (loss ≥ 1). */
export function episodeGoodput(network: NetworkEvents | undefined): number {
  if (network === undefined) {
    return 1
  }
  return network.lossRate >= 1 ? 0 : rdmaGoodput(network.lossRate, 'go-back-n')
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
  let x = u * mix.reduce((s, c) => s + c.weight, 0)
  for (const c of mix) {
    x -= c.weight
    if (x < 0) {
      return c
    }
  }
  return mix[mix.length - 1] ?? { name: 'unknown', repairHours: 0 }
}
