import type { ModelShape } from './model-shape.js'
import { embeddingParams, layerMatmulParams, layerVectorParams } from './flops.js'
import { calibration } from './calibration.js'
import { microBatches, slowestStageLayers, type Parallelism, type Software } from './parallelism.js'

/** Memory one accelerator of the fullest pipeline stage needs, GB (10⁹ bytes). */
export interface MemoryUse {
  readonly weightsGB: number
  readonly gradientsGB: number
  readonly optimizerGB: number
  readonly activationsGB: number
  readonly totalGB: number
}

/** Parameters held by one accelerator of the largest stage (the one with the embedding or output layer). */
export function paramsPerGpu(shape: ModelShape, par: Parallelism): number {
  const layers =
    slowestStageLayers(shape, par) * (layerMatmulParams(shape) / par.tp + layerVectorParams(shape))
  // Untied input and output embeddings sit on the first and last stage: one stage holds both when PP = 1.
  const embedding = embeddingParams(shape) / (shape.tiedEmbeddings || par.pp === 1 ? 1 : 2) / par.tp
  return layers + embedding
}

/**
 * Activation bytes one layer keeps per micro-batch (Korthikanti et al., arXiv:2205.05198):
 * `s·b·h·(10 + 24/t + 5·a·s/(h·t))` without sequence parallelism, `s·b·h·(34/t + 5·a·s/(h·t))`
 * with it; selective recomputation or flash attention drop the score term; full recomputation
 * keeps only the layer input, `2·s·b·h` (split over t with sequence parallelism).
 */
export function activationBytesPerLayer(shape: ModelShape, par: Parallelism, sw: Software): number {
  const h = shape.hidden
  const t = par.tp
  const sbh = (shape.seqLen / par.cp) * par.microBatch * h
  if (sw.recompute === 'full') {
    return (2 * sbh) / (sw.sequenceParallel ? t : 1)
  }
  const linear = sw.sequenceParallel ? 34 / t : 10 + 24 / t
  const scores =
    sw.recompute === 'selective' || sw.flashAttention
      ? 0
      : (5 * shape.heads * shape.seqLen) / (h * t)
  return sbh * (linear + scores)
}

/**
 * Memory of the fullest stage: bf16 weights and gradients plus fp32 Adam states (16 B/param,
 * ZeRO paper; paper-tables.md §6.1), sharded by ZeRO stage; activations of the micro-batches in
 * flight on the first stage (`min(p, m)` of them, × (1 + (p−1)/(p·v)) when interleaved).
 */
export function memoryUse(shape: ModelShape, par: Parallelism, sw: Software): MemoryUse {
  const params = paramsPerGpu(shape, par)
  const shard = sw.zero === 3 ? par.dp : 1
  const weights = (2 * params) / shard
  const gradients = (2 * params) / shard
  const optimizer = (12 * params) / (sw.zero >= 1 ? par.dp : 1)
  const inFlight = Math.min(par.pp, microBatches(par))
  const interleaving = par.interleave > 1 ? 1 + (par.pp - 1) / (par.pp * par.interleave) : 1
  const layersHeld = slowestStageLayers(shape, par) * inFlight * interleaving
  const logits = ((par.microBatch * shape.seqLen) / par.cp) * (shape.vocab / par.tp) * 6
  const activations = layersHeld * activationBytesPerLayer(shape, par, sw) + logits
  const gb = (bytes: number) => bytes / 1e9
  return {
    weightsGB: gb(weights),
    gradientsGB: gb(gradients),
    optimizerGB: gb(optimizer),
    activationsGB: gb(activations),
    totalGB: gb(weights + gradients + optimizer + activations),
  }
}

/**
 * Memory a job may use, in GB (10⁹ bytes), on an accelerator whose catalog size is `memoryGB`:
 * HBM sizes are binary ("80 GB" is 80 GiB; nvidia-smi shows 81,559 MiB on an H100), less what
 * the runtime keeps (`calibration.usableMemoryFraction`).
 */
export function usableMemoryGB(memoryGB: number): number {
  return memoryGB * 1.073741824 * calibration.usableMemoryFraction
}
