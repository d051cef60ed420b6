import type { ModelShape } from './model-shape.js'
import { kvWidth } from './flops.js'
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
}

/**
 * Elementwise bytes per token of one layer's forward pass, bf16: two norms (read + write h),
 * two bias-dropout-residual adds (7h with dropout, 6h without), the FFN activation, and — without
 * flash attention — softmax and dropout over the score matrix (9 bytes per score). With sequence
 * parallelism the norm and residual work splits over the TP group.
 */
export function elementwiseBytesPerToken(shape: ModelShape, tp: number, sw: Software): number {
  const h = shape.hidden
  const perToken = 8 * h + 2 * (shape.biases ? 7 : 6) * h
  const activation = ((shape.gatedFfn ? 6 : 4) * shape.ffnHidden) / tp
  const scores = sw.flashAttention ? 0 : (9 * shape.heads * shape.seqLen) / tp
  return (sw.sequenceParallel ? perToken / tp : perToken) + activation + scores
}

/** The cost of one layer on one accelerator for one micro-batch. */
export function layerCost(
  shape: ModelShape,
  chip: Chip,
  par: Parallelism,
  sw: Software,
): LayerCost {
  const h = shape.hidden
  const t = par.tp
  const tokens = (par.microBatch * shape.seqLen) / par.cp
  const ffnOut = (shape.gatedFfn ? 2 : 1) * shape.ffnHidden
  const matmuls =
    matmulSeconds(chip, tokens, h, (h + 2 * kvWidth(shape)) / t) +
    matmulSeconds(chip, tokens, h / t, h) +
    matmulSeconds(chip, tokens, h, ffnOut / t) +
    matmulSeconds(chip, tokens, shape.ffnHidden / t, h)
  // Scores and values: heads/t batched matmuls of tokens × headDim × seqLen. Flash kernels skip
  // the masked half of a causal square; the unfused path computes all of it.
  const headDim = h / shape.heads
  const causal = sw.flashAttention ? 0.5 : 1
  const attentionFlops = 4 * tokens * shape.seqLen * (h / t) * causal
  const attentionS =
    attentionFlops /
    (chip.peakTflops * 1e12 * chipMatmulEfficiency(chip, Math.min(tokens, headDim, shape.seqLen)))
  const elementwise = memorySeconds(chip, tokens * elementwiseBytesPerToken(shape, t, sw))
  const forwardS = matmuls + attentionS + elementwise
  const backwardS = 2 * forwardS
  const scoresElementwise = sw.flashAttention
    ? 0
    : memorySeconds(chip, (tokens * 9 * shape.heads * shape.seqLen) / t)
  const recomputeS =
    sw.recompute === 'full'
      ? forwardS
      : sw.recompute === 'selective'
        ? attentionS + scoresElementwise
        : 0
  return { forwardS, backwardS, recomputeS, attentionS, tpCollectiveBytes: 2 * tokens * h }
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
