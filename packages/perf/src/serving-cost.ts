import { ZhisuanError } from '@zhisuan/domain'
import { calibration } from './calibration.js'
import { allReduceSeconds, groupOf } from './collectives.js'
import {
  attentionParams,
  attentionWidths,
  embeddingParams,
  ffnParamsOf,
  layerVectorParams,
  moeLayers,
} from './flops.js'
import {
  matmulEfficiency,
  matmulSeconds,
  memorySeconds,
  type Chip,
  type Precision,
} from './hardware.js'
import type { ModelShape } from './model-shape.js'
import type { JobNetwork } from './network.js'

/** How a served model's weights are stored and multiplied. */
export type ServingPrecision = 'bf16' | 'fp8' | 'int8' | 'int4'
export const servingPrecisions: readonly ServingPrecision[] = ['bf16', 'fp8', 'int8', 'int4']

/** Bytes per weight and per cached key/value element, and the matmul unit the format runs on. */
export interface NumberFormat {
  readonly weightBytes: number
  readonly kvBytes: number
  readonly compute: Precision
}

/**
 * The formats serving stacks ship:
 * - `bf16`: weights, activations and KV cache in BF16;
 * - `fp8`: W8A8 FP8 with an FP8 KV cache (TensorRT-LLM's and vLLM's FP8 recipes, as in the
 *   MLPerf Inference llama2-70b submissions);
 * - `int8`: W8A8 (SmoothQuant) on the INT8 matrix unit, BF16 KV cache;
 * - `int4`: W4A16 (AWQ/GPTQ, groups of 128 with an FP16 scale: 0.5 + 2/128 bytes per weight),
 *   dequantized into BF16 matmuls, BF16 KV cache.
 * Embeddings, the output layer and norms stay in BF16 in every format.
 */
export const numberFormats: Readonly<Record<ServingPrecision, NumberFormat>> = {
  bf16: { weightBytes: 2, kvBytes: 2, compute: 'bf16' },
  fp8: { weightBytes: 1, kvBytes: 1, compute: 'fp8' },
  int8: { weightBytes: 1, kvBytes: 2, compute: 'int8' },
  int4: { weightBytes: 0.5 + 2 / 128, kvBytes: 2, compute: 'bf16' },
}

/**
 * Serving-stack settings, each the default of the engine named (a deployment may change them;
 * `plan serve` takes them as options).
 */
export const servingDefaults = {
  /** Share of accelerator memory the engine takes: vLLM's `gpu_memory_utilization` default, 0.9. */
  memoryFraction: 0.9,
  /** Sequences decoded together at most: vLLM's `max_num_seqs` default, 256. */
  maxSeqs: 256,
  /**
   * Tokens one step may carry (decode tokens plus prompt chunks): 2,048, the value vLLM's tuning
   * guide gives for latency ("smaller values (e.g., 2048) achieve better inter-token latency");
   * its API server's default on large GPUs is 8,192, better for throughput and time to first token.
   */
  chunkTokens: 2048,
  /** Tokens per KV-cache block (vLLM's PagedAttention `block_size` default, 16). */
  blockTokens: 16,
} as const

/** Why a chip cannot run a format, or undefined when it can. */
export function formatProblem(chip: Chip, precision: ServingPrecision): string | undefined {
  if (precision === 'fp8' && chip.fp8 === null) {
    return `${chip.id} has no FP8 matrix unit (catalog tflops.fp8 is null); use bf16, int8 or int4`
  }
  if (precision === 'int8' && chip.int8 === null) {
    return `${chip.id} has no INT8 matrix unit (catalog tflops.int8 is null); use bf16 or int4`
  }
  return undefined
}

/** One model replica: a tensor-parallel group of `tp` accelerators inside one scale-up domain. */
export interface Replica {
  readonly shape: ModelShape
  readonly chip: Chip
  readonly net: JobNetwork
  readonly tp: number
  readonly precision: ServingPrecision
  readonly format: NumberFormat
  /** Weights each accelerator holds, bytes. */
  readonly weightBytesPerGpu: number
  /** KV cache one token takes on each accelerator, bytes. */
  readonly kvBytesPerToken: number
  /** Tokens of KV cache the replica holds (whole blocks). */
  readonly kvCapacityTokens: number
}

/** Elements one layer caches per token on one accelerator: heads split over TP (never below one). */
function cacheElementsPerLayer(shape: ModelShape, tp: number): number {
  const mla = shape.attention?.cacheWidth
  if (mla !== undefined) {
    // the latent is shared by every head, so each TP rank keeps all of it (vLLM's MLA)
    return mla
  }
  const headDim = shape.hidden / shape.heads
  return 2 * headDim * Math.max(1, shape.kvHeads / tp)
}

/** Matmul weights of one layer of each kind, split into what every token reads and one routed expert. */
function layerWeights(shape: ModelShape): { dense: number; moe: number; expert: number } {
  const d = ffnParamsOf(shape, 'dense')
  const m = ffnParamsOf(shape, 'moe')
  const experts = shape.moe?.experts ?? 1
  return {
    dense: attentionParams(shape) + d.dense,
    moe: attentionParams(shape) + m.dense,
    expert: shape.moe === undefined ? 0 : m.routed / experts,
  }
}

/**
 * Lays a model on `tp` accelerators of a chip in a format and works out its KV-cache capacity:
 * `memoryFraction` of memory, less the weights and an ESTIMATED activation workspace for one
 * step of `chunkTokens` (hidden state, Q/K/V/O and the FFN's intermediate, BF16).
 * @throws ZhisuanError `invalid-input` when the chip lacks the format or the weights leave no room.
 */
export function replicaOf(
  shape: ModelShape,
  chip: Chip,
  net: JobNetwork,
  tp: number,
  precision: ServingPrecision,
  settings: { memoryFraction: number; chunkTokens: number } = servingDefaults,
): Replica {
  const problem = formatProblem(chip, precision)
  if (problem !== undefined) {
    throw new ZhisuanError('invalid-input', `precision: ${problem}`)
  }
  if (!Number.isInteger(tp) || tp < 1 || tp > net.domainGpus) {
    throw new ZhisuanError(
      'invalid-input',
      `tp: a replica's ${tp} accelerators must fit one scale-up domain of ${net.domainGpus}`,
    )
  }
  const format = numberFormats[precision]
  const w = layerWeights(shape)
  const moe = moeLayers(shape)
  const matmul =
    (shape.layers - moe) * w.dense + moe * (w.moe + (shape.moe?.experts ?? 0) * w.expert)
  const vectors = shape.layers * layerVectorParams(shape) + embeddingParams(shape)
  const weightBytesPerGpu = (matmul * format.weightBytes + vectors * 2) / tp
  const kvBytesPerToken = shape.layers * cacheElementsPerLayer(shape, tp) * format.kvBytes
  const ffn = shape.moe === undefined ? shape.ffnHidden : shape.moe.expertFfnHidden * shape.moe.topK
  const workspace = settings.chunkTokens * (4 * shape.hidden + (3 * ffn) / tp) * 2
  const room = settings.memoryFraction * chip.memoryGB * 1e9 - weightBytesPerGpu - workspace
  const blocks = Math.floor(room / (kvBytesPerToken * servingDefaults.blockTokens))
  if (blocks < 1) {
    const gb = (b: number) => (b / 1e9).toFixed(1)
    throw new ZhisuanError(
      'invalid-input',
      `tp: ${shape.name} in ${precision} on ${tp} × ${chip.id} leaves no room for a KV cache: ` +
        `weights ${gb(weightBytesPerGpu)} GB + workspace ${gb(workspace)} GB per accelerator ` +
        `against ${gb(settings.memoryFraction * chip.memoryGB * 1e9)} GB usable`,
    )
  }
  return {
    shape,
    chip,
    net,
    tp,
    precision,
    format,
    weightBytesPerGpu,
    kvBytesPerToken,
    kvCapacityTokens: blocks * servingDefaults.blockTokens,
  }
}

/** What one engine step carries. */
export interface StepLoad {
  /** Sequences decoding one token each. */
  readonly decodeSeqs: number
  /** Mean tokens of KV cache each of them reads. */
  readonly decodeContext: number
  /** Prompt tokens prefilled in this step (chunked prefill rides along with decoding). */
  readonly prefillTokens: number
  /** Mean tokens each prompt token attends to (half its prompt when a prompt is prefilled whole). */
  readonly prefillContext: number
}

/** Seconds of one step, and where they go. */
export interface StepCost {
  readonly seconds: number
  /** Weight matmuls: reading the weights or computing, whichever is longer. */
  readonly linearS: number
  /** Attention: reading the KV cache or computing the scores, whichever is longer. */
  readonly attentionS: number
  /** Tensor-parallel all-reduces (two per layer). */
  readonly commS: number
  /** Kernel launches and scheduling (`calibration.servingLayerOverheadS` per layer). */
  readonly overheadS: number
}

/** Routed experts one MoE layer reads for `tokens` tokens: E·(1 − (1 − k/E)^t), uniform routing. */
export function expertsTouched(experts: number, topK: number, tokens: number): number {
  return experts * (1 - (1 - topK / experts) ** tokens)
}

/**
 * Seconds one step of a replica takes: each phase is a roofline (the longer of its memory
 * traffic and its compute), the phases run one after another, and the TP all-reduces and a
 * per-layer launch overhead add to them.
 */
export function stepSeconds(r: Replica, load: StepLoad): StepCost {
  const { shape, chip, tp, format } = r
  const tokens = load.decodeSeqs + load.prefillTokens
  if (tokens <= 0) {
    return { seconds: 0, linearS: 0, attentionS: 0, commS: 0, overheadS: 0 }
  }
  const h = shape.hidden
  const w = layerWeights(shape)
  const moe = moeLayers(shape)
  const dense = shape.layers - moe
  const outputLayer = h * shape.vocab
  // weights every token goes through, and the routed experts of the MoE layers
  const common = dense * w.dense + moe * w.moe
  const linearCompute =
    matmulSeconds(chip, tokens, h, common / tp / h, format.compute) +
    matmulSeconds(chip, load.decodeSeqs + 1, h, outputLayer / tp / h, 'bf16')
  let expertCompute = 0
  let expertBytes = 0
  const m = shape.moe
  if (m !== undefined && moe > 0) {
    const perExpert = Math.max(1, (tokens * m.topK) / m.experts)
    expertCompute = matmulSeconds(
      chip,
      perExpert,
      h,
      (moe * m.experts * w.expert) / tp / h,
      format.compute,
    )
    expertBytes = moe * expertsTouched(m.experts, m.topK, tokens) * w.expert * format.weightBytes
  }
  const weightBytes = (common * format.weightBytes + expertBytes + outputLayer * 2) / tp
  const linearS = Math.max(memorySeconds(chip, weightBytes), linearCompute + expertCompute)
  // attention: the cached keys and values each decoding sequence reads; scores and values computed
  const kvRead = load.decodeSeqs * load.decodeContext * r.kvBytesPerToken
  const widths = attentionWidths(shape)
  const attended = load.decodeSeqs * load.decodeContext + load.prefillTokens * load.prefillContext
  const attentionFlops = (shape.layers * 2 * attended * (widths.q + widths.o)) / tp
  const headDim = shape.attention?.qkHeadDim ?? h / shape.heads
  const attentionCompute =
    attentionFlops / (chip.peakTflops * 1e12 * matmulEfficiency(headDim) * chip.kernelFactor)
  const attentionS = Math.max(memorySeconds(chip, kvRead), attentionCompute)
  const commS = 2 * shape.layers * allReduceSeconds(r.net, groupOf(r.net, tp, 1), tokens * h * 2)
  const overheadS = shape.layers * calibration.servingLayerOverheadS
  return {
    seconds: linearS + attentionS + commS + overheadS,
    linearS,
    attentionS,
    commS,
    overheadS,
  }
}
