import { ZhisuanError } from '@zhisuan/domain'
import type { ModelShape } from './model-shape.js'
import type { Recompute } from './flops.js'
import { hardwareFlopsPerToken, modelFlopsPerToken } from './flops.js'
import type { Chip } from './hardware.js'
import { memoryUse, usableMemoryGB, type MemoryUse } from './memory.js'
import type { JobNetwork } from './network.js'
import type { Parallelism, Software } from './parallelism.js'
import { stepTime, type StepBreakdown } from './step-time.js'

/** One evaluated configuration. */
export interface Candidate {
  readonly parallelism: Parallelism
  readonly software: Software
  readonly step: StepBreakdown
  readonly memory: MemoryUse
  readonly tokensPerSecond: number
  /** Model FLOP/s per accelerator (no recomputation counted), TFLOP/s. */
  readonly modelTflopsPerGpu: number
  /** Hardware FLOP/s per accelerator (recomputation counted), TFLOP/s. */
  readonly hardwareTflopsPerGpu: number
}

/** What the search may choose; a field that is set is fixed. */
export interface SearchSpace {
  readonly gpus: number
  readonly dp?: number
  readonly tp?: number
  readonly pp?: number
  readonly cp?: number
  readonly microBatch?: number
  readonly interleave?: number
  /** Expert parallelism (MoE models only); searched over what divides TP × CP × DP and the experts. */
  readonly ep?: number
  readonly recompute?: Recompute
  /** Sequences per step; when absent, about `defaultBatchTokens` rounded up to a multiple of dp × micro-batch. */
  readonly globalBatch?: number
}

/** Tokens per step when no global batch is given: 16M, Llama 3 405B's final batch (arXiv:2407.21783). */
export const defaultBatchTokens = 16 * 2 ** 20

function divisors(n: number, limit = n): number[] {
  const out: number[] = []
  for (let d = 1; d <= Math.min(n, limit); d++) {
    if (n % d === 0) {
      out.push(d)
    }
  }
  return out
}

/** Evaluates one configuration (whether it fits in memory is the caller's question: see `memory`). */
export function evaluate(
  shape: ModelShape,
  chip: Chip,
  net: JobNetwork,
  par: Parallelism,
  sw: Software,
): Candidate {
  const step = stepTime(shape, chip, net, par, sw)
  const memory = memoryUse(shape, par, sw)
  const tokens = par.globalBatch * shape.seqLen
  const gpus = par.tp * par.pp * par.dp * par.cp
  const perGpu = (flopsPerToken: number) => (flopsPerToken * tokens) / step.stepTimeS / gpus / 1e12
  return {
    parallelism: par,
    software: sw,
    step,
    memory,
    tokensPerSecond: tokens / step.stepTimeS,
    modelTflopsPerGpu: perGpu(modelFlopsPerToken(shape, sw.flashAttention)),
    hardwareTflopsPerGpu: perGpu(hardwareFlopsPerToken(shape, sw.recompute, sw.flashAttention)),
  }
}

/** Why a configuration is invalid, or `undefined` when it is valid: its shape, then its batch. */
export function configurationProblem(
  shape: ModelShape,
  net: JobNetwork,
  par: Parallelism,
): string | undefined {
  return structuralProblem(shape, net, par) ?? batchProblem(par)
}

/** Why TP, PP, CP, DP and interleaving cannot split this model on this network, with the arithmetic. */
export function structuralProblem(
  shape: ModelShape,
  net: JobNetwork,
  par: Omit<Parallelism, 'microBatch' | 'globalBatch'>,
): string | undefined {
  if (!Number.isInteger(par.dp) || par.dp < 1) {
    return `TP × PP × CP (${par.tp}×${par.pp}×${par.cp}) must divide the accelerator count`
  }
  if (shape.heads % par.tp !== 0) {
    return `TP ${par.tp} must divide the attention heads (${shape.heads}): ${shape.heads} / ${par.tp} leaves ${shape.heads % par.tp}`
  }
  if (shape.kvHeads % par.tp !== 0 && par.tp % shape.kvHeads !== 0) {
    return `TP ${par.tp} and the KV heads (${shape.kvHeads}) must divide one another`
  }
  if (par.tp > net.domainGpus || net.domainGpus % par.tp !== 0) {
    return `TP ${par.tp} must fit in and divide the scale-up domain (${net.domainGpus} accelerators)`
  }
  if (par.pp > shape.layers) {
    return `PP ${par.pp} exceeds the layers (${shape.layers})`
  }
  // Two chunks may hold no layer: the first (the embedding) and the last (the output layer),
  // as Llama 3 balanced its pipeline (arXiv:2407.21783 §3.3.2).
  const chunks = par.pp * par.interleave
  if (chunks > shape.layers + 2) {
    return `PP ${par.pp} × interleave ${par.interleave} = ${chunks} model chunks exceeds the layers + 2 (${shape.layers} + 2: the embedding and the output layer may have a chunk each)`
  }
  if (par.cp > 1 && shape.seqLen % (2 * par.cp) !== 0) {
    return `CP ${par.cp} must divide half the sequence (${shape.seqLen} / 2 = ${shape.seqLen / 2})`
  }
  if (par.interleave > 1 && par.pp < 2) {
    return `interleave ${par.interleave} needs PP ≥ 2 (PP is ${par.pp})`
  }
  if (par.ep > 1 && shape.moe === undefined) {
    return `EP ${par.ep} needs a mixture-of-experts model (${shape.name} is dense)`
  }
  if (shape.moe !== undefined && shape.moe.experts % par.ep !== 0) {
    return `EP ${par.ep} must divide the experts (${shape.moe.experts}): ${shape.moe.experts} / ${par.ep} leaves ${shape.moe.experts % par.ep}`
  }
  const stageRanks = par.tp * par.cp * par.dp
  if (stageRanks % par.ep !== 0) {
    return `EP ${par.ep} must divide TP × CP × DP (${par.tp}×${par.cp}×${par.dp} = ${stageRanks}): experts are split over a stage's ranks`
  }
  return undefined
}

/** Why the batch does not split into whole micro-batches for this schedule, with the arithmetic. */
export function batchProblem(par: Parallelism): string | undefined {
  const perStep = par.dp * par.microBatch
  if (par.globalBatch % perStep !== 0) {
    return `the global batch (${par.globalBatch}) must be a multiple of DP × micro-batch (${par.dp} × ${par.microBatch} = ${perStep})`
  }
  const m = par.globalBatch / perStep
  if (par.interleave > 1 && m % par.pp !== 0) {
    return `interleave ${par.interleave} needs the micro-batch count to be a multiple of PP: global batch ${par.globalBatch} / (DP ${par.dp} × micro-batch ${par.microBatch}) = ${m} micro-batches, not a multiple of PP ${par.pp}`
  }
  return undefined
}

/**
 * Searches tensor, pipeline, context and data parallelism, micro-batch, interleaving and
 * recomputation for the highest throughput that fits in memory. Returns the best first.
 * @throws ZhisuanError `invalid-input` when nothing valid fits: what the configuration closest to
 * fitting needs, or, when none passed the structural checks, the last reason one failed.
 */
export function searchParallelism(
  shape: ModelShape,
  chip: Chip,
  net: JobNetwork,
  space: SearchSpace,
  software: Software,
  keep = 5,
): Candidate[] {
  const fixedProblem = fixedChoiceProblem(shape, net, space)
  if (fixedProblem !== undefined) {
    throw new ZhisuanError('invalid-input', fixedProblem)
  }
  const usable = usableMemoryGB(chip.memoryGB)
  const best: Candidate[] = []
  let reason = 'no configuration divides the accelerator count'
  let closest: Candidate | undefined
  const recomputes: Recompute[] =
    space.recompute === undefined ? ['none', 'selective', 'full'] : [space.recompute]
  const tps =
    space.tp === undefined
      ? divisors(net.domainGpus, 64).filter((t) => shape.heads % t === 0)
      : [space.tp]
  const cps =
    space.cp === undefined
      ? [1, 2, 4, 8, 16, 32].filter((c) => shape.seqLen >= 4096 * c || c === 1)
      : [space.cp]
  for (const tp of tps) {
    for (const cp of cps) {
      // Any depth up to the layer count; uneven splits leave the first and last chunks lighter.
      const pps =
        space.pp === undefined ? divisors(space.gpus / (tp * cp), shape.layers) : [space.pp]
      for (const pp of pps) {
        const dp = space.gpus / (tp * pp * cp)
        if (!Number.isInteger(dp)) {
          continue
        }
        if (space.dp !== undefined && dp !== space.dp) {
          reason = `no TP × PP × CP leaves DP ${space.dp} on ${space.gpus} accelerators`
          continue
        }
        for (const microBatch of space.microBatch === undefined
          ? [1, 2, 4, 8]
          : [space.microBatch]) {
          const vs =
            space.interleave !== undefined
              ? [space.interleave]
              : pp > 2
                ? [1, 2, 3, 4, 5, 6, 8]
                : [1]
          for (const [interleave, ep] of vs.flatMap((v) =>
            expertSplits(shape, tp * cp * dp, space).map((e) => [v, e] as const),
          )) {
            // Default batch: ~defaultBatchTokens, rounded up to whole micro-batches per rank
            // (and to a multiple of PP, which the interleaved schedule needs).
            const unit = dp * microBatch * (interleave > 1 ? pp : 1)
            const globalBatch =
              space.globalBatch ?? Math.ceil(defaultBatchTokens / shape.seqLen / unit) * unit
            const par: Parallelism = { tp, pp, dp, cp, ep, microBatch, globalBatch, interleave }
            const problem = configurationProblem(shape, net, par)
            if (problem !== undefined) {
              reason = problem
              continue
            }
            for (const recompute of recomputes) {
              const sw = { ...software, recompute }
              const candidate = evaluate(shape, chip, net, par, sw)
              if (candidate.memory.totalGB > usable) {
                if (closest === undefined || candidate.memory.totalGB < closest.memory.totalGB) {
                  closest = candidate
                }
                continue
              }
              insert(best, candidate, keep)
            }
          }
        }
      }
    }
  }
  if (best.length === 0) {
    const why = closest === undefined ? reason : memoryProblem(closest, chip.memoryGB, usable)
    throw new ZhisuanError('invalid-input', `no parallel configuration fits: ${why}`)
  }
  return best
}

/** What the configuration closest to fitting needs, part by part, against what the chip has. */
function memoryProblem(c: Candidate, memoryGB: number, usable: number): string {
  const m = c.memory
  const p = c.parallelism
  const gb = (x: number) => x.toFixed(1)
  return (
    `even the smallest configuration needs ${gb(m.totalGB)} GB per accelerator ` +
    `(weights ${gb(m.weightsGB)} + gradients ${gb(m.gradientsGB)} + optimizer ${gb(m.optimizerGB)} + ` +
    `activations ${gb(m.activationsGB)} for ${m.layerMicroBatches} layer-micro-batches on stage ${m.stage}), ` +
    `${gb(usable)} GB usable of ${memoryGB} GB ` +
    `(TP ${p.tp}, PP ${p.pp}, CP ${p.cp}, DP ${p.dp}, EP ${p.ep}, micro-batch ${p.microBatch}, interleave ${p.interleave}, ` +
    `recompute ${c.software.recompute}, ZeRO ${c.software.zero})`
  )
}

/** A problem with the choices the caller fixed, checked before searching the rest. */
function fixedChoiceProblem(
  shape: ModelShape,
  net: JobNetwork,
  space: SearchSpace,
): string | undefined {
  const tp = space.tp ?? 1
  const pp = space.pp ?? 1
  const cp = space.cp ?? 1
  // The batch is checked per candidate; an interleave given without a depth once PP is chosen.
  const interleave = space.pp === undefined ? 1 : (space.interleave ?? 1)
  const ep = space.ep ?? 1
  // DP is not known yet: stand it at EP, so that only EP's own rules (a dense model, the experts)
  // are checked here and its fit into TP × CP × DP per candidate.
  const problem = structuralProblem(shape, net, { tp, pp, cp, dp: ep, ep, interleave })
  if (problem !== undefined) {
    return problem
  }
  if (space.gpus % (tp * pp * cp) !== 0) {
    return `TP × PP × CP (${tp}×${pp}×${cp} = ${tp * pp * cp}) must divide the accelerator count (${space.gpus})`
  }
  return undefined
}

/** The expert-parallel sizes to try: the one given, or what divides both a stage's ranks and the experts. */
function expertSplits(shape: ModelShape, stageRanks: number, space: SearchSpace): number[] {
  if (space.ep !== undefined) {
    return [space.ep]
  }
  const experts = shape.moe?.experts ?? 1
  return divisors(stageRanks, experts).filter((e) => experts % e === 0)
}

function insert(best: Candidate[], candidate: Candidate, keep: number): void {
  const rate = (c: Candidate) => c.tokensPerSecond
  const at = best.findIndex((c) => rate(candidate) > rate(c))
  if (at === -1) {
    if (best.length < keep) {
      best.push(candidate)
    }
    return
  }
  best.splice(at, 0, candidate)
  if (best.length > keep) {
    best.pop()
  }
}
