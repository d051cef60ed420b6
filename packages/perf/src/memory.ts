import type { ModelShape } from './model-shape.js'
import {
  attentionParams,
  attentionWidths,
  embeddingParams,
  ffnParamsPerLayer,
  layerVectorParams,
  moeLayers,
} from './flops.js'
import { routingImbalance } from './layer-cost.js'
import { calibration } from './calibration.js'
import { microBatches, slowestStageLayers, type Parallelism, type Software } from './parallelism.js'

/** Memory one accelerator of the fullest pipeline stage needs, GB (10⁹ bytes). */
export interface MemoryUse {
  readonly weightsGB: number
  readonly gradientsGB: number
  readonly optimizerGB: number
  readonly activationsGB: number
  readonly totalGB: number
  /** The pipeline stage (0-based) that needs the most. */
  readonly stage: number
  /** Layers × micro-batches whose activations that stage holds at its peak. */
  readonly layerMicroBatches: number
}

/**
 * Parameters held by one accelerator of the largest stage (the one with the embedding or output
 * layer): `dense` ones split by TP and replicated over data parallelism, `routed` experts split
 * over the `ep` ranks of expert parallelism (and replicated over the dp/ep others).
 */
export function paramsPerGpu(
  shape: ModelShape,
  par: Parallelism,
): { dense: number; routed: number } {
  const ffn = ffnParamsPerLayer(shape)
  const layers = slowestStageLayers(shape, par)
  const perLayer = (attentionParams(shape) + ffn.dense) / par.tp + layerVectorParams(shape)
  // Untied input and output embeddings sit on the first and last stage: one stage holds both when PP = 1.
  const embedding = embeddingParams(shape) / (shape.tiedEmbeddings || par.pp === 1 ? 1 : 2) / par.tp
  return { dense: layers * perLayer + embedding, routed: (layers * ffn.routed) / par.ep }
}

/**
 * Activation bytes one layer keeps per micro-batch for its backward pass, from the tensors it
 * saves (the accounting of Korthikanti et al., arXiv:2205.05198 §4, which gives
 * `s·b·h·(10 + 24/t + 5·a·s/(h·t))` for a GPT layer), generalised to GQA, gated FFNs and no dropout:
 * - per token, not split by TP unless sequence parallel: each of the two norms keeps its input
 *   and its output (the next matmul's input), 2 bytes each: 8h; dropout adds a 1-byte mask after
 *   the attention projection and after the FFN: 2h;
 * - split by TP: Q (2h), K and V (4·kv) and the attention output (2h); the FFN keeps what its
 *   matmuls and activation need: 4·f for GELU (its input and output), 6·f for SwiGLU (gate, up
 *   and their product);
 * - without flash attention (and without selective recomputation), the score matrix per head:
 *   softmax output 2·a·s bytes, plus 3·a·s for the dropout mask and output when there is dropout.
 * Full recomputation keeps only the layer input, `2·s·b·h` (split over t with sequence parallelism).
 */
export function activationBytesPerLayer(shape: ModelShape, par: Parallelism, sw: Software): number {
  const h = shape.hidden
  const t = par.tp
  const tokens = (shape.seqLen / par.cp) * par.microBatch
  if (sw.recompute === 'full') {
    return (tokens * 2 * h) / (sw.sequenceParallel ? t : 1)
  }
  const replicated = 8 * h + (shape.dropout ? 2 * h : 0)
  const w = attentionWidths(shape)
  const attention = 2 * (w.q + w.k + w.v + w.o)
  const perWidth = shape.gatedFfn ? 6 : 4
  const moe = shape.moe
  let ffn = perWidth * shape.ffnHidden
  if (moe !== undefined) {
    // An MoE layer keeps its shared experts' intermediates, and for each of its top-k copies the
    // dispatched input and expert output (2h each) and the expert's intermediates; the busiest
    // accelerator of the expert-parallel group holds `imbalance` times the average.
    const share = moeLayers(shape) / shape.layers
    const imbalance = routingImbalance((tokens / t) * moe.topK, par.ep, moe.capacityFactor)
    const routed = moe.topK * (perWidth * moe.expertFfnHidden + 4 * h) * imbalance
    ffn =
      (1 - share) * ffn +
      share * (moe.sharedExperts * perWidth * moe.expertFfnHidden + routed + 4 * moe.experts)
  }
  const keepsScores = sw.recompute === 'none' && !sw.flashAttention
  const scores = keepsScores ? (shape.dropout ? 5 : 2) * shape.heads * shape.seqLen : 0
  const perToken =
    (sw.sequenceParallel ? replicated / t : replicated) + (attention + ffn + scores) / t
  return tokens * perToken
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

/**
 * Layer-micro-batches whose activations stage `k` holds at its peak. Plain 1F1B runs p − k
 * forward passes before its first backward; the interleaved schedule (Megatron-LM's) runs
 * 2·(p − k − 1) + (v − 1)·p + 1 chunk forwards, in groups of p micro-batches per chunk — never
 * more than the m·v chunk forwards the step has.
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
 * Memory of the fullest stage, the largest over all stages: BF16 weights, gradients in the
 * stack's precision, FP32 Adam master weights and moments (12 B/param; ZeRO paper,
 * paper-tables.md §6.1), each sharded by the ZeRO stage; the activations the stage holds
 * ({@link heldLayerMicroBatches}); the input embedding on the first stage, the output layer and
 * one micro-batch of FP32 logits on the last.
 */
export function memoryUse(shape: ModelShape, par: Parallelism, sw: Software): MemoryUse {
  const chunks = chunkLayers(shape, par)
  const ffn = ffnParamsPerLayer(shape)
  const perLayerParams = (attentionParams(shape) + ffn.dense) / par.tp + layerVectorParams(shape)
  const perLayerRouted = ffn.routed / par.ep
  const expertDp = par.dp / par.ep
  const perLayerActivation = activationBytesPerLayer(shape, par, sw)
  const vocabShard = (shape.vocab * shape.hidden) / par.tp
  const tokens = (par.microBatch * shape.seqLen) / par.cp
  const gb = (bytes: number) => bytes / 1e9
  let worst: MemoryUse | undefined
  for (let k = 0; k < par.pp; k++) {
    let layers = 0
    for (let j = 0; j < par.interleave; j++) {
      layers += chunks[j * par.pp + k] ?? 0
    }
    const first = k === 0
    const last = k === par.pp - 1
    const input = first
      ? vocabShard + (shape.learnedPositions ? shape.seqLen * shape.hidden : 0)
      : 0
    // The output layer: its own matrix, or (tied, PP > 1) a copy of the embedding.
    const output = last && !(shape.tiedEmbeddings && first) ? vocabShard : 0
    const params = layers * perLayerParams + input + output + (last ? shape.hidden : 0)
    const routed = layers * perLayerRouted
    // Sharded over data parallelism from the ZeRO stage that shards it: dense weights over DP,
    // routed experts over the DP/EP replicas of each expert.
    const sharded = (stage: number) =>
      sw.zero >= stage ? params / par.dp + routed / expertDp : params + routed
    const weights = 2 * sharded(3)
    // ZeRO-3 gathers the layer it runs and prefetches the next.
    const gathered = sw.zero === 3 ? 2 * 2 * (perLayerParams + perLayerRouted) : 0
    const gradients = sw.gradientBytes * sharded(2)
    const optimizer = 12 * sharded(1)
    const held = heldLayerMicroBatches(chunks, par, k)
    const logits = last ? tokens * (shape.vocab / par.tp) * 6 : 0
    const activations = held * perLayerActivation + logits
    const total = weights + gathered + gradients + optimizer + activations
    if (worst === undefined || gb(total) > worst.totalGB) {
      worst = {
        weightsGB: gb(weights + gathered),
        gradientsGB: gb(gradients),
        optimizerGB: gb(optimizer),
        activationsGB: gb(activations),
        totalGB: gb(total),
        stage: k,
        layerMicroBatches: held,
      }
    }
  }
  if (worst === undefined) {
    throw new Error(`a pipeline of depth ${par.pp} has no stage`)
  }
  return worst
}

/**
 * Memory a job may use, in GB (10⁹ bytes), on an accelerator whose catalog size is `memoryGB`:
 * HBM sizes are binary ("80 GB" is 80 GiB; nvidia-smi shows 81,559 MiB on an H100), less what
 * the runtime keeps (`calibration.usableMemoryFraction`).
 */
export function usableMemoryGB(memoryGB: number): number {
  return memoryGB * 1.073741824 * calibration.usableMemoryFraction
}
