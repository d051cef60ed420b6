import { ZhisuanError } from '@zhisuan/domain'

/** A storage tier a checkpoint can be written to, with its aggregate bandwidth for this job. */
export interface CheckpointTier {
  readonly name: string
  readonly kind: 'host-memory' | 'local-nvme' | 'shared-fs' | 'object-store'
  /** Aggregate write bandwidth available to the job, GB/s. */
  readonly writeGBs: number
  /** Aggregate read bandwidth available to the job, GB/s. */
  readonly readGBs: number
}

/**
 * Checkpoint bytes per parameter: bf16 weights (2) + fp32 master weights, Adam m and v (12)
 * = 14 (paper-tables.md §6.1; Megatron's 1T checkpoint: 13.8 TB / 1.008e12 = 13.7).
 */
export const checkpointBytesPerParam = 14

/** Expected interruptions per 1,000 accelerators per day → a job's mean time between failures, hours. */
export function jobMtbfHours(failuresPer1000PerDay: number, accelerators: number): number {
  if (!(failuresPer1000PerDay >= 0) || !(accelerators > 0)) {
    throw new ZhisuanError(
      'invalid-input',
      `failure rate must be ≥ 0 and accelerators > 0, got ${failuresPer1000PerDay} and ${accelerators}`,
    )
  }
  const hours = (1000 * 24) / (failuresPer1000PerDay * accelerators)
  // Beyond a trillion hours the job never fails in any sense that matters (and the interval
  // arithmetic would overflow): treat it as no failures at all.
  return hours > 1e12 ? Number.POSITIVE_INFINITY : hours
}

/**
 * Optimal checkpoint interval for save cost δ and MTBF M (same units): Daly's refinement of
 * Young's √(2δM), `√(2δM)·[1 + ⅓·√(δ/(2M)) + (1/9)·(δ/(2M))] − δ` for δ < 2M, else M
 * (paper-tables.md §6.3).
 */
export function dalyInterval(delta: number, mtbf: number): number {
  if (!Number.isFinite(mtbf)) {
    return Number.POSITIVE_INFINITY
  }
  if (delta >= 2 * mtbf) {
    return mtbf
  }
  const x = delta / (2 * mtbf)
  return Math.sqrt(2 * delta * mtbf) * (1 + Math.sqrt(x) / 3 + x / 9) - delta
}

/** Young's first-order interval √(2δM). */
export function youngInterval(delta: number, mtbf: number): number {
  return Math.sqrt(2 * delta * mtbf)
}

/**
 * Expected effective training time ratio to first order: `1 − δ/τ − (τ/2 + R)/M`
 * (checkpoint stalls, half an interval of lost work and the restart per failure), clamped to
 * [0, 1]. Non-increasing in the failure rate (1/M).
 */
export function expectedEttr(
  delta: number,
  interval: number,
  restart: number,
  mtbf: number,
): number {
  const stall = Number.isFinite(interval) ? delta / interval : 0
  const failures = Number.isFinite(mtbf) ? (interval / 2 + restart) / mtbf : 0
  return Math.min(1, Math.max(0, 1 - stall - failures))
}

/** A checkpoint plan: size, save and load times per tier, the stall, the interval and ETTR. */
export interface CheckpointPlan {
  readonly sizeTB: number
  /** Seconds to write the whole checkpoint to each tier. */
  readonly saveSeconds: Readonly<Record<string, number>>
  /** Seconds training stops per checkpoint: the first tier's write when asynchronous, else the slowest tier's. */
  readonly stallSeconds: number
  /** Seconds until the checkpoint is durable: the slowest write after the first tier (they pipeline). */
  readonly durableSeconds: number
  readonly loadSeconds: number
  /** Minutes between checkpoints; `null` when failures never happen (checkpoint for other reasons). */
  readonly intervalMinutes: number | null
  /** Mean time between failures of the job; `null` at a failure rate of 0. */
  readonly mtbfHours: number | null
  readonly restartMinutes: number
  readonly ettr: number
  /** Aggregate write bandwidth that makes the whole checkpoint durable in one minute, GB/s. */
  readonly oneMinuteWriteGBs: number
}

/**
 * Plans checkpoints: the stall is the first tier's write when checkpoints are staged asynchronously
 * (snapshot to host memory, persist in the background as MegaScale and CheckFreq do), else the
 * durable tier; the interval is Daly's, but never shorter than a minute or the time to make one
 * durable; a failure costs `restartMinutes`, loading from the durable tier and, when
 * asynchronous, the work of a checkpoint still being persisted.
 * @throws ZhisuanError `invalid-input` without tiers or with a non-positive bandwidth.
 */
export function planCheckpoints(input: {
  readonly params: number
  readonly accelerators: number
  readonly tiers: readonly CheckpointTier[]
  readonly asynchronous: boolean
  readonly failuresPer1000PerDay: number
  readonly restartMinutes: number
  readonly bytesPerParam?: number
}): CheckpointPlan {
  if (input.tiers.length === 0) {
    throw new ZhisuanError('invalid-input', 'a checkpoint plan needs at least one storage tier')
  }
  const bytes = input.params * (input.bytesPerParam ?? checkpointBytesPerParam)
  const saveSeconds: Record<string, number> = {}
  for (const tier of input.tiers) {
    if (!(tier.writeGBs > 0) || !(tier.readGBs > 0)) {
      throw new ZhisuanError(
        'invalid-input',
        `storage tier ${tier.name}: bandwidth must be positive`,
      )
    }
    saveSeconds[tier.name] = bytes / (tier.writeGBs * 1e9)
  }
  const durable = input.tiers[input.tiers.length - 1] ?? input.tiers[0]
  const first = input.tiers[0] ?? durable
  const durableSeconds = durable === undefined ? 0 : (saveSeconds[durable.name] ?? 0)
  const stallSeconds =
    input.asynchronous && first !== undefined ? (saveSeconds[first.name] ?? 0) : durableSeconds
  const loadSeconds = durable === undefined ? 0 : bytes / (durable.readGBs * 1e9)
  const mtbfHours = jobMtbfHours(input.failuresPer1000PerDay, input.accelerators)
  const mtbfS = mtbfHours * 3600
  const restartS = input.restartMinutes * 60 + loadSeconds
  const interval = Math.max(dalyInterval(stallSeconds, mtbfS), durableSeconds, 60)
  // A failure also loses what was snapshotted but not yet durable: the persist time.
  const pending = input.asynchronous ? durableSeconds : 0
  return {
    sizeTB: bytes / 1e12,
    saveSeconds,
    stallSeconds,
    durableSeconds,
    loadSeconds,
    intervalMinutes: Number.isFinite(interval) ? interval / 60 : null,
    mtbfHours: Number.isFinite(mtbfHours) ? mtbfHours : null,
    restartMinutes: restartS / 60,
    ettr: expectedEttr(stallSeconds, interval, restartS + pending, mtbfS),
    oneMinuteWriteGBs: bytes / 60 / 1e9,
  }
}
