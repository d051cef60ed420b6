import type { ScaleUpDomain } from './scale-up.js'

/** How nodes' NICs reach the first switch tier. */
export type FabricDesign = 'rail-optimized' | 'fat-tree'

/** Levels of locality, lowest first. `scale-up` exists only where domains span several nodes. */
export type Tier = 'node' | 'scale-up' | 'leaf' | 'spine' | 'core'

/** Tiers in order, lowest first; compare with `tierRank`. */
export const tiers: readonly Tier[] = ['node', 'scale-up', 'leaf', 'spine', 'core']

/** Position of a tier in `tiers` (node = 0). */
export function tierRank(tier: Tier): number {
  return tiers.indexOf(tier)
}

/** NICs of one node: `count` × `gbps`, e.g. 8 × 400 Gb/s = 3.2 Tb/s. */
export interface NicSpec {
  readonly count: number
  readonly gbps: number
}

/**
 * A folded-Clos scale-out fabric.
 * - `rail-optimized`: NIC k of every node in a block goes to rail leaf k of that block.
 * - `fat-tree`: every NIC of a node goes to the block's leaf (ToR).
 * Each of `planes` independent copies carries 1/planes of every NIC's bandwidth (a dual-ToR
 * design is `planes: 2`); `switchRadix` is ports per switch at that per-plane link speed.
 */
export interface FabricSpec {
  readonly design: FabricDesign
  /** Scale-out switch tiers: 2 (leaf, spine) or 3 (leaf, spine, core). */
  readonly tiers: 2 | 3
  readonly planes: number
  readonly switchRadix: number
  /** Nodes under one leaf (fat tree) or one group of rail leaves (rail-optimized): a block. */
  readonly nodesPerBlock: number
  /** Blocks under one spine group (a pod); only for 3 tiers. */
  readonly blocksPerPod?: number
  /** Down:up bandwidth ratio at each tier, e.g. 1 (non-blocking) or 3 (3:1). */
  readonly oversubscription: { readonly leaf: number; readonly spine: number }
  /** Default NICs of a node; a node group may override them. */
  readonly nic: NicSpec
}

/** The nodes of one pool as the fabric sees them. Each group starts a new block. */
export interface NodeGroupSpec {
  readonly name: string
  readonly nodeCount: number
  readonly scaleUp: ScaleUpDomain
  readonly nic: NicSpec
}

/** A problem with a fabric spec, with the field path relative to the spec. */
export interface FabricIssue {
  readonly path: readonly (string | number)[]
  readonly message: string
}

/** Ports of one leaf switch (per plane) facing nodes and facing spines. */
export function leafPorts(spec: FabricSpec, nic: NicSpec): { down: number; up: number } {
  const down =
    spec.design === 'rail-optimized' ? spec.nodesPerBlock : spec.nodesPerBlock * nic.count
  return { down, up: Math.ceil(down / spec.oversubscription.leaf) }
}

/** Ports of one spine switch facing leaves and (3 tiers) facing the core. */
export function spinePorts(spec: FabricSpec): { down: number; up: number } {
  if (spec.tiers === 2) {
    return { down: spec.switchRadix, up: 0 }
  }
  const o = spec.oversubscription.spine
  const down = Math.floor((spec.switchRadix * o) / (o + 1))
  return { down, up: spec.switchRadix - down }
}

/** Leaf switches of one block in one plane. */
export function leavesPerBlock(spec: FabricSpec, nic: NicSpec): number {
  return spec.design === 'rail-optimized' ? nic.count : 1
}

/**
 * Checks that a spec can be wired with its radix: every leaf fits its ports, every spine reaches
 * every leaf of its pod, every core reaches every pod. Returns the problems; empty means valid.
 */
export function checkFabricSpec(spec: FabricSpec, groups: readonly NodeGroupSpec[]): FabricIssue[] {
  const issues: FabricIssue[] = []
  const positive = (value: number, path: (string | number)[]): void => {
    if (!(value > 0) || !Number.isFinite(value)) {
      issues.push({ path, message: `must be a positive number, got ${value}` })
    }
  }
  positive(spec.oversubscription.leaf, ['oversubscription', 'leaf'])
  positive(spec.oversubscription.spine, ['oversubscription', 'spine'])
  if (spec.tiers === 3 && spec.blocksPerPod === undefined) {
    issues.push({ path: ['blocksPerPod'], message: 'is required for a 3-tier fabric' })
  }
  if (spec.tiers === 2 && spec.oversubscription.spine !== 1) {
    issues.push({
      path: ['oversubscription', 'spine'],
      message: 'a 2-tier fabric has no spine uplinks; use 1',
    })
  }
  if (issues.length > 0) {
    return issues
  }
  const spine = spinePorts(spec)
  for (const [index, group] of groups.entries()) {
    const leaf = leafPorts(spec, group.nic)
    if (leaf.down + leaf.up > spec.switchRadix) {
      issues.push({
        path: ['nodesPerBlock'],
        message: `a leaf of pool ${group.name} needs ${leaf.down} down + ${leaf.up} up ports, more than the switch radix ${spec.switchRadix}`,
      })
    }
    if (group.nic.count < 1) {
      issues.push({ path: ['pools', index, 'nics'], message: 'a node needs at least one NIC' })
    }
  }
  const maxNics = Math.max(...groups.map((g) => leavesPerBlock(spec, g.nic)))
  const blocks = groups.reduce((sum, g) => sum + Math.ceil(g.nodeCount / spec.nodesPerBlock), 0)
  const blocksPerPod = spec.tiers === 3 ? (spec.blocksPerPod ?? blocks) : blocks
  const leavesPerPod = Math.min(blocks, blocksPerPod) * maxNics
  if (leavesPerPod > spine.down) {
    issues.push({
      path: spec.tiers === 3 ? ['blocksPerPod'] : ['tiers'],
      message: `a spine must reach all ${leavesPerPod} leaves of its pod but has ${spine.down} down ports (radix ${spec.switchRadix}); use smaller pods or 3 tiers`,
    })
  }
  if (spec.tiers === 3) {
    const pods = Math.ceil(blocks / blocksPerPod)
    if (pods > spec.switchRadix) {
      issues.push({
        path: ['blocksPerPod'],
        message: `a core switch must reach all ${pods} pods but has ${spec.switchRadix} ports`,
      })
    }
  }
  return issues
}
