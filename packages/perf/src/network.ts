import { ZhisuanError, tierRank, type Tier } from '@zhisuan/domain'
import { calibration } from './calibration.js'
import { rdmaGoodput, type Retransmission } from './packet-loss.js'

/** Where a job's nodes sit: packed into as few blocks as possible, or one node per block. */
export type Placement = 'packed' | 'spread'

/** The network a job sees: its scale-up domain, its NICs and the fabric above them. */
export interface JobNetwork {
  /** Accelerators per node, each with `nicGBsPerGpu` of scale-out bandwidth. */
  readonly gpusPerNode: number
  /** Accelerators joined by the scale-up link (a node, or an NVL72 rack). */
  readonly domainGpus: number
  /** Scale-up link rate per direction per accelerator, GB/s. */
  readonly scaleUpGBs: number
  /** Collective bus bandwidth over the scale-up link rate (the chip's stack: NCCL, RCCL, HCCL). */
  readonly scaleUpBusEfficiency: number
  /** Collective bus bandwidth per NIC over its line rate. */
  readonly nicEfficiency: number
  /** NIC line rate per accelerator, GB/s (e.g. 8 × 400 Gb/s over 8 GPUs = 50). */
  readonly nicGBsPerGpu: number
  readonly nodesPerBlock: number
  /** Nodes under one spine group; `Infinity` in a 2-tier fabric. */
  readonly nodesPerPod: number
  readonly oversubscription: { readonly leaf: number; readonly spine: number }
  readonly lossRate: number
  readonly retransmission: Retransmission
  readonly placement: Placement
}

/**
 * The tier a group spanning `domains` consecutive scale-up domains must cross.
 * Packed placement fills blocks in order; spread puts each node in its own block.
 */
export function groupTier(net: JobNetwork, domains: number): Tier {
  if (domains <= 1) {
    return 'node'
  }
  const nodes = domains * (net.domainGpus / net.gpusPerNode)
  const blocksPerPod = net.nodesPerPod / net.nodesPerBlock
  if (net.placement === 'spread') {
    return nodes <= blocksPerPod ? 'spine' : 'core'
  }
  if (nodes <= net.nodesPerBlock) {
    return 'leaf'
  }
  return nodes <= net.nodesPerPod ? 'spine' : 'core'
}

/**
 * Scale-out bandwidth one accelerator gets for rail-aligned collective traffic that crosses
 * `tier`, GB/s: NIC rate × the collective library's efficiency × RDMA goodput at the loss rate, divided by the
 * oversubscription of every tier above the leaf that the traffic climbs, less what ECMP
 * collisions cost once it leaves the leaf (`calibration.ecmpEfficiency`).
 */
export function networkGBsPerGpu(net: JobNetwork, tier: Tier): number {
  const base = net.nicGBsPerGpu * net.nicEfficiency * rdmaGoodput(net.lossRate, net.retransmission)
  const rank = tierRank(tier)
  const leaf = rank >= tierRank('spine') ? net.oversubscription.leaf : 1
  const spine = rank >= tierRank('core') ? net.oversubscription.spine : 1
  const hashing = rank >= tierRank('spine') ? calibration.ecmpEfficiency : 1
  return (base * hashing) / leaf / spine
}

/** Per-step latency of a collective whose traffic crosses `tier`, s. */
export function networkAlpha(tier: Tier): number {
  const hops = tier === 'core' ? 5 : tier === 'spine' ? 3 : 1
  return calibration.networkAlphaS + hops * calibration.switchHopS
}

/** Scale-up bus bandwidth per accelerator, GB/s. */
export function scaleUpBusGBs(net: JobNetwork): number {
  return net.scaleUpGBs * net.scaleUpBusEfficiency
}

/**
 * Checks a job network for impossible values.
 * @throws ZhisuanError `invalid-input` naming the field.
 */
export function checkJobNetwork(net: JobNetwork): void {
  for (const [field, value] of Object.entries({
    gpusPerNode: net.gpusPerNode,
    domainGpus: net.domainGpus,
    scaleUpGBs: net.scaleUpGBs,
    nicGBsPerGpu: net.nicGBsPerGpu,
    nodesPerBlock: net.nodesPerBlock,
  })) {
    if (!(value > 0)) {
      throw new ZhisuanError('invalid-input', `network ${field} must be positive, got ${value}`)
    }
  }
  if (net.domainGpus % net.gpusPerNode !== 0) {
    throw new ZhisuanError(
      'invalid-input',
      `a scale-up domain of ${net.domainGpus} is not whole nodes of ${net.gpusPerNode}`,
    )
  }
  rdmaGoodput(net.lossRate, net.retransmission)
}
