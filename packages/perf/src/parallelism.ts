import type { Recompute } from './flops.js'
import type { ModelShape } from './model-shape.js'

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
}

/** ZeRO stage: 0 plain data parallel, 1 distributed optimizer, 3 fully sharded (FSDP). */
export type ZeroStage = 0 | 1 | 3

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
}

/** Micro-batches per pipeline per step. */
export function microBatches(par: Parallelism): number {
  return par.globalBatch / (par.dp * par.microBatch)
}

/** Layers on the fullest pipeline stage: ceil(l/(p·v)) in each of its v chunks. */
export function slowestStageLayers(shape: ModelShape, par: Parallelism): number {
  return Math.ceil(shape.layers / (par.pp * par.interleave)) * par.interleave
}

/** Accelerators the job uses. */
export function parallelSize(par: Parallelism): number {
  return par.tp * par.pp * par.dp * par.cp
}
