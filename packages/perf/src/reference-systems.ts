import type { ModelShape } from './model-shape.js'
import { gptShape } from './model-shape.js'
import type { Chip } from './hardware.js'
import type { JobNetwork } from './network.js'
import { layerCost } from './layer-cost.js'
import { modernStack, type Software } from './parallelism.js'

/**
 * NVIDIA Selene as Narayanan et al. describe it: DGX A100 nodes (8 GPUs on NVSwitch),
 * 8 × 200 Gb/s HDR InfiniBand per node (25 GB/s per GPU), a non-blocking fat tree built from
 * 20-node scalable units.
 */
export function seleneNetwork(chip: Chip): JobNetwork {
  return {
    gpusPerNode: 8,
    domainGpus: 8,
    scaleUpGBs: chip.scaleUpGBs,
    scaleUpBusEfficiency: chip.scaleUpBusEfficiency,
    nicEfficiency: chip.nicEfficiency,
    nicGBsPerGpu: 25,
    nodesPerBlock: 20,
    nodesPerPod: Number.POSITIVE_INFINITY,
    oversubscription: { leaf: 1, spine: 1 },
    lossRate: 0,
    retransmission: 'go-back-n',
    placement: 'packed',
  }
}

/**
 * Seconds for one transformer layer forward + backward on one accelerator with no parallelism,
 * as the H200 calibration measured it (PyTorch SDPA causal attention, 128-wide heads, GELU MLP,
 * no dropout, no recomputation).
 */
export function singleLayerSeconds(
  chip: Chip,
  hidden: number,
  seqLen: number,
  microBatch: number,
): number {
  const shape: ModelShape = {
    ...gptShape('layer', 1, hidden, hidden / 128),
    seqLen,
    dropout: false,
  }
  const software: Software = { ...modernStack, recompute: 'none' }
  const par = {
    tp: 1,
    pp: 1,
    dp: 1,
    cp: 1,
    ep: 1,
    microBatch,
    globalBatch: microBatch,
    interleave: 1,
  }
  const cost = layerCost({ ...shape, biases: true }, chip, par, software)
  return cost.forwardS + cost.backwardS
}
