import { withinTier } from '@zhisuan/domain'
import type { GangRequest, PlacementResult } from './placement.js'

/**
 * A leaf (block) whose network is degraded: a port of one of its nodes drops packets, or an
 * operator marked it. Input to the scheduler, as node health is; the control plane derives it.
 */
export interface DegradedLeaf {
  /** Block index in the fabric (the leaf's id is `block-<index>`). */
  readonly block: number
  /** In words, e.g. `node-0003 mlx5_3 loss 0.1%`. */
  readonly reason: string
  /** Packet loss rate, 0..1 (0 when unknown). */
  readonly lossRate: number
}

/** How a degraded leaf reads in a placement's reason. */
export function degradedLeafNote(leaf: DegradedLeaf): string {
  return `leaf block-${leaf.block} degraded (${leaf.reason})`
}

/**
 * Places a multi-node gang off degraded leaves when it can do so at the same tier (or better)
 * as the placement it would get otherwise; when every fit of that tier touches a degraded leaf
 * it takes that placement, its reason saying so. A gang of one replica (one node) is not
 * affected, nor is any placement when no leaf is degraded (`place` is then called once, as
 * before). Deterministic: the same inputs give the same placement.
 */
export function avoidDegraded(
  place: (gang: GangRequest) => PlacementResult,
  gang: GangRequest,
  degraded: ReadonlyMap<number, DegradedLeaf>,
): PlacementResult {
  const base = place(gang)
  if (degraded.size === 0 || gang.replicas <= 1 || !base.ok) {
    return base
  }
  const touched = base.score.blocks
    .map((b) => degraded.get(b))
    .filter((d): d is DegradedLeaf => d !== undefined)
  if (touched.length === 0) {
    return base
  }
  const within = gang.blocks
  const avoid = place({
    ...gang,
    blocks: (b) => !degraded.has(b) && (within === undefined || within(b)),
  })
  const chosen = avoid.ok && withinTier(avoid.score.tier, base.score.tier) ? avoid : base
  const outcome =
    chosen === avoid ? 'placing elsewhere' : `the only fit at tier ${base.score.tier} uses it`
  return {
    ...chosen,
    score: {
      ...chosen.score,
      reason: `${chosen.score.reason}; ${touched.map(degradedLeafNote).join(', ')}: ${outcome}`,
    },
  }
}
