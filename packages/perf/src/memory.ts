import type { ModelShape } from './model-shape.js'
import {
  attentionParams,
  attentionWidths,
  ffnParamsOf,
  layerVectorParams,
  type LayerKind,
} from './flops.js'
import { layerImbalance } from './layer-cost.js'
import { calibration } from './calibration.js'
import type { Parallelism, Software } from './parallelism.js'
import {
  chunkKinds,
  expertDataParallel,
  heldLayerMicroBatches,
  stageKinds,
  stageParams,
} from './pipeline-layout.js'

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
 * Activation bytes one layer keeps per micro-batch for its backward pass, from the tensors it
 * saves (the accounting of Korthikanti et al., arXiv:2205.05198 §4, which gives
 * `s·b·h·(10 + 24/t + 5·a·s/(h·t))` for a GPT layer), generalised to GQA, gated FFNs and no dropout:
 * - per token, not split by TP unless sequence parallel: each of the two norms keeps its input
 *   and its output (the next matmul's input), 2 bytes each: 8h — 4h when the norms keep their
 *   output alone (`Software.memoryEfficientNorm`); dropout adds a 1-byte mask after the
 *   attention projection and after the FFN: 2h;
 * - split by TP: Q (2h), K and V (4·kv) and the attention output (2h); the FFN keeps what its
 *   matmuls and activation need: 4·f for GELU (its input and output), 6·f for SwiGLU (gate, up
 *   and their product);
 * - without flash attention (and without selective recomputation), the score matrix per head:
 *   softmax output 2·a·s bytes, plus 3·a·s for the dropout mask and output when there is dropout.
 * Full recomputation keeps only the layer input, `2·s·b·h` (split over t with sequence parallelism).
 */
export function activationBytesPerLayer(
  shape: ModelShape,
  par: Parallelism,
  sw: Software,
  kind: LayerKind = 'dense',
): number {
  const h = shape.hidden
  const t = par.tp
  const tokens = (shape.seqLen / par.cp) * par.microBatch
  if (sw.recompute === 'full') {
    return (tokens * 2 * h) / (sw.sequenceParallel ? t : 1)
  }
  // Two norms, each keeping its input and its output (2 bytes each), or its output alone.
  const norms = (sw.memoryEfficientNorm ? 4 : 8) * h
  const replicated = norms + (shape.dropout ? 2 * h : 0)
  const w = attentionWidths(shape)
  const attention = 2 * (w.q + w.k + w.v + w.o)
  const perWidth = shape.gatedFfn ? 6 : 4
  const moe = kind === 'moe' ? shape.moe : undefined
  let ffn = perWidth * shape.ffnHidden
  if (moe !== undefined) {
    // An MoE layer keeps its shared experts' intermediates, and for each of its top-k copies the
    // dispatched input and expert output (2h each) and the expert's intermediates; the busiest
    // accelerator of the expert-parallel group holds `imbalance` times the average. The router
    // keeps its FP32 scores for the gate's backward: 4 bytes per expert.
    const imbalance = layerImbalance(shape, par, tokens)
    const routed = moe.topK * (perWidth * moe.expertFfnHidden + 4 * h) * imbalance
    ffn = moe.sharedExperts * perWidth * moe.expertFfnHidden + routed + 4 * moe.experts
  }
  const keepsScores = sw.recompute === 'none' && !sw.flashAttention
  const scores = keepsScores ? (shape.dropout ? 5 : 2) * shape.heads * shape.seqLen : 0
  const perToken =
    (sw.sequenceParallel ? replicated / t : replicated) + (attention + ffn + scores) / t
  return tokens * perToken
}

/**
 * Memory of the fullest stage, the largest over all stages: BF16 weights, gradients in the
 * stack's precision, FP32 Adam master weights and moments (12 B/param; ZeRO paper,
 * paper-tables.md §6.1), each sharded by the ZeRO stage; the activations the stage holds
 * (`heldLayerMicroBatches` over each chunk's dense and MoE layers); the input embedding on the
 * first stage, the output layer and one micro-batch of FP32 logits on the last.
 */
export function memoryUse(shape: ModelShape, par: Parallelism, sw: Software): MemoryUse {
  const kinds = chunkKinds(shape, par)
  const stages = stageKinds(shape, par, kinds)
  const denseBytes = activationBytesPerLayer(shape, par, sw, 'dense')
  const moeBytes = shape.moe === undefined ? 0 : activationBytesPerLayer(shape, par, sw, 'moe')
  const chunkBytes = kinds.map((c) => c.dense * denseBytes + c.moe * moeBytes)
  const chunkCounts = kinds.map((c) => c.dense + c.moe)
  const perLayer = (kind: LayerKind) =>
    (attentionParams(shape) + ffnParamsOf(shape, kind).dense) / par.tp + layerVectorParams(shape)
  const routedPerLayer = ffnParamsOf(shape, 'moe').routed / par.ep
  const expertDp = expertDataParallel(par)
  const tokens = (par.microBatch * shape.seqLen) / par.cp
  const gb = (bytes: number) => bytes / 1e9
  let worst: MemoryUse | undefined
  for (const [k, stage] of stages.entries()) {
    const { dense, routed } = stageParams(shape, par, k, stage)
    // Sharded over data parallelism from the ZeRO stage that shards it: dense weights over DP,
    // routed experts over the ranks that hold the same experts.
    const sharded = (zero: number) =>
      sw.zero >= zero ? dense / par.dp + routed / expertDp : dense + routed
    const weights = 2 * sharded(3)
    // ZeRO-3 gathers the layer it runs and prefetches the next.
    const largest = stage.moe > 0 ? perLayer('moe') + routedPerLayer : perLayer('dense')
    const gathered = sw.zero === 3 ? 2 * 2 * largest : 0
    const gradients = sw.gradientBytes * sharded(2)
    const optimizer = 12 * sharded(1)
    const last = k === par.pp - 1
    const logits = last ? tokens * (shape.vocab / par.tp) * 6 : 0
    const activations = heldLayerMicroBatches(chunkBytes, par, k) + logits
    const total = weights + gathered + gradients + optimizer + activations
    if (worst === undefined || gb(total) > worst.totalGB) {
      worst = {
        weightsGB: gb(weights + gathered),
        gradientsGB: gb(gradients),
        optimizerGB: gb(optimizer),
        activationsGB: gb(activations),
        totalGB: gb(total),
        stage: k,
        layerMicroBatches: 0,
      }
    }
  }
  if (worst === undefined) {
    throw new Error(`a pipeline of depth ${par.pp} has no stage`)
  }
  // What the fullest stage holds, in layers (counted for it alone)
  return { ...worst, layerMicroBatches: heldLayerMicroBatches(chunkCounts, par, worst.stage) }
}

/**
 * Memory a job may use, in GB (10⁹ bytes), on an accelerator whose catalog size is `memoryGB`:
 * HBM sizes are binary ("80 GB" is 80 GiB; nvidia-smi shows 81,559 MiB on an H100), less what
 * the runtime keeps (`calibration.usableMemoryFraction`).
 */
export function usableMemoryGB(memoryGB: number): number {
  return memoryGB * 1.073741824 * calibration.usableMemoryFraction
}
