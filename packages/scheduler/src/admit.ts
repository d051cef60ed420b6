import type { WorkloadClass } from '@zhisuan/perf'
import { ceilingProblem, clusterProblem } from './feasibility.js'
import { largestDomain, topologyProblem, type FamilyRequest } from './requests.js'
import type { Session } from './session.js'
import type { JobSpec, PendingReason, TopologyTier } from './types.js'

/**
 * Why a job can never run on a family: more replicas than all its nodes hold together, healthy
 * or not (an admin accepted it anyway, for a cluster that will grow); undefined when they do.
 */
export function clusterRefusal(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
): PendingReason | undefined {
  return clusterProblem(s.cluster, s.largestCache, job, req)
}

/**
 * Why a job can never run on a family in the tier it requires (no domain of that tier is large
 * enough, busy or not); undefined when the tier is not required or some domain is large enough.
 */
export function topologyRefusal(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
): PendingReason | undefined {
  const required = job.topology?.mode === 'required' ? job.topology.tier : undefined
  if (required === undefined) {
    return undefined
  }
  return topologyProblem(req, required, cachedLargest(s, job, req, required))
}

/**
 * Replicas of the request the largest domain of a tier holds (healthy or not, spares out),
 * cached in the session until spares change.
 */
export function cachedLargest(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  tier: TopologyTier,
): number {
  const key = `${req.family}|${req.perReplica}|${tier}|${job.archs.join(',')}`
  let largest = s.largestCache.get(key)
  if (largest === undefined) {
    largest = largestDomain(s.cluster, req.family, job.archs, req.perReplica, tier)
    s.largestCache.set(key, largest)
  }
  return largest
}

/**
 * Quota admission: why the job's tenant may not hold the SCU this request needs in the job's
 * class now — or ever, beyond its guarantee plus borrowing limit; undefined when the ledger
 * admits it.
 */
export function quotaRefusal(
  s: Session,
  job: JobSpec,
  cls: WorkloadClass,
  req: FamilyRequest,
): PendingReason | undefined {
  const never = ceilingProblem(job, cls, req, s.ledger.quota(job.tenant, cls))
  if (never !== undefined) {
    return never
  }
  const scu = req.replicas * req.perReplica * req.scuPerAccelerator
  const admission = s.ledger.admit(job.tenant, cls, scu)
  return admission.ok
    ? undefined
    : quotaReason(job, cls, scu, admission.usedScu, admission.limitScu)
}

function quotaReason(
  job: JobSpec,
  cls: WorkloadClass,
  requested: number,
  used: number,
  limit: number,
): PendingReason {
  const r = (x: number) => Math.round(x * 100) / 100
  return {
    kind: 'quota-exceeded',
    workloadClass: cls,
    requestedScu: r(requested),
    usedScu: r(used),
    limitScu: r(limit),
    message: `tenant ${job.tenant} uses ${r(used)} of ${Number.isFinite(limit) ? r(limit) : 'unlimited'} ${cls} SCU it may hold now; this job needs ${r(requested)} more`,
  }
}
