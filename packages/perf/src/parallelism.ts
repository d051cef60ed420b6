import type { Recompute } from './flops.js'
import type { Precision } from './hardware.js'

/** How a job is split: tensor, pipeline, data and context parallel, and its batch. */
export interface Parallelism {
  readonly tp: number
  readonly pp: number
  readonly dp: number
  readonly cp: number
  /** Sequences per micro-batch per data-parallel rank. */
  readonly microBatch: number
  /** Sequences per optimizer step. */
  readonly globalBatch: number
  /** Virtual pipeline stages per device (interleaved 1F1B); 1 = plain 1F1B. */
  readonly interleave: number
  /**
   * Expert parallelism: the routed experts of each MoE layer are split over `ep` of a stage's
   * TP × CP × DP ranks (Megatron-Core's layout with expert TP 1), and replicated over the rest;
   * 1 for dense models.
   */
  readonly ep: number
}

/**
 * ZeRO stage (Rajbhandari et al., SC'20): 0 plain data parallel, 1 optimizer states sharded
 * (Megatron's distributed optimizer), 2 gradients sharded as well (FSDP without resharding the
 * parameters after the forward pass), 3 parameters sharded too (FSDP, gathered per layer).
 */
export type ZeroStage = 0 | 1 | 2 | 3

/**
 * What the training software does, declared once per stack (never per row of a table):
 * recomputation, optimizer sharding, how much DP/TP communication hides behind compute,
 * sequence parallelism, and fused (flash) attention.
 */
export interface Software {
  readonly recompute: Recompute
  readonly zero: ZeroStage
  /** Fraction of data-parallel gradient communication hidden behind the backward pass. */
  readonly dpOverlap: number
  /** Fraction of tensor-parallel communication hidden behind compute. */
  readonly tpOverlap: number
  readonly sequenceParallel: boolean
  readonly flashAttention: boolean
  /**
   * Bytes per gradient element, as accumulated over micro-batches and reduced across data
   * parallelism: 4 where the stack keeps and reduces FP32 gradients (Megatron-LM forces it for
   * BF16, `accumulate_allreduce_grads_in_fp32`; Llama 3 reduce-scatters in FP32,
   * arXiv:2407.21783 §3.3.2), 2 where it reduces FP16 gradients (Megatron-LM 2021, FP16).
   */
  readonly gradientBytes: 2 | 4
  /** Operands of the layers' matmuls (attention scores and the output layer stay BF16). */
  readonly precision: Precision
  /**
   * Fraction of the expert all-to-all hidden behind compute: 0 when dispatch and combine block
   * (Megatron-Core's default), 1 when a schedule overlaps them with another micro-batch's
   * compute (DeepSeek's DualPipe), as far as that compute lasts.
   */
  readonly epOverlap: number
  /**
   * Fraction of the chip's compute units the stack keeps for communication kernels (DeepSeek-V3
   * dedicates 20 of an H800's 132 SMs to all-to-all); compute runs on the rest.
   */
  readonly commUnitShare: number
  /**
   * Whether each norm keeps only its output (the next matmul's input) and rebuilds the normalised
   * input from it in the backward pass, so a layer's residual inputs are freed once used: apex's
   * `FusedRMSNorm(memory_efficient=True)`, Megatron-LM's `--memory-efficient-layer-norm`. Off by
   * default, as in Megatron-Core.
   */
  readonly memoryEfficientNorm: boolean
}

/**
 * A modern Megatron-Core / TorchTitan style stack: distributed optimizer, DP communication
 * overlapped with the backward pass (0.9), sequence parallelism, flash attention.
 */
export const modernStack: Software = {
  recompute: 'selective',
  zero: 1,
  dpOverlap: 0.9,
  tpOverlap: 0,
  sequenceParallel: true,
  flashAttention: true,
  gradientBytes: 4,
  precision: 'bf16',
  epOverlap: 0,
  commUnitShare: 0,
  memoryEfficientNorm: false,
}

/**
 * Meta's Llama 3 405B stack as its paper describes it (arXiv:2407.21783 §3.3.2): FSDP that
 * shards optimizer states and gradients but keeps the parameters after the forward pass
 * (ZeRO-2), FP32 gradient accumulation and reduce-scatter, no activation recomputation at 8K
 * sequences, tensor parallelism with sequence parallelism, flash attention — the modern stack
 * otherwise. Meta "proactively deallocate[s] tensors that will not be used for future
 * computation, including the input and output tensors of each pipeline stage" (same section):
 * a stage's input is needed after its first norm only if that norm keeps its input, so we read
 * this as norms that keep their output alone (`memoryEfficientNorm`) — our reading; the paper
 * names no kernel.
 */
export const llama3Stack: Software = {
  ...modernStack,
  recompute: 'none',
  zero: 2,
  memoryEfficientNorm: true,
}

/**
 * Megatron-LM as published in 2021 (Narayanan et al., SC'21, and its code at the time):
 * gradients all-reduced after the backward pass (no overlap), no sequence parallelism,
 * fused softmax but no flash attention, plain data-parallel optimizer.
 */
export const megatron2021Stack: Software = {
  recompute: 'full',
  zero: 0,
  dpOverlap: 0,
  tpOverlap: 0,
  sequenceParallel: false,
  flashAttention: false,
  gradientBytes: 2,
  precision: 'bf16',
  epOverlap: 0,
  commUnitShare: 0,
  memoryEfficientNorm: false,
}

/** Micro-batches per pipeline per step. */
export function microBatches(par: Parallelism): number {
  return par.globalBatch / (par.dp * par.microBatch)
}

/** Accelerators the job uses. */
export function parallelSize(par: Parallelism): number {
  return par.tp * par.pp * par.dp * par.cp
}

/**
 * DeepSeek-V3's stack as its report describes it (arXiv:2412.19437 §3.2–3.3): FP8 matmuls,
 * DualPipe overlapping the expert all-to-all with computation, 20 of the H800's 132 SMs kept
 * for communication, ZeRO-1 data parallelism, no tensor parallelism by choice, and
 * recomputation of norms and up-projections only (selective) — the modern stack otherwise.
 */
export const deepseekV3Stack: Software = {
  ...modernStack,
  precision: 'fp8',
  epOverlap: 1,
  commUnitShare: 20 / 132,
}
