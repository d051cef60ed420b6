import type { FabricLeaf, LeafState, TopologyNode } from '../api/types'
import { counted, percent } from './format'
import { otherTenantJob } from './topology-model'

// The network-health overlay of the topology map (issue #21): each leaf (block) by the state
// GET /api/v1/fabric gives it, and the path a selected job's traffic takes over the fabric.

export const leafStateNames: readonly LeafState[] = ['healthy', 'degraded', 'failed']

const rank: Record<LeafState, number> = { healthy: 0, degraded: 1, failed: 2 }

/** A leaf state in the legend's words. */
export function leafStateLabel(state: LeafState): string {
  switch (state) {
    case 'healthy':
      return 'leaf healthy'
    case 'degraded':
      return 'leaf degraded (loss or congestion on a port)'
    case 'failed':
      return 'leaf failed (its ports are down)'
  }
}

/** The block index of a fabric element id (`block-3` → 3), or undefined for another id. */
export function blockOf(id: string): number | undefined {
  const m = /^block-(\d+)$/.exec(id)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

/** The fabric's leaves by block index. */
export function leavesByBlock(items: readonly FabricLeaf[]): Map<number, FabricLeaf> {
  const out = new Map<number, FabricLeaf>()
  for (const l of items) {
    const b = blockOf(l.id)
    if (b !== undefined) {
      out.set(b, l)
    }
  }
  return out
}

/** The worse of two leaf states. */
export function worse(a: LeafState, b: LeafState): LeafState {
  return rank[b] > rank[a] ? b : a
}

/** How many leaves of some blocks are in each state (blocks the fabric does not list: healthy). */
export function leafCounts(
  leaves: ReadonlyMap<number, Pick<FabricLeaf, 'state'>>,
  blocks: readonly number[],
): Record<LeafState, number> {
  const c: Record<LeafState, number> = { healthy: 0, degraded: 0, failed: 0 }
  for (const b of blocks) {
    c[leaves.get(b)?.state ?? 'healthy']++
  }
  return c
}

/** What a pod's header says of its leaves: the unhealthy ones counted, or '' when all are well. */
export function podLeafWords(counts: Record<LeafState, number>): string {
  const parts: string[] = []
  if (counts.failed > 0) {
    parts.push(`${counted(counts.failed, 'leaf', 'leaves')} failed`)
  }
  if (counts.degraded > 0) {
    parts.push(`${counted(counts.degraded, 'leaf', 'leaves')} degraded`)
  }
  return parts.join(', ')
}

/**
 * A gang's expected step-time factor in words: `1.0123` → `+1.2% step time`; 1 → `no
 * slowdown`; null (a port down) → `stalls until it moves`.
 */
export function slowdownWords(factor: number | null): string {
  if (factor === null) {
    return 'stalls until it moves (a port is down)'
  }
  if (factor <= 1.0005) {
    return 'no slowdown'
  }
  return `+${percent(factor - 1)} step time (×${factor.toFixed(3)})`
}

/** One affected gang in words; another tenant's job is not named. */
export function gangWords(g: FabricLeaf['gangsAffected'][number]): string {
  const who = g.job === otherTenantJob ? 'another tenant’s job' : g.job
  return `${who} (${counted(g.nodes, 'node', 'nodes')}): ${slowdownWords(g.expectedSlowdown)}`
}

/** A leaf's health in one line: state, reason, loss rate and congestion. */
export function leafWords(leaf: FabricLeaf): string {
  if (leaf.state === 'healthy') {
    return 'healthy'
  }
  const loss = `loss ${percent(leaf.lossRate, leaf.lossRate > 0 && leaf.lossRate < 0.01 ? 2 : 1)}`
  const congestion =
    leaf.congestion > 0 ? ` · ${percent(leaf.congestion, 0)} of ports congested` : ''
  return `${leaf.state}: ${leaf.reason} · ${loss}${congestion}`
}

/** One leaf of a job's path: the block, its state, and the job's nodes under it. */
export interface PathLeaf {
  readonly block: number
  readonly pod: number
  readonly state: LeafState
  readonly nodes: readonly string[]
}

/** The fabric path of a job: its leaves in block order and the pods whose spines link them. */
export interface JobPath {
  readonly leaves: readonly PathLeaf[]
  /** Pods whose spines carry the job's traffic between its leaves (empty within one leaf). */
  readonly pods: readonly number[]
  /** Whether the traffic crosses the core (leaves in more than one pod). */
  readonly core: boolean
  /** The worst state of its leaves. */
  readonly state: LeafState
}

/**
 * The path a job's traffic takes: the leaves above its nodes (with their health), the spines of
 * their pods when it spans more than one leaf, and the core when it spans more than one pod.
 */
export function jobPath(
  nodes: readonly Pick<TopologyNode, 'name' | 'pod' | 'block'>[],
  placement: readonly string[],
  leaves: ReadonlyMap<number, Pick<FabricLeaf, 'state'>>,
): JobPath {
  const mine = new Set(placement)
  const byBlock = new Map<number, { pod: number; nodes: string[] }>()
  for (const n of nodes) {
    if (!mine.has(n.name)) {
      continue
    }
    const b = byBlock.get(n.block)
    if (b === undefined) {
      byBlock.set(n.block, { pod: n.pod, nodes: [n.name] })
    } else {
      b.nodes.push(n.name)
    }
  }
  const path = [...byBlock.entries()]
    .sort(([a], [b]) => a - b)
    .map(([block, b]): PathLeaf => ({
      block,
      pod: b.pod,
      state: leaves.get(block)?.state ?? 'healthy',
      nodes: b.nodes,
    }))
  const pods = [...new Set(path.map((l) => l.pod))].sort((a, b) => a - b)
  return {
    leaves: path,
    pods: path.length > 1 ? pods : [],
    core: pods.length > 1,
    state: path.reduce<LeafState>((s, l) => worse(s, l.state), 'healthy'),
  }
}
