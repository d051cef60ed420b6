import type { PlacedJob } from '@zhisuan/domain'
import { keptWork, type CheckpointPlan } from '@zhisuan/engine'
import type { JobRecord } from '@zhisuan/store'
import { specOf, type LoopState } from './loop-state.js'

/**
 * Work a job keeps from its current attempt (work seconds), and the wall seconds since what it
 * keeps, which it loses, as the engine counts them: up to
 * its newest committed checkpoint of this attempt when the registry has one, else whole
 * checkpoint periods of its policy (the twin's jobs write none), else nothing.
 */
export async function attemptWorkKept(
  state: LoopState,
  job: JobRecord,
  now: number,
): Promise<{ keptS: number; sinceCheckpointS: number }> {
  const start = job.attemptStartedAt ?? now
  const latest = await state.options.store.checkpoints.latestCommitted(job.id)
  // the twin runs `speed` simulated seconds per wall second: the attempt's timeline (delay,
  // work, stalls) is the simulator's, compressed; count it in simulated seconds
  const speed = state.options.lifecycle?.speed ?? 1
  const simulated = (t: number) => start + (t - start) * speed
  const { keptS, unkeptWallS } = keptWork(
    { startedAt: start, delayS: startDelayOf(state, job), pace: 1 },
    checkpointPlanOf(state, job),
    Math.max(0, specOf(state, job).durationS - job.doneS),
    simulated(now),
    latest?.committedAt === undefined || latest.committedAt === null
      ? undefined
      : simulated(latest.committedAt),
  )
  // kept work stays in work seconds (the twin runs what is left); lost time goes back to wall
  // seconds, the accelerator time that was held for nothing (what usage bills and ETTR divides)
  return { keptS, sinceCheckpointS: unkeptWallS / speed }
}

/** The newest committed checkpoint of a job, as a launch passes it on. */
export async function resumeOf(state: LoopState, jobId: string): Promise<PlacedJob['resumeFrom']> {
  const latest = await state.options.store.checkpoints.latestCommitted(jobId)
  return latest === undefined
    ? undefined
    : {
        checkpointId: latest.id,
        step: latest.step,
        locations: latest.shards.map((s) => s.location ?? s.path),
      }
}

/** Seconds the job's current attempt spends before its work: a restart's, after a first run. */
export function startDelayOf(state: LoopState, job: JobRecord): number {
  return job.restarts > 0 ? (state.options.lifecycle?.restartS ?? 0) : 0
}

/** The job's checkpoint plan: its policy's interval (none: never) and the model's stall. */
export function checkpointPlanOf(state: LoopState, job: JobRecord): CheckpointPlan {
  return {
    intervalS: specOf(state, job).body.checkpoint?.intervalS ?? Number.POSITIVE_INFINITY,
    stallS: state.options.lifecycle?.checkpointStallS ?? 0,
  }
}

/** Accelerators the job holds: its placement's nodes (or its replicas) times each one's. */
export function acceleratorsOf(state: LoopState, job: JobRecord): number {
  const spec = specOf(state, job)
  return (job.placement?.length ?? spec.replicas) * spec.body.acceleratorsPerReplica
}
