import type { ModelShape } from './model-shape.js'

/** How much of the forward pass is recomputed during the backward pass. */
export type Recompute = 'none' | 'selective' | 'full'

/** Width of the key/value projections: kvHeads × head size. */
export function kvWidth(shape: ModelShape): number {
  return (shape.hidden / shape.heads) * shape.kvHeads
}

/** Weights of the matrix multiplications in one layer (Q, K, V, O and the FFN). */
export function layerMatmulParams(shape: ModelShape): number {
  const h = shape.hidden
  const attention = 2 * h * h + 2 * h * kvWidth(shape)
  const ffn = (shape.gatedFfn ? 3 : 2) * h * shape.ffnHidden
  return attention + ffn
}

/** Biases and norm weights of one layer: 13h for a GPT layer (Megatron-LM's count), 2h for Llama. */
export function layerVectorParams(shape: ModelShape): number {
  const h = shape.hidden
  if (!shape.biases) {
    return 2 * h
  }
  // two norms (weight + bias), Q, K, V and O biases, FFN biases
  return 4 * h + h + 2 * kvWidth(shape) + h + (shape.gatedFfn ? 2 : 1) * shape.ffnHidden + h
}

/** Embedding, positions and (untied) output layer. */
export function embeddingParams(shape: ModelShape): number {
  const h = shape.hidden
  return (
    shape.vocab * h * (shape.tiedEmbeddings ? 1 : 2) +
    (shape.learnedPositions ? shape.seqLen * h : 0) +
    (shape.biases ? 2 * h : h)
  )
}

/**
 * Parameter count. For a GPT shape this is Megatron-LM's
 * `12·l·h²·(1 + 13/(12h) + (V+s)/(12·l·h))` (paper-tables.md §1.2), plus the final norm.
 */
export function parameterCount(shape: ModelShape): number {
  return (
    shape.layers * (layerMatmulParams(shape) + layerVectorParams(shape)) + embeddingParams(shape)
  )
}

/**
 * Forward FLOPs of one layer for one token: the matmuls (2 per weight) and the attention
 * scores and values (2·2·s·h for the full s×s square, as Megatron-LM counts them). With
 * `causal`, only the unmasked half is counted — what flash kernels execute — so that MFU
 * never credits work no kernel does.
 */
export function layerForwardFlopsPerToken(
  shape: ModelShape,
  causal = false,
): { matmul: number; attention: number } {
  const attention = (causal ? 2 : 4) * shape.seqLen * shape.hidden
  return { matmul: 2 * layerMatmulParams(shape), attention }
}

/** Forward FLOPs of the output (logit) layer for one token. */
export function logitFlopsPerToken(shape: ModelShape): number {
  return 2 * shape.hidden * shape.vocab
}

/**
 * Model FLOPs per token for one training step (forward + backward = 3 forward passes), no
 * recomputation counted: for GPT shapes `72·l·h²·(1 + s/(6h) + V/(12·l·h))` per token.
 */
export function modelFlopsPerToken(shape: ModelShape, causal = false): number {
  const layer = layerForwardFlopsPerToken(shape, causal)
  return 3 * (shape.layers * (layer.matmul + layer.attention) + logitFlopsPerToken(shape))
}

/**
 * Hardware FLOPs per token: model FLOPs plus what recomputation repeats. Full recomputation
 * repeats every layer's forward (Megatron-LM's `96·l·h²·(1 + s/(6h) + V/(16·l·h))`); selective
 * repeats only the attention scores and values (Korthikanti et al., arXiv:2205.05198).
 */
export function hardwareFlopsPerToken(
  shape: ModelShape,
  recompute: Recompute,
  causal = false,
): number {
  const layer = layerForwardFlopsPerToken(shape, causal)
  const extra =
    recompute === 'full'
      ? layer.matmul + layer.attention
      : recompute === 'selective'
        ? layer.attention
        : 0
  return modelFlopsPerToken(shape, causal) + shape.layers * extra
}
