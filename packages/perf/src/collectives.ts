import { calibration } from './calibration.js'
import {
  groupTier,
  networkAlpha,
  networkGBsPerGpu,
  scaleUpBusGBs,
  type JobNetwork,
} from './network.js'

/**
 * A communication group laid out on the network: `size` ranks, `perDomain` of them in each
 * scale-up domain it touches (ranks of one group sit in consecutive domains).
 */
export interface Group {
  readonly size: number
  readonly perDomain: number
}

/**
 * A group of `size` ranks whose members are `stride` ranks apart in the global order
 * (Megatron's order puts TP innermost, then CP, DP and PP).
 */
export function groupOf(net: JobNetwork, size: number, stride: number): Group {
  const perDomain = Math.max(1, Math.min(size, Math.floor(net.domainGpus / stride)))
  return { size, perDomain }
}

/** Ring (2(n−1) steps) or tree (2·log2 n steps) latency, whichever NCCL would pick: the lower. */
function stepsLatency(n: number, alpha: number): number {
  return Math.min(2 * (n - 1), 2 * Math.ceil(Math.log2(n))) * alpha
}

/**
 * Seconds to all-reduce `bytes` over a group, α–β with NCCL's bus factor 2(n−1)/n
 * (paper-tables.md §5.1). Across domains it is hierarchical: reduce-scatter inside the domain,
 * all-reduce of 1/k of the data across domains over all k NICs at once, all-gather inside.
 */
export function allReduceSeconds(net: JobNetwork, group: Group, bytes: number): number {
  if (group.size <= 1 || bytes <= 0) {
    return 0
  }
  const k = group.perDomain
  const domains = Math.ceil(group.size / k)
  const su = scaleUpBusGBs(net) * 1e9
  const intra = k > 1 ? 2 * (((k - 1) / k) * (bytes / su) + (k - 1) * calibration.scaleUpAlphaS) : 0
  if (domains <= 1) {
    return k > 1 ? 2 * ((k - 1) / k) * (bytes / su) + stepsLatency(k, calibration.scaleUpAlphaS) : 0
  }
  const tier = groupTier(net, domains)
  const nic = networkGBsPerGpu(net, tier) * 1e9
  const inter =
    ((2 * (domains - 1)) / domains) * (bytes / k / nic) + stepsLatency(domains, networkAlpha(tier))
  return intra + inter
}

/** Reduce-scatter or all-gather: half an all-reduce's traffic (bus factor (n−1)/n). */
export function reduceScatterSeconds(net: JobNetwork, group: Group, bytes: number): number {
  return allReduceSeconds(net, group, bytes) / 2
}

/** Point-to-point send of `bytes` to a neighbour in the same domain or across `domains`. */
export function p2pSeconds(
  net: JobNetwork,
  sameDomain: boolean,
  spanDomains: number,
  bytes: number,
): number {
  if (bytes <= 0) {
    return 0
  }
  if (sameDomain) {
    return bytes / (scaleUpBusGBs(net) * 1e9) + calibration.scaleUpAlphaS
  }
  const tier = groupTier(net, spanDomains)
  return bytes / (networkGBsPerGpu(net, tier) * 1e9) + networkAlpha(tier)
}
