import type { ClusterState } from './cluster-state.js'
import { findPlacement, type GangRequest } from './placement.js'
import { expectedEnd, type RunningJob } from './running.js'

/** Nodes held for a blocked gang until the time it can start. */
export interface Reservation {
  readonly jobId: string
  readonly nodes: readonly number[]
  readonly until: number
}

/**
 * When and where a blocked gang can start if nothing else starts: running jobs end at their
 * runtime limits, earliest first, and the first moment the gang fits gives its nodes and time.
 * Jobs without a limit end at `defaultLimitS` in this reckoning, so even a gang blocked by them
 * holds a reservation, and no stream of small jobs can starve it. With `notAfter`, only a start
 * by then is looked for (the search stops at the first end after it). `running` may come sorted
 * by expected end already (`sorted`: `runningByEnd`, cached for a cycle).
 */
export function findReservation(
  state: ClusterState,
  gang: GangRequest,
  running: readonly RunningJob[],
  jobId: string,
  now: number,
  defaultLimitS: number,
  notAfter = Number.POSITIVE_INFINITY,
  sorted = false,
): Reservation | undefined {
  const end = (j: RunningJob) => expectedEnd(j, defaultLimitS)
  const ending = sorted ? running : byEnd(running, defaultLimitS)
  let scratch: ClusterState | undefined
  const need = gang.replicas * gang.perReplica
  let free = 0
  for (let b = 0; b < state.blockFamily.length; b++) {
    if (state.blockFamily[b] === gang.family) {
      free += state.blockSlots(b, 1)
    }
  }
  for (const job of ending) {
    if (job.family !== gang.family) {
      continue
    }
    if (end(job) > notAfter) {
      return undefined
    }
    scratch ??= state.scratch()
    scratch.releaseCounts(job.accelerators)
    free += job.accelerators.length
    if (free < need) {
      continue
    }
    const placed = findPlacement(scratch, gang)
    if (placed.ok) {
      return { jobId, nodes: placed.nodes, until: Math.max(now, end(job)) }
    }
  }
  return undefined
}

/** Running jobs by expected end, earliest first (ties by id). */
export function byEnd(running: readonly RunningJob[], defaultLimitS: number): RunningJob[] {
  const end = (j: RunningJob) => expectedEnd(j, defaultLimitS)
  return [...running].sort((a, b) => end(a) - end(b) || (a.spec.id < b.spec.id ? -1 : 1))
}
