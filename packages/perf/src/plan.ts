import { ZhisuanError, type Accelerator } from '@zhisuan/domain'
import { chipOf } from './hardware.js'
import { parameterCount } from './flops.js'
import type { ModelShape } from './model-shape.js'
import { checkModelShape } from './model-shape.js'
import { checkJobNetwork, type JobNetwork } from './network.js'
import { rdmaGoodput } from './packet-loss.js'
import type { Software } from './parallelism.js'
import { planCheckpoints, type CheckpointPlan, type CheckpointTier } from './reliability.js'
import { searchParallelism, type Candidate, type SearchSpace } from './search.js'

/** Everything `plan` needs; the parallelism fields that are absent are searched. */
export interface PlanInput {
  readonly shape: ModelShape
  readonly accelerator: Accelerator
  readonly gpus: number
  readonly network: JobNetwork
  readonly space: Omit<SearchSpace, 'gpus'>
  readonly software: Software
  /** Tokens to train on; default 20 per parameter (Chinchilla-optimal, Hoffmann et al. 2022). */
  readonly tokens?: number
  /** Interruptions per 1,000 accelerators per day; default 0.48 (the industry level, paper-tables.md §4.10). */
  readonly failuresPer1000PerDay?: number
  /** Price per accelerator-hour; default 2.0. */
  readonly pricePerAcceleratorHour?: number
  readonly checkpointTiers: readonly CheckpointTier[]
  /** Snapshot to the first tier and persist in the background; default true. */
  readonly asynchronousCheckpoint?: boolean
  /** Detection, rescheduling and re-initialisation per failure, before loading; default 10 min (MegaScale: < 10 min to detect and diagnose). */
  readonly restartMinutes?: number
}

/** The plan: the best configuration, its time breakdown, memory, checkpoints, reliability and cost. */
export interface PlanResult {
  readonly model: { readonly name: string; readonly params: number }
  readonly accelerator: string
  readonly gpus: number
  readonly parallelism: Candidate['parallelism']
  readonly recompute: Software['recompute']
  readonly stepTimeS: number
  readonly tokensPerSecond: number
  readonly modelTflopsPerGpu: number
  readonly hardwareTflopsPerGpu: number
  readonly mfu: number
  readonly hfu: number
  /** Exposed communication time over step time. */
  readonly commShare: number
  readonly breakdown: Omit<Candidate['step'], 'stepTimeS'>
  readonly memoryPerGpuGB: number
  readonly memory: Candidate['memory']
  /** What each norm keeps for its backward pass (`Software.memoryEfficientNorm`). */
  readonly normsKeep: 'input-and-output' | 'output'
  readonly network: {
    readonly nicGBsPerGpu: number
    readonly lossRate: number
    readonly retransmission: string
    readonly goodput: number
  }
  readonly checkpoint: CheckpointPlan
  readonly reliability: {
    readonly failuresPer1000PerDay: number
    readonly mtbfHours: number | null
    readonly ettr: number
  }
  readonly tokens: number
  /** Wall-clock days including failures; `null` when ETTR is 0 (the job never finishes). */
  readonly daysToTrain: number | null
  readonly acceleratorHours: number | null
  readonly cost: { readonly pricePerAcceleratorHour: number; readonly total: number | null }
  /**
   * What the chip's kernels and collectives were taken to reach: its vendor stack, the share of
   * the calibrated kernel efficiency (measured best GEMM × stack maturity) and which of these
   * figures are estimates rather than measurements.
   */
  readonly efficiency: {
    readonly stack: string
    readonly collectives: string
    readonly kernelFactor: number
    readonly estimates: readonly string[]
  }
  /** Things worth a look that do not stop the plan (e.g. a job that is not whole nodes). */
  readonly warnings: readonly string[]
  readonly alternatives: readonly {
    readonly parallelism: Candidate['parallelism']
    readonly recompute: string
    readonly tokensPerSecond: number
    readonly mfu: number
  }[]
}

/**
 * Plans a training job: searches what is not fixed, then adds checkpoints, failures and cost.
 * @throws ZhisuanError `invalid-input` for an inconsistent or infeasible request, with the reason.
 */
export function planTraining(input: PlanInput): PlanResult {
  checkModelShape(input.shape)
  checkJobNetwork(input.network)
  if (!Number.isInteger(input.gpus) || input.gpus < 1) {
    throw new ZhisuanError('invalid-input', `--gpus must be a positive integer, got ${input.gpus}`)
  }
  const { tp, pp, cp, dp } = input.space
  if (
    tp !== undefined &&
    pp !== undefined &&
    cp !== undefined &&
    dp !== undefined &&
    tp * pp * cp * dp !== input.gpus
  ) {
    throw new ZhisuanError(
      'invalid-input',
      `TP × PP × CP × DP = ${tp * pp * cp * dp}, but --gpus is ${input.gpus}`,
    )
  }
  const chip = chipOf(input.accelerator)
  const [best, ...others] = searchParallelism(
    input.shape,
    chip,
    input.network,
    { ...input.space, gpus: input.gpus },
    input.software,
    6,
  )
  if (best === undefined) {
    throw new ZhisuanError('internal', 'the search returned no configuration and no error')
  }
  const params = parameterCount(input.shape)
  const failures = input.failuresPer1000PerDay ?? 0.48
  const checkpoint = planCheckpoints({
    params,
    accelerators: input.gpus,
    tiers: input.checkpointTiers,
    asynchronous: input.asynchronousCheckpoint ?? true,
    failuresPer1000PerDay: failures,
    restartMinutes: input.restartMinutes ?? 10,
  })
  const tokens = input.tokens ?? 20 * params
  const daysToTrain =
    checkpoint.ettr > 0 ? tokens / best.tokensPerSecond / 86_400 / checkpoint.ettr : null
  const acceleratorHours = daysToTrain === null ? null : daysToTrain * 24 * input.gpus
  const price = input.pricePerAcceleratorHour ?? 2
  const { stepTimeS, ...breakdown } = best.step
  const exposed =
    breakdown.tpCommS +
    breakdown.cpCommS +
    breakdown.epCommS +
    breakdown.ppCommS +
    breakdown.dpCommS
  return {
    model: { name: input.shape.name, params },
    accelerator: input.accelerator.id,
    gpus: input.gpus,
    parallelism: best.parallelism,
    recompute: best.software.recompute,
    stepTimeS,
    tokensPerSecond: best.tokensPerSecond,
    modelTflopsPerGpu: best.modelTflopsPerGpu,
    hardwareTflopsPerGpu: best.hardwareTflopsPerGpu,
    mfu: best.modelTflopsPerGpu / chip.peakTflops,
    hfu: best.hardwareTflopsPerGpu / chip.peakTflops,
    commShare: exposed / stepTimeS,
    breakdown,
    memoryPerGpuGB: best.memory.totalGB,
    memory: best.memory,
    normsKeep: best.software.memoryEfficientNorm ? 'output' : 'input-and-output',
    network: {
      nicGBsPerGpu: input.network.nicGBsPerGpu,
      lossRate: input.network.lossRate,
      retransmission: input.network.retransmission,
      goodput: rdmaGoodput(input.network.lossRate, input.network.retransmission),
    },
    checkpoint,
    efficiency: {
      stack: chip.stack,
      collectives: chip.collectives,
      kernelFactor: chip.kernelFactor,
      estimates: chip.estimates,
    },
    warnings: [
      ...(input.gpus % input.network.gpusPerNode === 0
        ? []
        : [
            `${input.gpus} accelerators are not whole nodes of ${input.network.gpusPerNode}: one node is shared with other work`,
          ]),
      ...(chip.estimates.length === 0
        ? []
        : [
            `${input.accelerator.id}: ${chip.estimates.join(', ')} ${chip.estimates.length === 1 ? 'is an estimate' : 'are estimates'} (no published measurement in the catalog): treat the throughput as an upper bound`,
          ]),
    ],
    reliability: {
      failuresPer1000PerDay: failures,
      mtbfHours: checkpoint.mtbfHours,
      ettr: checkpoint.ettr,
    },
    tokens,
    daysToTrain,
    acceleratorHours,
    cost: {
      pricePerAcceleratorHour: price,
      total: acceleratorHours === null ? null : acceleratorHours * price,
    },
    alternatives: others.map((c) => ({
      parallelism: c.parallelism,
      recompute: c.software.recompute,
      tokensPerSecond: c.tokensPerSecond,
      mfu: c.modelTflopsPerGpu / chip.peakTflops,
    })),
  }
}
