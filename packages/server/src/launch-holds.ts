import type { JobRecord } from '@zhisuan/store'
import { submitPending, type LoopState } from './loop-state.js'

/** What a held job's pending reason says: how often its launch was refused, and when it is next tried. */
export interface LaunchFailedReason {
  readonly kind: 'launch-failed'
  readonly failures: number
  /** Unix s. */
  readonly retryAt: number
  readonly message: string
}

/**
 * Holds a job whose launch the backend just refused out of the scheduler: 5 s after the first
 * refusal, doubling to 5 min. Returns the refusals so far and the wait.
 */
export function holdLaunch(
  state: LoopState,
  jobId: string,
  now: number,
): { failures: number; waitS: number } {
  const failures = (state.launchHolds.get(jobId)?.failures ?? 0) + 1
  const waitS = Math.min(300, 5 * 2 ** (failures - 1))
  state.launchHolds.set(jobId, { until: now + waitS, failures, released: false })
  return { failures, waitS }
}

/** The pending reason of a job `holdLaunch` held, which `restoreHold` reads back after a restart. */
export function launchFailedReason(
  failures: number,
  waitS: number,
  error: string,
  now: number,
): LaunchFailedReason {
  return {
    kind: 'launch-failed',
    failures,
    retryAt: now + waitS,
    message: `the backend refused the launch (${failures}×): ${error}; next try in ${waitS} s`,
  }
}

/**
 * A launch hold that a loop before this one set (the job's pending reason keeps it): honoured,
 * so a restarted control plane does not ask a refusing backend again at once, and the next
 * refusal waits twice as long as the last.
 */
export function restoreHold(state: LoopState, job: JobRecord, now: number): void {
  const r = job.reason as { kind?: unknown; failures?: unknown; retryAt?: unknown } | null
  if (
    r?.kind === 'launch-failed' &&
    typeof r.failures === 'number' &&
    typeof r.retryAt === 'number' &&
    r.retryAt > now
  ) {
    state.launchHolds.set(job.id, { until: r.retryAt, failures: r.failures, released: false })
  }
}

/** Jobs whose launch hold ended go back to the scheduler; cancelled or gone ones are dropped. */
export async function releaseHolds(state: LoopState): Promise<void> {
  const now = state.options.clock()
  const due = [...state.launchHolds]
    .filter(([, h]) => !h.released && h.until <= now)
    .map(([id]) => id)
  if (due.length === 0) {
    return
  }
  const jobs = await state.options.store.getJobs(due)
  for (const id of due) {
    const job = jobs.get(id)
    if (job?.state !== 'pending') {
      state.launchHolds.delete(id)
      continue
    }
    state.reasons.delete(id)
    submitPending(state, job)
    const hold = state.launchHolds.get(id)
    if (hold !== undefined) {
      hold.released = true
    }
  }
}
