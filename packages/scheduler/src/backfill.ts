import type { GangRequest, PlacementResult } from './placement.js'
import { findReservation } from './reservation.js'
import { span } from './wording.js'
import type { FamilyRequest } from './requests.js'
import { gangOf, placeGang, type Session } from './session.js'
import type { Decision, JobSpec, PendingReason } from './types.js'

/** Runtime assumed for jobs without a limit when reserving for a blocked gang: 7 days. */
export const defaultRuntimeLimitS = 7 * 24 * 3600

/**
 * Reserves nodes for a blocked gang until running jobs' ends make room for it, hiding them from
 * placement for the rest of the cycle, and records the `reserve` decision; false when no end of
 * running jobs makes room.
 */
export function reserve(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  now: number,
  decisions: Decision[],
): boolean {
  const reservation = findReservation(
    s.cluster,
    gangOf(job, req),
    [...s.running.values()],
    job.id,
    now,
    s.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS,
  )
  if (reservation === undefined) {
    return false
  }
  s.reservation = reservation
  for (const node of new Set(reservation.nodes)) {
    s.cluster.hide(node)
  }
  decisions.push({
    kind: 'reserve',
    jobId: job.id,
    nodes: reservation.nodes,
    until: reservation.until,
  })
  return true
}

/** Shows the reserved nodes again at the end of a cycle; the next cycle starts without one. */
export function unreserve(s: Session): void {
  for (const n of s.reservation?.nodes ?? []) {
    s.cluster.unhide(n)
  }
}

/** Whether a job ends, by its runtime limit, before the reservation starts: it may backfill. */
export function mayBackfill(s: Session, job: JobSpec, now: number): boolean {
  return (
    s.reservation !== undefined &&
    now + (job.runtimeLimitS ?? Number.POSITIVE_INFINITY) <= s.reservation.until
  )
}

/** Where a gang fits if the reserved nodes were free too; they are hidden again afterwards. */
export function placeWithReservedNodes(s: Session, gang: GangRequest): PlacementResult {
  const nodes = s.reservation === undefined ? [] : [...new Set(s.reservation.nodes)]
  for (const n of nodes) {
    s.cluster.unhide(n)
  }
  try {
    return placeGang(s, gang)
  } finally {
    for (const n of nodes) {
      s.cluster.hide(n)
    }
  }
}

/**
 * Why a gang that found no room waits: it would fit if the nodes reserved for another job were
 * free, but no runtime limit of its own ends before the reservation; undefined when that is not why.
 */
export function reservationReason(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  gang: GangRequest,
  freeReplicas: number,
  now: number,
): PendingReason | undefined {
  const reserved = s.reservation
  if (
    reserved !== undefined &&
    reserved.jobId !== job.id &&
    // cheap bound first: each reserved node takes at most (node size / replica size) replicas
    freeReplicas + reserved.nodes.length * Math.floor((s.cluster.width - 1) / req.perReplica) >=
      req.replicas &&
    placeWithReservedNodes(s, gang).ok
  ) {
    return {
      kind: 'waiting-for-reservation',
      reservedFor: reserved.jobId,
      until: reserved.until,
      message: `fits only on nodes held for ${reserved.jobId}, which can start there in ${span(reserved.until - now)} (when the jobs running there reach their runtime limits); a runtime limit of its own ending before then would let it start now`,
    }
  }
  return undefined
}
