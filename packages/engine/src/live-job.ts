import { keptWork, wallSecondsFor } from './checkpoint-work.js'
import type { EngineEffect, EngineJob } from './engine-types.js'
import type { JobAccount } from './job-account.js'

/** What the engine keeps of one job: its account, and its current run's clock and work left. */
export interface Live {
  readonly job: EngineJob
  readonly account: JobAccount
  readonly accelerators: number
  remainingS: number
  running: boolean
  /** Numbers the job's runs; a run's end event with another number is stale. */
  run: number
  startedAt: number
  delayS: number
  /** When the run's work began: after its detection and restart delay. */
  workFrom: number
  /** 1: a slower fabric is charged as delay (`contention`), not as a slower pace of work. */
  readonly pace: 1
  endsAt: number
  /** Delay owed at the next start (the detection time of a gang sent back by a failure). */
  owedS: number
  /** Slowdowns have been settled up to here. */
  slowedUntil: number
  /**
   * Wall seconds per second of work from a shared fabric (≥ 1; see `Engine.repace`), charged as
   * delay up to `contentionFrom` and predicted in `endsAt` after it.
   */
  contention: number
  contentionFrom: number
}

/** A job as it is queued: pending, all its work ahead. */
export function newLive(job: EngineJob, now: number): Live {
  const accelerators = job.spec.replicas * job.spec.acceleratorsPerReplica
  const account: JobAccount = {
    id: job.spec.id,
    tenant: job.spec.tenant,
    accelerators,
    submitS: job.spec.submittedAt,
    workS: job.workS,
    state: 'pending',
    nodes: [],
    tier: null,
    restarts: 0,
    interruptions: 0,
    lostAcceleratorS: 0,
    contentionS: 0,
  }
  return {
    job,
    account,
    accelerators,
    remainingS: job.workS,
    running: false,
    run: 0,
    startedAt: now,
    delayS: 0,
    workFrom: now,
    pace: 1,
    endsAt: Number.POSITIVE_INFINITY,
    owedS: 0,
    slowedUntil: 0,
    contention: 1,
    contentionFrom: now,
  }
}

/**
 * Charges the contention since it was last charged, up to `now`, as delay: the run has done
 * less work by now than its clock says, and its checkpoints kept less.
 */
export function realizeContention(s: Live, now: number): void {
  if (now > s.contentionFrom) {
    const extra = (now - s.contentionFrom) * (1 - 1 / s.contention)
    s.delayS += extra
    s.account.contentionS += extra
    s.contentionFrom = now
  }
}

/** Takes the kept work off what remains and charges the rest of the run as lost. */
export function settle(s: Live, now: number): { keptS: number; lostAcceleratorS: number } {
  realizeContention(s, now)
  const { keptS, unkeptWallS } = keptWork(s, s.job.checkpoint, s.remainingS, now)
  const lostAcceleratorS = unkeptWallS * s.accelerators
  s.remainingS -= keptS
  s.account.lostAcceleratorS += lostAcceleratorS
  return { keptS, lostAcceleratorS }
}

/** Starts a new run after `delayS`: it ends when its remaining work, at its pace, is done. */
export function startRun(s: Live, now: number, delayS: number, effects: EngineEffect[]): void {
  s.run++
  s.startedAt = now
  s.delayS = delayS
  s.workFrom = now + delayS
  s.contention = 1
  s.contentionFrom = now + delayS
  s.endsAt = now + delayS + wallSecondsFor(s.remainingS, s.pace, s.job.checkpoint)
  effects.push({ kind: 'run', jobId: s.job.spec.id, run: s.run, endsAt: s.endsAt })
}
