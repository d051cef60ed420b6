import type { PlacedJob } from '@zhisuan/domain'
import type { JobRecord } from '@zhisuan/store'
import { resumeOf } from './job-accounts.js'
import { specOf, type LoopState } from './loop-state.js'

// What a job's message and events say when it restarts or goes back to the queue: only what the
// launch will tell the backend, so the words never promise a checkpoint the job does not have.

/** Where a job's next attempt starts: what its launch passes to the backend. */
export interface ResumePoint {
  /** The registry's newest committed checkpoint of the job, if it has one. */
  readonly checkpoint: PlacedJob['resumeFrom']
  /** Seconds of work the job has kept (its checkpoint policy's whole periods, on the twin). */
  readonly doneS: number
  /** Seconds of work the whole job needs. */
  readonly durationS: number
  /** The job's checkpoint interval, s; undefined when it has no checkpoint policy. */
  readonly intervalS: number | undefined
}

/** Where the job starts again once it has kept `keptS` more of its work. */
export async function resumePointOf(
  state: LoopState,
  job: JobRecord,
  keptS: number,
): Promise<ResumePoint> {
  const spec = specOf(state, job)
  return {
    checkpoint: await resumeOf(state, job.id),
    doneS: job.doneS + keptS,
    durationS: spec.durationS,
    intervalS: spec.body.checkpoint?.intervalS,
  }
}

const seconds = (s: number) => Math.round(s).toLocaleString('en-US')

/**
 * Where the job starts again, in words.
 * @example
 * resumeWords({ checkpoint: { checkpointId: 'ck-1', step: 1200, locations: [] }, … })
 * // 'from checkpoint ck-1 (step 1,200)'
 * resumeWords({ checkpoint: undefined, doneS: 0, durationS: 600, intervalS: undefined })
 * // 'from the start (no checkpoint yet)'
 */
export function resumeWords(point: ResumePoint): string {
  if (point.checkpoint !== undefined) {
    return `from checkpoint ${point.checkpoint.checkpointId} (step ${point.checkpoint.step.toLocaleString('en-US')})`
  }
  if (point.doneS > 0) {
    const policy = point.intervalS === undefined ? '' : ` every ${seconds(point.intervalS)} s`
    return `at ${seconds(point.doneS)} of ${seconds(point.durationS)} s of work (kept by its checkpoints${policy}; none is in the checkpoint registry)`
  }
  return 'from the start (no checkpoint yet)'
}

/** The resume point in an event's detail: `resumeFrom` (null: none), its `step`, work kept. */
export function resumeDetail(point: ResumePoint): Record<string, unknown> {
  return {
    resumeFrom: point.checkpoint?.checkpointId ?? null,
    ...(point.checkpoint === undefined ? {} : { step: point.checkpoint.step }),
    doneS: point.doneS,
  }
}

/** Why a running job went back to the queue, from its event's kind and detail. */
export function requeueWords(kind: string, detail: Readonly<Record<string, unknown>>): string {
  const text = (key: string) => {
    const value = detail[key]
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
  }
  const failed = text('failedNode')
  const drained = text('drainedNode')
  switch (kind) {
    case 'preempted':
      return `preempted for ${text('forJob') ?? 'another job'}${text('cause') === undefined ? '' : ` (${text('cause')})`}`
    case 'launch-failed':
      return `the backend refused its launch: ${text('error') ?? 'no reason given'}`
    case 'requeued':
      if (failed !== undefined) {
        return `node ${failed} failed and no replacement is free`
      }
      if (drained !== undefined) {
        return `node ${drained} was drained (evacuate) and no replacement is free`
      }
      return text('reason') ?? 'requeued'
    default:
      return kind
  }
}
