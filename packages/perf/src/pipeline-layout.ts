import type { ModelShape } from './model-shape.js'
import { attentionParams, ffnParamsOf, layerVectorParams, type LayerKind } from './flops.js'
import { microBatches, type Parallelism } from './parallelism.js'

/** Layers of each kind in a model chunk or on a pipeline stage. */
export interface KindCounts {
  readonly dense: number
  readonly moe: number
}

/**
 * Layers in each model chunk, in model order (chunk c runs on stage c mod p, as Megatron-LM
 * assigns virtual stages). When the layers do not divide evenly, the lighter chunks are the
 * first and the last — beside the embedding and the output layer — as Llama 3 balanced its
 * pipeline (arXiv:2407.21783 §3.3.2: one layer fewer on the first and the last stage).
 */
export function chunkLayers(shape: ModelShape, par: Parallelism): number[] {
  const chunks = par.pp * par.interleave
  const base = Math.floor(shape.layers / chunks)
  const light = chunks - (shape.layers - base * chunks)
  const layers = new Array<number>(chunks).fill(base + 1)
  for (let i = 0; i < light; i++) {
    layers[i % 2 === 0 ? i / 2 : chunks - 1 - (i - 1) / 2] = base
  }
  return layers
}

/** Dense and MoE layers in each chunk: the model's first `moe.denseLayers` layers are dense. */
export function chunkKinds(shape: ModelShape, par: Parallelism): KindCounts[] {
  const denseUpTo = shape.moe?.denseLayers ?? shape.layers
  let offset = 0
  return chunkLayers(shape, par).map((n) => {
    const dense = Math.max(0, Math.min(denseUpTo - offset, n))
    offset += n
    return { dense, moe: n - dense }
  })
}

/** Dense and MoE layers on each pipeline stage (its v chunks together). */
export function stageKinds(
  shape: ModelShape,
  par: Parallelism,
  chunks: readonly KindCounts[] = chunkKinds(shape, par),
): KindCounts[] {
  return Array.from({ length: par.pp }, (_, k) => {
    let dense = 0
    let moe = 0
    for (let j = 0; j < par.interleave; j++) {
      dense += chunks[j * par.pp + k]?.dense ?? 0
      moe += chunks[j * par.pp + k]?.moe ?? 0
    }
    return { dense, moe }
  })
}

/**
 * What stage `k` holds at its peak, summed from a per-chunk amount (layers, or activation
 * bytes). Plain 1F1B runs p − k forward passes before its first backward; the interleaved
 * schedule (Megatron-LM's) runs 2·(p − k − 1) + (v − 1)·p + 1 chunk forwards, in groups of p
 * micro-batches per chunk — never more than the m·v chunk forwards the step has.
 */
export function heldLayerMicroBatches(
  chunks: readonly number[],
  par: Parallelism,
  k: number,
): number {
  const p = par.pp
  const v = par.interleave
  const m = microBatches(par)
  const chunkOf = (j: number) => chunks[j * p + k] ?? 0
  if (v === 1) {
    return Math.min(p - k, m) * chunkOf(0)
  }
  const forwards = Math.min(2 * (p - k - 1) + (v - 1) * p + 1, m * v)
  let held = 0
  for (let slot = 0; slot < forwards; slot++) {
    held += chunkOf(Math.floor((slot % (p * v)) / p))
  }
  return held
}

/**
 * Parameters one accelerator of stage `k` holds: `dense` ones split by TP (attention, dense FFNs,
 * shared experts, router, norms; the input embedding on the first stage, the output layer on the
 * last) and `routed` experts, split over the `ep` ranks of expert parallelism.
 */
export function stageParams(
  shape: ModelShape,
  par: Parallelism,
  k: number,
  kinds: KindCounts,
): { dense: number; routed: number } {
  const perLayer = (kind: LayerKind) =>
    (attentionParams(shape) + ffnParamsOf(shape, kind).dense) / par.tp + layerVectorParams(shape)
  const first = k === 0
  const last = k === par.pp - 1
  const vocabShard = (shape.vocab * shape.hidden) / par.tp
  const input = first ? vocabShard + (shape.learnedPositions ? shape.seqLen * shape.hidden : 0) : 0
  // The output layer: its own matrix, or (tied, PP > 1) a copy of the embedding.
  const output = last && !(shape.tiedEmbeddings && first) ? vocabShard : 0
  return {
    dense:
      kinds.dense * perLayer('dense') +
      kinds.moe * perLayer('moe') +
      input +
      output +
      (last ? shape.hidden : 0),
    routed: (kinds.moe * ffnParamsOf(shape, 'moe').routed) / par.ep,
  }
}

/** The parameters of the stage that holds the most (what its data-parallel sync moves). */
export function paramsPerGpu(
  shape: ModelShape,
  par: Parallelism,
  stages: readonly KindCounts[] = stageKinds(shape, par),
): { dense: number; routed: number } {
  return stages
    .map((kinds, k) => stageParams(shape, par, k, kinds))
    .reduce((a, b) => (b.dense + b.routed > a.dense + a.routed ? b : a))
}

/** Ranks that hold the same experts: the tp·cp·dp ranks of a stage over the `ep` that split them. */
export function expertDataParallel(par: Parallelism): number {
  return (par.tp * par.cp * par.dp) / par.ep
}
