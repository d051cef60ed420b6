import type { ModelShape } from './model-shape.js'
import { attentionParams, attentionWidths, kvWidth, type LayerKind } from './flops.js'
import { chipMatmulEfficiency, matmulSeconds, memorySeconds, type Chip } from './hardware.js'
import type { Parallelism, Software } from './parallelism.js'

/** Seconds one layer costs one accelerator for one micro-batch, by pass. */
export interface LayerCost {
  /** Matmuls and elementwise kernels of the forward pass. */
  readonly forwardS: number
  /** Backward pass: twice the forward matmuls (data and weight gradients) and elementwise. */
  readonly backwardS: number
  /** What recomputation repeats before the backward pass. */
  readonly recomputeS: number
  /** Attention-core time of one forward pass (what context-parallel exchange can hide behind). */
  readonly attentionS: number
  /** Bytes of one tensor-parallel collective (the layer's activations, bf16). */
  readonly tpCollectiveBytes: number
  /**
   * Tokens one accelerator sends to the experts of one MoE layer per micro-batch, as hidden
   * vectors, and how much more the busiest accelerator computes than the average
   * ({@link routingImbalance}); 0 and 1 for a dense model.
   */
  readonly expertTokens: number
  readonly imbalance: number
}

/**
 * Elementwise bytes per token of one layer's forward pass, bf16: two norms (read + write h),
 * two bias-dropout-residual adds (7h with dropout, 6h without), the FFN activation, and — without
 * flash attention — softmax and dropout over the score matrix (9 bytes per score). With sequence
 * parallelism the norm and residual work splits over the TP group. An MoE layer's activation is
 * its top-k and shared experts', and it permutes its tokens to the experts and back (read + write
 * 2h for each of its top-k copies, twice).
 */
export function elementwiseBytesPerToken(
  shape: ModelShape,
  tp: number,
  sw: Software,
  kind: LayerKind = 'dense',
): number {
  const h = shape.hidden
  const perToken = 8 * h + 2 * (shape.dropout ? 7 : 6) * h
  const moe = kind === 'moe' ? shape.moe : undefined
  const ffnWidth =
    moe === undefined ? shape.ffnHidden : (moe.topK + moe.sharedExperts) * moe.expertFfnHidden
  const activation = ((shape.gatedFfn ? 6 : 4) * ffnWidth) / tp
  const permute = moe === undefined ? 0 : (moe.topK * 2 * 4 * h) / tp
  const scores = sw.flashAttention ? 0 : (9 * shape.heads * shape.seqLen) / tp
  return (sw.sequenceParallel ? perToken / tp : perToken) + activation + permute + scores
}

/**
 * How much more routed work the busiest of `ep` accelerators gets than the average when each of
 * `assignments` token-expert pairs per accelerator lands on a uniformly random one: a binomial
 * load, mean A, standard deviation √(A(1 − 1/ep)), whose maximum over ep draws is about
 * √(2 ln ep) deviations above the mean. A capacity factor caps it (the excess is dropped).
 * This is the floor a perfectly balanced router reaches; real routers are no better.
 */
export function routingImbalance(assignments: number, ep: number, capacityFactor?: number): number {
  if (ep <= 1 || assignments <= 0) {
    return 1
  }
  const spread = Math.sqrt((2 * Math.log(ep) * (1 - 1 / ep)) / assignments)
  return Math.min(1 + spread, capacityFactor ?? Number.POSITIVE_INFINITY)
}

/**
 * The routing imbalance of one MoE layer's micro-batch on one accelerator: each TP rank routes
 * its own 1/t of the tokens, `topK` copies each, over the `ep` ranks of its group.
 */
export function layerImbalance(shape: ModelShape, par: Parallelism, tokens: number): number {
  const moe = shape.moe
  return moe === undefined
    ? 1
    : routingImbalance((tokens / par.tp) * moe.topK, par.ep, moe.capacityFactor)
}

/** Seconds of one micro-batch's FFN matmuls on one accelerator, for a layer of a kind. */
function ffnSeconds(
  shape: ModelShape,
  chip: Chip,
  par: Parallelism,
  sw: Software,
  tokens: number,
  kind: LayerKind,
): { seconds: number; expertTokens: number; imbalance: number } {
  const h = shape.hidden
  const t = par.tp
  const ffn = (width: number, rows: number, split: number) =>
    matmulSeconds(chip, rows, h, ((shape.gatedFfn ? 2 : 1) * width) / split, sw.precision) +
    matmulSeconds(chip, rows, width / split, h, sw.precision)
  const moe = shape.moe
  if (moe === undefined || kind === 'dense') {
    return { seconds: ffn(shape.ffnHidden, tokens, t), expertTokens: 0, imbalance: 1 }
  }
  // Experts are not split by TP: each TP rank routes its own 1/t of the tokens (sequence
  // parallel) to the experts of its expert-parallel group.
  const local = tokens / t
  const assignments = local * moe.topK
  const imbalance = layerImbalance(shape, par, tokens)
  const localExperts = moe.experts / par.ep
  const perExpert = assignments / localExperts
  const routed = localExperts * ffn(moe.expertFfnHidden, perExpert, 1) * imbalance
  const shared = moe.sharedExperts * ffn(moe.expertFfnHidden, tokens, t)
  const router = matmulSeconds(chip, local, h, moe.experts)
  return { seconds: routed + shared + router, expertTokens: local, imbalance }
}

/** The cost of one layer of a kind (dense, or MoE) on one accelerator for one micro-batch. */
export function layerCost(
  shape: ModelShape,
  chip: Chip,
  par: Parallelism,
  sw: Software,
  kind: LayerKind = 'dense',
): LayerCost {
  const h = shape.hidden
  const t = par.tp
  const tokens = (par.microBatch * shape.seqLen) / par.cp
  const p = sw.precision
  const projections =
    shape.attention === undefined
      ? matmulSeconds(chip, tokens, h, (h + 2 * kvWidth(shape)) / t, p) +
        matmulSeconds(chip, tokens, h / t, h, p)
      : matmulSeconds(chip, tokens, h, attentionParams(shape) / h / t, p)
  const ffn = ffnSeconds(shape, chip, par, sw, tokens, kind)
  // Scores and values: heads/t batched matmuls of tokens × headDim × seqLen. Flash kernels skip
  // the masked half of a causal square; the unfused path computes all of it. BF16 always.
  const widths = attentionWidths(shape)
  const headDim = widths.q / shape.heads
  const causal = sw.flashAttention ? 0.5 : 1
  const attentionFlops = 2 * tokens * shape.seqLen * ((widths.q + widths.o) / t) * causal
  const attentionS =
    attentionFlops /
    (chip.peakTflops * 1e12 * chipMatmulEfficiency(chip, Math.min(tokens, headDim, shape.seqLen)))
  const elementwise = memorySeconds(chip, tokens * elementwiseBytesPerToken(shape, t, sw, kind))
  // The stack's communication kernels take a share of the compute units.
  const units = 1 / (1 - sw.commUnitShare)
  const forwardS = (projections + ffn.seconds + attentionS + elementwise) * units
  const backwardS = 2 * forwardS
  const scoresElementwise = sw.flashAttention
    ? 0
    : memorySeconds(chip, (tokens * 9 * shape.heads * shape.seqLen) / t)
  const recomputeS =
    sw.recompute === 'full'
      ? forwardS
      : sw.recompute === 'selective'
        ? (attentionS + scoresElementwise) * units
        : 0
  return {
    forwardS,
    backwardS,
    recomputeS,
    attentionS,
    tpCollectiveBytes: 2 * tokens * h,
    expertTokens: ffn.expertTokens,
    imbalance: ffn.imbalance,
  }
}

/** Forward seconds of the output layer and its loss for one micro-batch (last stage only). */
export function logitForwardSeconds(shape: ModelShape, chip: Chip, par: Parallelism): number {
  const tokens = (par.microBatch * shape.seqLen) / par.cp
  const vocabShard = shape.vocab / par.tp
  // logits in fp32 for the softmax cross-entropy: write, read, write the gradient
  return (
    matmulSeconds(chip, tokens, shape.hidden, vocabShard) +
    memorySeconds(chip, tokens * vocabShard * 12)
  )
}
