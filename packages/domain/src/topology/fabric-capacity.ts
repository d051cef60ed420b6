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
  /** Minimum capacity across a cut splitting the nodes into two equal halves. */
  readonly bisectionGbps: number
}

function groupOf(fabric: Fabric, index: number): FabricGroup {
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
  const perNode = nodeInjectionGbps(groupOf(fabric, block.group).nic)
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

/**
 * Bisection of a tree of groups: split whole children evenly across the cut where the count is
 * even; with an odd count, the middle child is itself split and contributes the lesser of its
 * own bisection and its uplink.
 */
function bisectChildren(uplinks: readonly number[], bisectChild: (i: number) => number): number {
  const n = uplinks.length
  if (n === 0) {
    return 0
  }
  if (n === 1) {
    return bisectChild(0)
  }
  const sorted = uplinks.map((u, i) => ({ u, i })).sort((p, q) => p.u - q.u)
  const half = Math.floor(n / 2)
  // A minimum cut moves the children with the least uplink capacity to one side.
  let cut = sorted.slice(0, half).reduce((sum, c) => sum + c.u, 0)
  if (n % 2 === 1) {
    const middle = sorted[half]
    if (middle !== undefined) {
      cut += Math.min(middle.u, bisectChild(middle.i))
    }
  }
  return cut
}

function blockBisectionGbps(fabric: Fabric, blockIndex: number): number {
  const block = fabric.blocks[blockIndex]
  if (block === undefined) {
    return 0
  }
  // Leaves are non-blocking inside: the cut is what half of the nodes can inject.
  return Math.floor(block.nodeCount / 2) * nodeInjectionGbps(groupOf(fabric, block.group).nic)
}

function podBisectionGbps(fabric: Fabric, podIndex: number): number {
  const pod = fabric.pods[podIndex]
  if (pod === undefined) {
    return 0
  }
  const uplinks: number[] = []
  for (let b = pod.firstBlock; b < pod.firstBlock + pod.blockCount; b++) {
    uplinks.push(blockUplinkGbps(fabric, b))
  }
  return bisectChildren(uplinks, (i) => blockBisectionGbps(fabric, pod.firstBlock + i))
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
  const bisectionGbps =
    fabric.spec.tiers === 3
      ? bisectChildren(podUplinks, (i) => podBisectionGbps(fabric, i))
      : podBisectionGbps(fabric, 0)
  return { injectionGbps, leafUplinkGbps, spineUplinkGbps, bisectionGbps }
}
