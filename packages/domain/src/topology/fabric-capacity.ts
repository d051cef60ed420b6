import type { Fabric, FabricGroup } from './fabric.js'
import { nodeInjectionGbps } from './fabric.js'

/** Bandwidth figures of a fabric, in Gb/s, summed over all planes. */
export interface FabricCapacity {
  /** Sum of every node's NIC bandwidth. */
  readonly injectionGbps: number
  /** Leaf-to-spine capacity, summed over blocks. */
  readonly leafUplinkGbps: number
  /** Spine-to-core capacity, summed over pods (0 for 2 tiers). */
  readonly spineUplinkGbps: number
  /**
   * Capacity across the cheapest cut that puts half the nodes on each side (whole pods or blocks
   * on one side, least uplink first, the boundary one split at its own cheapest cut).
   */
  readonly bisectionGbps: number
}

function blockGroup(fabric: Fabric, index: number): FabricGroup {
  const group = fabric.groups[index]
  if (group === undefined) {
    throw new Error(`block refers to missing group ${index}`)
  }
  return group
}

/**
 * Uplink capacity of a block: its leaves are cabled for a full block at the leaf
 * oversubscription, but a partly filled block cannot send more than its nodes inject.
 */
export function blockUplinkGbps(fabric: Fabric, blockIndex: number): number {
  const block = fabric.blocks[blockIndex]
  if (block === undefined) {
    return 0
  }
  const perNode = nodeInjectionGbps(blockGroup(fabric, block.group).nic)
  const cabled = (fabric.spec.nodesPerBlock * perNode) / fabric.spec.oversubscription.leaf
  return Math.min(cabled, block.nodeCount * perNode)
}

/** Uplink capacity of a pod to the core: what its blocks send up, over the spine oversubscription. */
export function podUplinkGbps(fabric: Fabric, podIndex: number): number {
  const pod = fabric.pods[podIndex]
  if (pod === undefined || fabric.spec.tiers === 2) {
    return 0
  }
  let down = 0
  for (let b = pod.firstBlock; b < pod.firstBlock + pod.blockCount; b++) {
    down += blockUplinkGbps(fabric, b)
  }
  return down / fabric.spec.oversubscription.spine
}

/** A subtree of the fabric for cut computations: its nodes, its uplink, and its children. */
interface CutTree {
  readonly nodes: number
  readonly uplink: number
  /** Injection of one node, for leaves of the tree (blocks). */
  readonly nodeGbps: number
  readonly children: readonly CutTree[]
}

/**
 * Minimum capacity separating `m` of a subtree's nodes (side A) from the rest of the fabric,
 * with the subtree's own switches on whichever side costs less: on side B, cut around the A
 * nodes inside it; on side A, cut around its B nodes plus its uplink. A block's nodes hang off
 * a non-blocking leaf, so inside it the cut is per node.
 */
function partialCut(tree: CutTree, m: number): number {
  if (m <= 0) {
    return 0
  }
  if (tree.children.length === 0) {
    return Math.min(m * tree.nodeGbps, (tree.nodes - m) * tree.nodeGbps + tree.uplink)
  }
  return Math.min(fillCut(tree.children, m), fillCut(tree.children, tree.nodes - m) + tree.uplink)
}

/** Puts whole children on side A, least uplink first, until `m` nodes; the next child is split. */
function fillCut(children: readonly CutTree[], m: number): number {
  const sorted = [...children].sort(
    (a, b) => a.uplink / a.nodes - b.uplink / b.nodes || a.nodes - b.nodes,
  )
  let cut = 0
  let left = m
  for (const child of sorted) {
    if (left <= 0) {
      break
    }
    if (child.nodes <= left) {
      cut += child.uplink
      left -= child.nodes
    } else {
      cut += partialCut(child, left)
      left = 0
    }
  }
  return cut
}

function cutTree(fabric: Fabric): CutTree[] {
  const blockTree = (b: number): CutTree => {
    const block = fabric.blocks[b]
    const nodeGbps =
      block === undefined ? 0 : nodeInjectionGbps(blockGroup(fabric, block.group).nic)
    return {
      nodes: block?.nodeCount ?? 0,
      uplink: blockUplinkGbps(fabric, b),
      nodeGbps,
      children: [],
    }
  }
  if (fabric.spec.tiers === 2) {
    return fabric.blocks.map((b) => blockTree(b.index))
  }
  return fabric.pods.map((pod) => {
    const children: CutTree[] = []
    for (let b = pod.firstBlock; b < pod.firstBlock + pod.blockCount; b++) {
      children.push(blockTree(b))
    }
    return { nodes: pod.nodeCount, uplink: podUplinkGbps(fabric, pod.index), nodeGbps: 0, children }
  })
}

/** Injection, per-tier uplink and bisection bandwidth of a fabric. O(blocks). */
export function fabricCapacity(fabric: Fabric): FabricCapacity {
  let injectionGbps = 0
  for (const group of fabric.groups) {
    injectionGbps += group.nodeCount * nodeInjectionGbps(group.nic)
  }
  let leafUplinkGbps = 0
  for (const block of fabric.blocks) {
    leafUplinkGbps += blockUplinkGbps(fabric, block.index)
  }
  const podUplinks = fabric.pods.map((pod) => podUplinkGbps(fabric, pod.index))
  const spineUplinkGbps = podUplinks.reduce((sum, u) => sum + u, 0)
  const bisectionGbps = fillCut(cutTree(fabric), Math.floor(fabric.nodeCount / 2))
  return { injectionGbps, leafUplinkGbps, spineUplinkGbps, bisectionGbps }
}
