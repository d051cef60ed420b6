import { ZhisuanError } from '../errors.js'
import { pointerToPath } from '../validation.js'
import {
  checkFabricSpec,
  leafPorts,
  leavesPerBlock,
  spinePorts,
  type FabricSpec,
  type NicSpec,
  type NodeGroupSpec,
} from './fabric-spec.js'
import type { ScaleUpDomain } from './scale-up.js'

/** Nodes under one leaf (or one set of rail leaves); always nodes of a single group. */
export interface Block {
  readonly index: number
  readonly group: number
  readonly pod: number
  readonly firstNode: number
  readonly nodeCount: number
}

/** Blocks under one spine group. In a 2-tier fabric the single pod holds every block. */
export interface Pod {
  readonly index: number
  readonly firstBlock: number
  readonly blockCount: number
  readonly firstNode: number
  readonly nodeCount: number
}

/** A node group placed on the fabric: its node range and its block range. */
export interface FabricGroup extends NodeGroupSpec {
  readonly index: number
  readonly firstNode: number
  readonly firstBlock: number
  readonly blockCount: number
  readonly firstAccelerator: number
}

/** Switch counts of one tier over all planes, and the ports each switch uses. */
export interface SwitchTier {
  readonly switches: number
  readonly downPorts: number
  readonly upPorts: number
}

/**
 * A built fabric. Locality lookups are array reads (O(1)); nodes and blocks are numbered
 * contiguously, so the nodes under any switch form one index range.
 */
export interface Fabric {
  readonly spec: FabricSpec
  readonly groups: readonly FabricGroup[]
  readonly blocks: readonly Block[]
  readonly pods: readonly Pod[]
  readonly nodeCount: number
  readonly acceleratorCount: number
  /** Block, pod, scale-up domain and group of each node. */
  readonly nodeBlock: Int32Array
  readonly nodePod: Int32Array
  readonly nodeDomain: Int32Array
  readonly nodeGroup: Int32Array
  /** First accelerator of each node; entry `nodeCount` is `acceleratorCount`. */
  readonly nodeFirstAccelerator: Int32Array
  /** Node of each accelerator. */
  readonly acceleratorNode: Int32Array
  readonly switches: {
    readonly leaf: SwitchTier
    readonly spine: SwitchTier
    readonly core: SwitchTier
    /** Spine switches of each pod, in one plane. */
    readonly podSpines: readonly number[]
  }
}

/**
 * Lays node groups out on a fabric: each group fills whole blocks from a new block, blocks fill
 * pods in order, and nodes form scale-up domains of `nodesPerDomain` within their group.
 * @throws ZhisuanError `invalid-config` when the spec cannot be wired (see `checkFabricSpec`).
 */
export function buildFabric(spec: FabricSpec, groupSpecs: readonly NodeGroupSpec[]): Fabric {
  const issues = checkFabricSpec(spec, groupSpecs)
  if (issues.length > 0) {
    const text = issues.map((i) => `fabric.${pointerToPath(i.path)}: ${i.message}`).join('\n')
    throw new ZhisuanError('invalid-config', `invalid fabric:\n${text}`, {
      issues: issues.map((i) => ({ path: `fabric.${pointerToPath(i.path)}`, message: i.message })),
    })
  }
  const nodeCount = groupSpecs.reduce((sum, g) => sum + g.nodeCount, 0)
  const acceleratorCount = groupSpecs.reduce(
    (sum, g) => sum + g.nodeCount * g.scaleUp.acceleratorsPerNode,
    0,
  )
  const nodeBlock = new Int32Array(nodeCount)
  const nodePod = new Int32Array(nodeCount)
  const nodeDomain = new Int32Array(nodeCount)
  const nodeGroup = new Int32Array(nodeCount)
  const nodeFirstAccelerator = new Int32Array(nodeCount + 1)
  const acceleratorNode = new Int32Array(acceleratorCount)
  const blocksPerPod = spec.tiers === 3 ? (spec.blocksPerPod ?? 1) : Number.MAX_SAFE_INTEGER

  const groups: FabricGroup[] = []
  const blocks: Block[] = []
  let node = 0
  let accelerator = 0
  let domain = 0
  for (const [index, group] of groupSpecs.entries()) {
    const firstBlock = blocks.length
    const firstAccelerator = accelerator
    for (let local = 0; local < group.nodeCount; local++, node++) {
      if (local % spec.nodesPerBlock === 0) {
        const count = Math.min(spec.nodesPerBlock, group.nodeCount - local)
        const b = blocks.length
        blocks.push({
          index: b,
          group: index,
          pod: Math.floor(b / blocksPerPod),
          firstNode: node,
          nodeCount: count,
        })
      }
      if (local % group.scaleUp.nodesPerDomain === 0 && local > 0) {
        domain++
      }
      nodeBlock[node] = blocks.length - 1
      nodePod[node] = Math.floor((blocks.length - 1) / blocksPerPod)
      nodeDomain[node] = domain
      nodeGroup[node] = index
      nodeFirstAccelerator[node] = accelerator
      acceleratorNode.fill(node, accelerator, accelerator + group.scaleUp.acceleratorsPerNode)
      accelerator += group.scaleUp.acceleratorsPerNode
    }
    domain++
    groups.push({
      ...group,
      index,
      firstNode: node - group.nodeCount,
      firstBlock,
      blockCount: blocks.length - firstBlock,
      firstAccelerator,
    })
  }
  nodeFirstAccelerator[nodeCount] = accelerator

  const pods = groupBlocksIntoPods(blocks)
  return {
    spec,
    groups,
    blocks,
    pods,
    nodeCount,
    acceleratorCount,
    nodeBlock,
    nodePod,
    nodeDomain,
    nodeGroup,
    nodeFirstAccelerator,
    acceleratorNode,
    switches: countSwitches(spec, groups, blocks, pods),
  }
}

function groupBlocksIntoPods(blocks: readonly Block[]): Pod[] {
  const pods: Pod[] = []
  for (const block of blocks) {
    const last = pods[pods.length - 1]
    if (last?.index === block.pod) {
      pods[pods.length - 1] = {
        ...last,
        blockCount: last.blockCount + 1,
        nodeCount: last.nodeCount + block.nodeCount,
      }
    } else {
      pods.push({
        index: block.pod,
        firstBlock: block.index,
        blockCount: 1,
        firstNode: block.firstNode,
        nodeCount: block.nodeCount,
      })
    }
  }
  return pods
}

function countSwitches(
  spec: FabricSpec,
  groups: readonly FabricGroup[],
  blocks: readonly Block[],
  pods: readonly Pod[],
): Fabric['switches'] {
  let leafSwitches = 0
  let maxLeaf = { down: 0, up: 0 }
  const podLeafUplinks = new Array<number>(pods.length).fill(0)
  for (const block of blocks) {
    const group = groups[block.group]
    if (group === undefined) {
      continue
    }
    const ports = leafPorts(spec, group.nic)
    const leaves = leavesPerBlock(spec, group.nic)
    leafSwitches += leaves
    podLeafUplinks[block.pod] = (podLeafUplinks[block.pod] ?? 0) + leaves * ports.up
    if (ports.down + ports.up > maxLeaf.down + maxLeaf.up) {
      maxLeaf = ports
    }
  }
  const spine = spinePorts(spec)
  // Switches come whole: each pod gets enough spines for its own leaves' uplinks.
  const podSpines = podLeafUplinks.map((up) => Math.ceil(up / spine.down))
  const spineSwitches = podSpines.reduce((sum, n) => sum + n, 0)
  const coreSwitches =
    spec.tiers === 3 ? Math.ceil((spineSwitches * spine.up) / spec.switchRadix) : 0
  return {
    leaf: { switches: leafSwitches * spec.planes, downPorts: maxLeaf.down, upPorts: maxLeaf.up },
    spine: { switches: spineSwitches * spec.planes, downPorts: spine.down, upPorts: spine.up },
    core: {
      switches: coreSwitches * spec.planes,
      downPorts: spec.tiers === 3 ? spec.switchRadix : 0,
      upPorts: 0,
    },
    podSpines,
  }
}

/** Scale-out bandwidth a node injects, in Gb/s, over all its NICs and planes. */
export function nodeInjectionGbps(nic: NicSpec): number {
  return nic.count * nic.gbps
}

/** The scale-up domain of a group. */
export function groupScaleUp(fabric: Fabric, group: number): ScaleUpDomain {
  const g = fabric.groups[group]
  if (g === undefined) {
    throw new ZhisuanError('not-found', `no node group ${group}`)
  }
  return g.scaleUp
}
