import { ZhisuanError } from '@zhisuan/domain'
import { commitPlacement, requeueJob } from './commit.js'
import { chooseVictims } from './preemption.js'
import type { FamilyRequest } from './requests.js'
import type { RunningJob } from './running.js'
import { gangOf, placeGang, type Session } from './session.js'
import type { Decision, JobSpec } from './types.js'

/**
 * Notes, at the start of a cycle, the lowest priority running and whether any tenant borrows:
 * when no pending job outranks the one and none reclaims from the other, nobody is preempted.
 */
export function notePreemptible(s: Session): void {
  s.preemptible = { minPriority: Number.POSITIVE_INFINITY, borrowers: false }
  for (const r of s.running.values()) {
    s.preemptible.minPriority = Math.min(s.preemptible.minPriority, r.spec.priority)
    s.preemptible.borrowers ||= s.ledger.borrowing(
      r.spec.tenant,
      r.spec.workloadClass ?? 'llm-train',
    )
  }
}

/**
 * Preempts for a blocked job when it outranks running jobs (priority) or reclaims its own
 * guarantee from borrowers. Victims must have run their minimum runtime and not have been
 * preempted within the window; they lose the least work since their last checkpoint; and the
 * preemptor must fit, in a domain it accepts, once they are gone — else nobody is preempted.
 * Returns the preemptions and the preemptor's placement, or nothing.
 * @throws ZhisuanError `internal` when the victims chosen free too little (a bug).
 */
export function preempt(s: Session, job: JobSpec, req: FamilyRequest, now: number): Decision[] {
  const cls = job.workloadClass ?? 'llm-train'
  const scu = req.replicas * req.perReplica * req.scuPerAccelerator
  const reclaiming =
    s.ledger.quota(job.tenant, cls) !== undefined && s.ledger.withinGuarantee(job.tenant, cls, scu)
  // The first-fit baseline does not preempt: its placement ignores the domains victims are chosen in.
  const nobodyToPreempt =
    s.preemptible.minPriority >= job.priority && !(reclaiming && s.preemptible.borrowers)
  if (nobodyToPreempt || s.config.placement === 'first-fit') {
    return []
  }
  const candidates = preemptionCandidates(s, job, req, reclaiming, now)
  if (candidates.length === 0) {
    return []
  }
  const gang = gangOf(job, req)
  const choice = chooseVictims(s.cluster, gang, candidates, now)
  if (choice === undefined) {
    return []
  }
  const decisions: Decision[] = []
  for (const victim of choice.victims) {
    const lower = victim.spec.priority < job.priority
    decisions.push({
      kind: 'preempt',
      jobId: victim.spec.id,
      cause: lower ? 'priority' : 'reclaim',
      forJob: job.id,
      lostWorkS: Math.max(0, now - victim.lastCheckpointAt) * victim.accelerators.length,
    })
    s.lastPreempted.set(victim.spec.id, now)
    requeueJob(s, victim)
  }
  const placed = placeGang(s, gang)
  if (!placed.ok) {
    throw new ZhisuanError(
      'internal',
      `preemption for ${job.id} freed too little; the victim search and placement disagree`,
    )
  }
  decisions.push(commitPlacement(s, job, req, placed, now))
  return decisions
}

/** Running jobs a blocked job may preempt: lower priority, or borrowers it reclaims from. */
function preemptionCandidates(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  reclaiming: boolean,
  now: number,
): RunningJob[] {
  const candidates: RunningJob[] = []
  for (const v of s.running.values()) {
    // A job placed in this very cycle is never a victim (no place-then-preempt churn).
    if (v.family !== req.family || v.spec.id === job.id || v.startedAt === now) {
      continue
    }
    const protectedUntil =
      (s.lastPreempted.get(v.spec.id) ?? Number.NEGATIVE_INFINITY) + s.config.preemptionWindowS
    if (now < protectedUntil || now - v.startedAt < (v.spec.minRuntimeS ?? 0)) {
      continue
    }
    const lower = v.spec.priority < job.priority
    const lender =
      reclaiming &&
      v.spec.tenant !== job.tenant &&
      s.ledger.borrowing(v.spec.tenant, v.spec.workloadClass ?? 'llm-train')
    if (lower || lender) {
      candidates.push(v)
    }
  }
  return candidates
}
