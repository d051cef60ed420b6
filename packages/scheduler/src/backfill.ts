import type { GangRequest, PlacementResult } from './placement.js'
import { findReservation, type Reservation } from './reservation.js'
import { span } from './wording.js'
import type { FamilyRequest } from './requests.js'
import { defaultRuntimeLimitS } from './running.js'
import { gangOf, placeGang, replanned, runningByEnd, type Session } from './session.js'
import type { Decision, JobSpec, PendingReason, TopologyTier } from './types.js'

/**
 * Gangs that may hold a reservation in one cycle. Measured (BENCHMARKS.md, placement against
 * Slurm, 2026-12-07): 8 left the heavy replay against Slurm unchanged, made the tree-64 Philly
 * replay wait longer (3.51 h against 3.10) and cut the 100k replay from 26,000 to 9,400
 * decisions/s (each reservation replays the running jobs' ends); so one, as before. Slurm's
 * backfill plans for up to 500 (`bf_max_job_test`).
 */
const defaultReservationDepth = 1

/** Whether this cycle may still plan a reservation for a gang blocked for capacity. */
export function mayReserve(s: Session): boolean {
  const blocked = s.reservations.filter((r) => r.forWait !== true).length
  return blocked < (s.config.reservationDepth ?? defaultReservationDepth)
}

/** Whether this cycle may still hold a domain for a gang waiting for a better placement (one). */
export function mayHoldForWait(s: Session): boolean {
  return !s.reservations.some((r) => r.forWait === true)
}

/**
 * A hold for a gang waiting for a better placement: the first domain of `maxTier` that frees up,
 * only when it frees by `notAfter` (the end of the gang's wait). It does not count against
 * `reservationDepth`.
 */
export interface WaitHold {
  readonly maxTier: TopologyTier
  readonly notAfter: number
}

/**
 * Where and when one domain of `tier` could first hold the gang if running jobs end at their
 * runtime limits; undefined when none does by `by`. Kept until running jobs or reservations
 * change: a gang waiting for a better placement asks once, then holds what it was told.
 */
export function plannedStart(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  tier: TopologyTier,
  now: number,
  by: number,
): Reservation | undefined {
  const key = `${req.family}|${req.perReplica}|${req.replicas}|${tier}|${job.archs.join(',')}`
  const known = s.planned.starts.get(key)
  if (known !== undefined && (known.found !== undefined || known.by >= by)) {
    return known.found !== undefined && known.found.until <= by
      ? { ...known.found, jobId: job.id }
      : undefined
  }
  const found = findReservation(
    s.cluster,
    { ...gangOf(job, req), maxTier: tier },
    runningByEnd(s),
    job.id,
    now,
    s.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS,
    by,
    true,
  )
  s.planned.starts.set(key, { found, by })
  return found
}

/**
 * Reserves nodes for a blocked gang until running jobs' ends make room for it, hiding them from
 * placement for the rest of the cycle (later reservations plan around them), and records the
 * `reserve` decision; false when no end of running jobs makes room (or, for a `hold`, not by
 * its end).
 */
export function reserve(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  now: number,
  decisions: Decision[],
  hold?: WaitHold,
): boolean {
  const reservation =
    hold === undefined
      ? findReservation(
          s.cluster,
          gangOf(job, req),
          runningByEnd(s),
          job.id,
          now,
          s.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS,
          Number.POSITIVE_INFINITY,
          true,
        )
      : plannedStart(s, job, req, hold.maxTier, now, hold.notAfter)
  if (reservation === undefined) {
    return false
  }
  s.reservations.push(hold === undefined ? reservation : { ...reservation, forWait: true })
  replanned(s)
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

/** Shows the reserved nodes again at the end of a cycle; the next cycle starts without any. */
export function unreserve(s: Session): void {
  for (const r of s.reservations) {
    for (const n of r.nodes) {
      s.cluster.unhide(n)
    }
  }
  s.reservations.length = 0
  replanned(s)
}

/** When a job would end by its runtime limit if it started now (never, without one). */
const endsBy = (job: JobSpec, now: number) => now + (job.runtimeLimitS ?? Number.POSITIVE_INFINITY)

/**
 * The reservations a job ends before, by its runtime limit, as a key ('' for none): it may
 * backfill onto their nodes. Jobs with the same key see the same nodes.
 */
export function backfillKey(s: Session, job: JobSpec, now: number): string {
  const end = endsBy(job, now)
  return s.reservations.flatMap((r, i) => (end <= r.until ? [String(i)] : [])).join(' ')
}

/**
 * Where a gang fits if the nodes of the reservations matching `usable` were free too; they are
 * hidden again afterwards. A node held by two reservations is usable only if both match.
 */
function placeWithReservations(
  s: Session,
  gang: GangRequest,
  usable: (r: Reservation) => boolean,
): PlacementResult {
  let key = ''
  s.reservations.forEach((r, i) => {
    key += usable(r) ? `${i} ` : ''
  })
  let nodes = s.planned.freed.get(key)
  if (nodes === undefined) {
    const held = new Set<number>()
    const freed = new Set<number>()
    for (const r of s.reservations) {
      for (const n of r.nodes) {
        ;(usable(r) ? freed : held).add(n)
      }
    }
    nodes = [...freed].filter((n) => !held.has(n))
    s.planned.freed.set(key, nodes)
  }
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

/** Backfill: where a job fits if it may use the nodes of every reservation it ends before. */
export function placeWithReservedNodes(
  s: Session,
  job: JobSpec,
  gang: GangRequest,
  now: number,
): PlacementResult {
  const end = endsBy(job, now)
  return placeWithReservations(s, gang, (r) => end <= r.until)
}

/**
 * Why a gang that found no room waits: it would fit if the nodes reserved for other jobs were
 * free, but no runtime limit of its own ends before those reservations; undefined when that is
 * not why. The reason names the reservation holding the first node it would need.
 */
export function reservationReason(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  gang: GangRequest,
  freeReplicas: number,
  now: number,
): PendingReason | undefined {
  // cheap bound first (no allocation: this runs for every job that finds no room): each
  // reserved node takes at most (node size / replica size) replicas
  let reservedNodes = 0
  for (const r of s.reservations) {
    reservedNodes += r.jobId === job.id ? 0 : r.nodes.length
  }
  if (
    reservedNodes === 0 ||
    freeReplicas + reservedNodes * Math.floor((s.cluster.width - 1) / req.perReplica) < req.replicas
  ) {
    return undefined
  }
  const placed = placeWithReservations(s, gang, (r) => r.jobId !== job.id)
  if (!placed.ok) {
    return undefined
  }
  const used = new Set(placed.nodes)
  const others = s.reservations.filter((r) => r.jobId !== job.id)
  const reserved = others.find((r) => r.nodes.some((n) => used.has(n))) ?? others[0]
  if (reserved === undefined) {
    return undefined
  }
  return {
    kind: 'waiting-for-reservation',
    reservedFor: reserved.jobId,
    until: reserved.until,
    message: `fits only on nodes held for ${reserved.jobId}, which can start there in ${span(reserved.until - now)} (when the jobs running there reach their runtime limits); a runtime limit of its own ending before then would let it start now`,
  }
}
