import type { ModelShape } from './model-shape.js'
import { groupOf } from './collectives.js'
import type { Chip } from './hardware.js'
import type { LayerCost } from './layer-cost.js'
import {
  groupTier,
  networkAlpha,
  networkGBsPerGpu,
  scaleUpBusGBs,
  type JobNetwork,
} from './network.js'
import type { Parallelism, Software } from './parallelism.js'

/**
 * Scale-up domains one token's top-k copies reach when its experts are spread uniformly over
 * `domains` of them: D·(1 − (1 − 1/D)^k), no more than the model's routing limit (DeepSeek-V3
 * sends a token to at most 4 nodes and forwards it inside each over NVLink).
 */
export function domainsPerToken(topK: number, domains: number, limit?: number): number {
  const reached = domains * (1 - (1 - 1 / domains) ** topK)
  return Math.min(reached, limit ?? Number.POSITIVE_INFINITY)
}

/**
 * Seconds of one MoE layer's expert all-to-all for one micro-batch on one accelerator: dispatch and combine in the forward pass (dispatch in FP8 when the matmuls are),
 * their gradients in the backward pass, and the forward again under full recomputation. Each
 * exchange moves every token once to each remote domain its experts sit in, over the NICs, and
 * to each of its top-k experts over the scale-up links; the busiest rank receives
 * `layer.imbalance` times the average.
 */
export function expertExchangeSeconds(
  shape: ModelShape,
  chip: Chip,
  net: JobNetwork,
  par: Parallelism,
  sw: Software,
  layer: LayerCost,
): number {
  const moe = shape.moe
  if (moe === undefined || par.ep <= 1 || layer.expertTokens <= 0) {
    return 0
  }
  // EP ranks are consecutive ranks of a stage's TP × CP × DP ranks (Megatron-Core's layout).
  const group = groupOf(net, par.ep, 1)
  const domains = Math.ceil(par.ep / group.perDomain)
  const remote =
    domains > 1
      ? (domainsPerToken(moe.topK, domains, moe.domainLimit) * (domains - 1)) / domains
      : 0
  const local = (moe.topK * (group.perDomain - 1)) / group.perDomain
  const tier = groupTier(net, domains)
  const nic = networkGBsPerGpu(net, tier) * 1e9
  const scaleUp = scaleUpBusGBs(net) * 1e9
  const values = layer.expertTokens * shape.hidden * layer.imbalance
  const exchange = (bytesPerValue: number) =>
    Math.max((values * remote * bytesPerValue) / nic, (values * local * bytesPerValue) / scaleUp) +
    (domains > 1 ? networkAlpha(tier) : 0)
  // FP8 dispatch only where the chip computes in FP8
  const dispatch = exchange(sw.precision === 'fp8' && chip.fp8 !== null ? 1 : 2)
  const bf16 = exchange(2)
  const forward = dispatch + bf16
  return forward + 2 * bf16 + (sw.recompute === 'full' ? forward : 0)
}
