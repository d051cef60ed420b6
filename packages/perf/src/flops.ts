import type { ModelShape } from './model-shape.js'

/** How much of the forward pass is recomputed during the backward pass. */
export type Recompute = 'none' | 'selective' | 'full'

/** Width of the key/value projections: kvHeads × head size. */
export function kvWidth(shape: ModelShape): number {
  return (shape.hidden / shape.heads) * shape.kvHeads
}

/** Widths of Q, K, V and the attention output, per token (DeepSeek's MLA: after up-projection). */
export function attentionWidths(shape: ModelShape): { q: number; k: number; v: number; o: number } {
  const qk = shape.attention?.qkHeadDim ?? shape.hidden / shape.heads
  const vd = shape.attention?.vHeadDim ?? shape.hidden / shape.heads
  return {
    q: shape.heads * qk,
    k: shape.kvHeads * qk,
    v: shape.kvHeads * vd,
    o: shape.heads * vd,
  }
}

/** Weights of one layer's attention projections (Q, K, V, O; MLA's down- and up-projections). */
export function attentionParams(shape: ModelShape): number {
  const h = shape.hidden
  return shape.attention?.projectionParams ?? 2 * h * h + 2 * h * kvWidth(shape)
}

/** Weights of one FFN of width `width`: three matrices when gated (SwiGLU), else two. */
function ffnParams(shape: ModelShape, width: number): number {
  return (shape.gatedFfn ? 3 : 2) * shape.hidden * width
}

/** Layers whose FFN is routed to experts. */
export function moeLayers(shape: ModelShape): number {
  return shape.moe === undefined ? 0 : shape.layers - shape.moe.denseLayers
}

/** A layer with a dense FFN, or one whose FFN is routed to experts. */
export type LayerKind = 'dense' | 'moe'

/**
 * FFN weights of one layer of a kind, split into what every token uses (the dense FFN; an MoE
 * layer's shared experts and router) and the routed experts: all of them (`routed`, what memory
 * holds) and the `topK` a token goes through (`active`, what it computes).
 */
export function ffnParamsOf(
  shape: ModelShape,
  kind: LayerKind,
): { dense: number; routed: number; active: number } {
  const moe = shape.moe
  if (moe === undefined || kind === 'dense') {
    return { dense: ffnParams(shape, shape.ffnHidden), routed: 0, active: 0 }
  }
  const expert = ffnParams(shape, moe.expertFfnHidden)
  return {
    dense: moe.sharedExperts * expert + shape.hidden * moe.experts,
    routed: moe.experts * expert,
    active: moe.topK * expert,
  }
}

/** FFN weights of one layer averaged over the layers (see {@link ffnParamsOf}). */
export function ffnParamsPerLayer(shape: ModelShape): {
  dense: number
  routed: number
  active: number
} {
  const share = moeLayers(shape) / shape.layers
  const d = ffnParamsOf(shape, 'dense')
  const m = ffnParamsOf(shape, 'moe')
  const mix = (a: number, b: number) => (1 - share) * a + share * b
  return {
    dense: mix(d.dense, m.dense),
    routed: mix(d.routed, m.routed),
    active: mix(d.active, m.active),
  }
}

/** Weights of the matrix multiplications in one layer, averaged over layers (attention and every expert). */
export function layerMatmulParams(shape: ModelShape): number {
  const ffn = ffnParamsPerLayer(shape)
  return attentionParams(shape) + ffn.dense + ffn.routed
}

/** Weights of one layer's matmuls one token goes through (attention, dense FFN or its top-k experts). */
export function layerActiveParams(shape: ModelShape): number {
  const ffn = ffnParamsPerLayer(shape)
  return attentionParams(shape) + ffn.dense + ffn.active
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

/** Parameters one token goes through: every dense weight, and the top-k experts of each MoE layer. */
export function activeParameterCount(shape: ModelShape): number {
  return (
    shape.layers * (layerActiveParams(shape) + layerVectorParams(shape)) + embeddingParams(shape)
  )
}

/**
 * Forward FLOPs of one layer for one token: the matmuls (2 per weight it goes through: an MoE
 * layer's top-k experts, not all of them) and the attention scores and values (2·2·s·h for the
 * full s×s square, as Megatron-LM counts them). With
 * `causal`, only the unmasked half is counted — what flash kernels execute — so that MFU
 * never credits work no kernel does.
 */
export function layerForwardFlopsPerToken(
  shape: ModelShape,
  causal = false,
): { matmul: number; attention: number } {
  // scores q·k over the key width, values over the value width: 2·s·(q + o) for the full square
  const w = attentionWidths(shape)
  const attention = (causal ? 1 : 2) * shape.seqLen * (w.q + w.o)
  return { matmul: 2 * layerActiveParams(shape), attention }
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
