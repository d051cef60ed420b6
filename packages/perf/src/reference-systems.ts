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
 * Meta's RoCE cluster that trained Llama 3 405B, as its paper describes it (arXiv:2407.21783
 * §3.3.1; paper-tables.md §3.2): Grand Teton nodes of 8 H100 on NVLink, one 400 Gb/s NIC per GPU,
 * a rack of 2 nodes under one ToR, 3,072-GPU pods (384 nodes) at full bisection, and 1:7
 * oversubscription at the aggregation layer above them.
 */
export function llama3Network(chip: Chip): JobNetwork {
  return {
    ...seleneNetwork(chip),
    nicGBsPerGpu: 400 / 8,
    nodesPerBlock: 2,
    nodesPerPod: 384,
    oversubscription: { leaf: 1, spine: 7 },
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
