/**
 * How a job checkpoints while it runs: a checkpoint starts every `intervalS` of its running time
 * (the period includes the stall, so it computes `intervalS − stallS` between two), or never
 * when `intervalS` is infinite.
 */
export interface CheckpointPlan {
  readonly intervalS: number
  /** Seconds the job stops per checkpoint. */
  readonly stallS: number
}

/** Where an attempt stands: when it started and what it spends before and beside its work. */
export interface AttemptClock {
  /** When the attempt started, s. */
  readonly startedAt: number
  /** Seconds not spent on the job's work: detection and restart first, then slowdowns. */
  readonly delayS: number
  /** Wall seconds per second of work on the attempt's nodes (≥ 1). */
  readonly pace: number
}

/** Wall seconds an attempt needs for `remainingS` of work at `pace`, checkpoint stalls included. */
export function wallSecondsFor(remainingS: number, pace: number, plan: CheckpointPlan): number {
  const wallWork = remainingS * pace
  const compute = plan.intervalS - plan.stallS
  const stalls = Number.isFinite(plan.intervalS) ? Math.floor(wallWork / compute) * plan.stallS : 0
  return wallWork + stalls
}

/**
 * What an attempt keeps if it stops at `now`: the work of its whole checkpoint periods (never
 * more than it had left), and the wall seconds it held its accelerators without keeping them
 * (time since its last checkpoint, detection and restart included). When the job's newest
 * committed checkpoint of this attempt is known (`committedAt`, from a checkpoint registry), it
 * keeps the work done by then instead.
 */
export function keptWork(
  attempt: AttemptClock,
  plan: CheckpointPlan,
  remainingS: number,
  now: number,
  committedAt?: number,
): { readonly keptS: number; readonly unkeptWallS: number } {
  const held = Math.max(0, now - attempt.startedAt)
  if (committedAt !== undefined && committedAt >= attempt.startedAt && committedAt <= now) {
    const productive = Math.max(0, committedAt - attempt.startedAt - attempt.delayS)
    const stalls = Number.isFinite(plan.intervalS)
      ? Math.floor(productive / plan.intervalS) * plan.stallS
      : 0
    const keptS = Math.min((productive - stalls) / attempt.pace, remainingS)
    return { keptS, unkeptWallS: Math.max(0, held - productive) }
  }
  if (!Number.isFinite(plan.intervalS)) {
    return { keptS: 0, unkeptWallS: held }
  }
  const productive = Math.max(0, now - attempt.startedAt - attempt.delayS)
  const periods = Math.floor(productive / plan.intervalS)
  const keptS = Math.min((periods * (plan.intervalS - plan.stallS)) / attempt.pace, remainingS)
  return { keptS, unkeptWallS: Math.max(0, held - periods * plan.intervalS) }
}
