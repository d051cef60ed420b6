import { ZhisuanError } from '../errors.js'
import { tierRank, type Tier } from './fabric-spec.js'
import type { Fabric } from './fabric.js'

/** A switch of the scale-out fabric, by tier, plane and position. */
export type SwitchRef =
  | { readonly tier: 'leaf'; readonly plane: number; readonly block: number; readonly rail: number }
  | { readonly tier: 'spine'; readonly plane: number; readonly pod: number; readonly index: number }
  | { readonly tier: 'core'; readonly plane: number; readonly index: number }

/** A contiguous range of node indices. */
export interface NodeRange {
  readonly firstNode: number
  readonly nodeCount: number
}

/** The lowest tier joining two accelerators, and how many switches a packet crosses. */
export interface Path {
  readonly tier: Tier
  readonly switchHops: number
}

function checkNode(fabric: Fabric, node: number): void {
  if (!Number.isInteger(node) || node < 0 || node >= fabric.nodeCount) {
    throw new ZhisuanError(
      'not-found',
      `node ${node} is not in the fabric (0..${fabric.nodeCount - 1})`,
    )
  }
}

function checkAccelerator(fabric: Fabric, accelerator: number): number {
  if (!Number.isInteger(accelerator) || accelerator < 0 || accelerator >= fabric.acceleratorCount) {
    throw new ZhisuanError(
      'not-found',
      `accelerator ${accelerator} is not in the fabric (0..${fabric.acceleratorCount - 1})`,
    )
  }
  return fabric.acceleratorNode[accelerator] ?? 0
}

/**
 * The lowest tier that joins two nodes over rail-aligned traffic (NIC k to NIC k): `node`,
 * `scale-up` (a multi-node domain), `leaf` (same block), `spine` (same pod) or `core`. O(1).
 * @throws ZhisuanError `not-found` for an index outside the fabric.
 */
export function nodeTier(fabric: Fabric, a: number, b: number): Tier {
  checkNode(fabric, a)
  checkNode(fabric, b)
  if (a === b) {
    return 'node'
  }
  if (fabric.nodeDomain[a] === fabric.nodeDomain[b]) {
    return 'scale-up'
  }
  if (fabric.nodeBlock[a] === fabric.nodeBlock[b]) {
    return 'leaf'
  }
  return fabric.nodePod[a] === fabric.nodePod[b] ? 'spine' : 'core'
}

/** The NIC (rail) an accelerator sends through: accelerators share NICs evenly in index order. */
export function acceleratorRail(fabric: Fabric, accelerator: number): number {
  const node = checkAccelerator(fabric, accelerator)
  const group = fabric.groups[fabric.nodeGroup[node] ?? 0]
  const local = accelerator - (fabric.nodeFirstAccelerator[node] ?? 0)
  if (group === undefined) {
    return 0
  }
  return Math.floor((local * group.nic.count) / group.scaleUp.acceleratorsPerNode)
}

/**
 * The lowest common tier of two accelerators and the switches between them. In a rail-optimized
 * fabric two accelerators on different rails of one block share no leaf, so their direct path
 * goes through a spine. O(1).
 * @throws ZhisuanError `not-found` for an index outside the fabric.
 */
export function pathBetween(fabric: Fabric, a: number, b: number): Path {
  const nodeA = checkAccelerator(fabric, a)
  const nodeB = checkAccelerator(fabric, b)
  const tier = nodeTier(fabric, nodeA, nodeB)
  switch (tier) {
    case 'node': {
      const group = fabric.groups[fabric.nodeGroup[nodeA] ?? 0]
      return { tier, switchHops: a === b || group?.scaleUp.topology === 'full-mesh' ? 0 : 1 }
    }
    case 'scale-up':
      return { tier, switchHops: 1 }
    case 'leaf':
      if (
        fabric.spec.design === 'rail-optimized' &&
        acceleratorRail(fabric, a) !== acceleratorRail(fabric, b)
      ) {
        return { tier: 'spine', switchHops: 3 }
      }
      return { tier, switchHops: 1 }
    case 'spine':
      return { tier, switchHops: 3 }
    case 'core':
      return { tier, switchHops: 5 }
  }
}

/** The lowest common tier of two accelerators (see `pathBetween`). */
export function lowestCommonTier(fabric: Fabric, a: number, b: number): Tier {
  return pathBetween(fabric, a, b).tier
}

/**
 * The nodes reachable below a switch without going higher: a leaf's block, a spine's pod, or
 * every node for a core switch.
 * @throws ZhisuanError `not-found` when the switch does not exist.
 */
export function nodesUnder(fabric: Fabric, ref: SwitchRef): NodeRange {
  if (!Number.isInteger(ref.plane) || ref.plane < 0 || ref.plane >= fabric.spec.planes) {
    throw new ZhisuanError(
      'not-found',
      `plane ${ref.plane} does not exist (planes: ${fabric.spec.planes})`,
    )
  }
  switch (ref.tier) {
    case 'leaf': {
      const block = fabric.blocks[ref.block]
      const group = block === undefined ? undefined : fabric.groups[block.group]
      const rails = fabric.spec.design === 'rail-optimized' ? (group?.nic.count ?? 0) : 1
      if (block === undefined || ref.rail < 0 || ref.rail >= rails) {
        throw new ZhisuanError(
          'not-found',
          `leaf block ${ref.block} rail ${ref.rail} does not exist`,
        )
      }
      return { firstNode: block.firstNode, nodeCount: block.nodeCount }
    }
    case 'spine': {
      const pod = fabric.pods[ref.pod]
      const spines = fabric.switches.podSpines[ref.pod] ?? 0
      if (pod === undefined || ref.index < 0 || ref.index >= spines) {
        throw new ZhisuanError('not-found', `spine ${ref.index} of pod ${ref.pod} does not exist`)
      }
      return { firstNode: pod.firstNode, nodeCount: pod.nodeCount }
    }
    case 'core':
      if (ref.index < 0 || ref.index >= fabric.switches.core.switches / fabric.spec.planes) {
        throw new ZhisuanError('not-found', `core switch ${ref.index} does not exist`)
      }
      return { firstNode: 0, nodeCount: fabric.nodeCount }
  }
}

/** What a set of nodes spans: the highest tier its traffic needs and the blocks and pods used. */
export interface Span {
  readonly tier: Tier
  readonly blocks: readonly number[]
  readonly pods: readonly number[]
  /** Leaf switches (all rails, all planes) attached to these nodes. */
  readonly leafSwitches: number
}

/**
 * Which switches a set of nodes spans. O(n) in the set's size.
 * @throws ZhisuanError `not-found` for a node outside the fabric; `invalid-input` for an empty set.
 */
export function spanOf(fabric: Fabric, nodes: Iterable<number>): Span {
  const distinct = new Set(nodes)
  if (distinct.size === 0) {
    throw new ZhisuanError('invalid-input', 'a span needs at least one node')
  }
  const blocks = new Set<number>()
  const pods = new Set<number>()
  const domains = new Set<number>()
  for (const node of distinct) {
    checkNode(fabric, node)
    blocks.add(fabric.nodeBlock[node] ?? 0)
    pods.add(fabric.nodePod[node] ?? 0)
    domains.add(fabric.nodeDomain[node] ?? 0)
  }
  let tier: Tier = 'core'
  if (distinct.size === 1) {
    tier = 'node'
  } else if (domains.size === 1) {
    tier = 'scale-up'
  } else if (blocks.size === 1) {
    tier = 'leaf'
  } else if (pods.size === 1) {
    tier = 'spine'
  }
  let leafSwitches = 0
  for (const b of blocks) {
    const block = fabric.blocks[b]
    const group = block === undefined ? undefined : fabric.groups[block.group]
    const rails = fabric.spec.design === 'rail-optimized' ? (group?.nic.count ?? 1) : 1
    leafSwitches += rails * fabric.spec.planes
  }
  const sorted = (set: Set<number>): number[] => [...set].sort((x, y) => x - y)
  return { tier, blocks: sorted(blocks), pods: sorted(pods), leafSwitches }
}

/** True when `tier` is at or below `limit`. */
export function withinTier(tier: Tier, limit: Tier): boolean {
  return tierRank(tier) <= tierRank(limit)
}
