import { clusterRefusal, quotaRefusal, topologyRefusal } from './admit.js'
import { backfillKey, placeWithReservedNodes, reservationReason } from './backfill.js'
import { commitPlacement } from './commit.js'
import { placementWait } from './placement-wait.js'
import type { GangRequest, PlacementResult } from './placement.js'
import { familyRequests, type FamilyRequest } from './requests.js'
import { gangOf, placeGang, type Session } from './session.js'
import type { Decision, JobSpec, PendingReason } from './types.js'
import { replicasOf } from './wording.js'

/**
 * What trying to place a job gave: the placement, or why it stays pending — with the request
 * and the shape that found no room when capacity was why, for preemption and reservation.
 */
export type Attempt =
  | { readonly placed: Decision & { kind: 'place' } }
  | { readonly reason: PendingReason; readonly request?: FamilyRequest; readonly shape?: string }

/**
 * Tries to place a pending job on each family it accepts, in order, and commits the first
 * placement found. A request is skipped when the cluster or its required tier can never hold it
 * or its tenant's quota refuses it; a job that ends before some of the cycle's reservations
 * start may backfill onto their nodes.
 */
export function allocate(s: Session, job: JobSpec, now: number): Attempt {
  const requests = familyRequests(job, s.families, s.cluster)
  if (!Array.isArray(requests)) {
    return { reason: requests }
  }
  const cls = job.workloadClass ?? 'llm-train'
  let last: Attempt | undefined
  for (const req of requests) {
    const never = clusterRefusal(s, job, req) ?? topologyRefusal(s, job, req)
    if (never !== undefined) {
      last ??= { reason: never }
      continue
    }
    const quota = quotaRefusal(s, job, cls, req)
    if (quota !== undefined) {
      last = { reason: quota }
      continue
    }
    const attempt = allocateRequest(s, job, req, now)
    if ('placed' in attempt) {
      return attempt
    }
    last = attempt
  }
  return last ?? { reason: { kind: 'invalid-request', message: 'no family to try' } }
}

/** Places one admitted request of a job, or says why it found no room. */
function allocateRequest(s: Session, job: JobSpec, req: FamilyRequest, now: number): Attempt {
  const gang = gangOf(job, req)
  const usable = backfillKey(s, job, now)
  // Within a cycle, a gang no smaller than one that found no room finds none either.
  const key = `${req.family}|${req.perReplica}|${gang.maxTier ?? ''}|${job.archs.join(',')}|${usable}`
  const failedAt = s.cycleFailures.get(key)
  if (failedAt !== undefined && req.replicas >= failedAt.replicas) {
    return {
      reason: {
        ...failedAt.reason,
        neededReplicas: req.replicas,
        message: capacityMessage(req, failedAt.reason.tier, failedAt.reason.freeReplicas),
      },
      request: req,
      shape: key,
    }
  }
  let result = placeGang(s, gang)
  if (!result.ok && usable !== '') {
    // Backfill: a job may use the nodes of the reservations that start after it ends.
    result = placeWithReservedNodes(s, job, gang, now)
  }
  if (result.ok) {
    const wait = placementWait(s, job, req, result.score, now)
    return wait === undefined
      ? { placed: commitPlacement(s, job, req, result, now) }
      : { reason: wait, request: req }
  }
  const reason = capacityReason(s, job, req, gang, result, now)
  if (
    reason.kind === 'insufficient-capacity' &&
    (failedAt === undefined || req.replicas < failedAt.replicas)
  ) {
    s.cycleFailures.set(key, { replicas: req.replicas, reason })
  }
  return { reason, request: req, shape: key }
}

function capacityReason(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  gang: GangRequest,
  result: PlacementResult & { ok: false },
  now: number,
): PendingReason {
  return (
    reservationReason(s, job, req, gang, result.freeReplicas, now) ?? {
      kind: 'insufficient-capacity',
      family: req.family,
      tier: result.tier,
      neededReplicas: req.replicas,
      freeReplicas: result.freeReplicas,
      message: capacityMessage(req, result.tier, result.freeReplicas),
    }
  )
}

function capacityMessage(req: FamilyRequest, tier: string, free: number): string {
  const where =
    tier === 'core'
      ? 'the cluster'
      : `one ${tier === 'node' ? 'node' : tier === 'leaf' ? 'leaf block' : 'spine pod'}`
  return `needs ${replicasOf(req.replicas, req.perReplica, req.family)} in ${where}; room for ${free} of them now`
}
