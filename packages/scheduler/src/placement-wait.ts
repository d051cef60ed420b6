import { tierRank, type Tier } from '@zhisuan/domain'
import { plannedStart } from './backfill.js'
import { defaultRuntimeLimitS } from './running.js'
import type { PlacementScore } from './types.js'
import { cachedLargest } from './admit.js'
import type { FamilyRequest } from './requests.js'
import type { Session } from './session.js'
import type { JobSpec, PendingReason } from './types.js'
import { span } from './wording.js'

/**
 * Defaults of `placementWaitShare` and `placementWaitMaxS` (see SchedulerConfig). Chosen, not
 * measured: no figure here says what a spine crossing costs a gang (that is the twin's job in
 * #16, item 4); 5% of the runtime limit, at most 1 h, is what the placement bench against Slurm
 * ran with (BENCHMARKS.md, "Placement against a real Slurm", commit 2a06286): 0.4% of gang
 * traffic over a spine against Slurm's 3.8–6.4%, same utilization, 64-GPU gangs waiting 25%
 * longer. An earlier try on tree-64 (BENCHMARKS.md, Scheduler) found 5–30 min waits changed
 * nothing there and 60 min made it worse, before small jobs were packed as they are now.
 */
const defaultPlacementWaitShare = 0.05
const defaultPlacementWaitMaxS = 3600

/** The smallest tier one domain of which can hold the gang on an empty cluster: leaf, spine or core. */
function bestTier(s: Session, job: JobSpec, req: FamilyRequest): Tier {
  for (const tier of ['leaf', 'spine'] as const) {
    if (cachedLargest(s, job, req, tier) >= req.replicas) {
      return tier
    }
  }
  return 'core'
}

/**
 * Why a multi-node gang that fits now, but only across a higher tier than it needs, waits for a
 * better placement instead: while it has waited less than its budget (a share of its runtime
 * limit, capped) — across a spine only if a domain of its best tier is expected to free up
 * within that budget; across the core in any case. Undefined when it should start now: it fits
 * in its best tier, its topology is required (placement already kept it there), its budget is
 * spent or no better domain frees in time, or the placement is the first-fit baseline (which
 * takes the first nodes with room, by definition). A `preferred` topology with `maxWaitS` sets
 * the tier and the wait itself.
 */
export function placementWait(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  score: PlacementScore,
  now: number,
): (PendingReason & { kind: 'waiting-for-placement' }) | undefined {
  if (
    s.config.placement === 'first-fit' ||
    job.topology?.mode === 'required' ||
    score.blocks.length <= 1
  ) {
    return undefined
  }
  const preferred = preferredWait(job, score, now)
  if (preferred !== null) {
    return preferred
  }
  const share = s.config.placementWaitShare ?? defaultPlacementWaitShare
  if (share <= 0) {
    return undefined
  }
  const best = bestTier(s, job, req)
  if (tierRank(score.tier) <= tierRank(best)) {
    return undefined
  }
  const limit = job.runtimeLimitS ?? s.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS
  const cap = s.config.placementWaitMaxS ?? defaultPlacementWaitMaxS
  const budget = Math.min(share * limit, cap)
  const until = job.submittedAt + budget
  if (now >= until) {
    return undefined
  }
  // Across a spine it waits only when the first domain of its best tier expected to free up
  // (running jobs ending at their runtime limits) frees within its budget; across the core it
  // waits its budget regardless, a core uplink being where fabrics are oversubscribed.
  const expected =
    score.tier === 'core'
      ? undefined
      : plannedStart(s, job, req, best === 'spine' ? 'spine' : 'leaf', now, until)?.until
  if (score.tier !== 'core' && !(expected !== undefined && expected <= until)) {
    return undefined
  }
  const where = best === 'leaf' ? 'one leaf block' : 'one spine pod'
  const when =
    expected === undefined
      ? ''
      : ` (the first is expected to free up in ${span(Math.max(0, expected - now))}, by the runtime limits of the jobs there)`
  return {
    kind: 'waiting-for-placement',
    tier: score.tier,
    bestTier: best,
    until,
    message: `waits for a better placement: now it would span the ${score.tier} (${score.blocks.length} blocks); ${where} can hold it${when}, and it waits for one ${span(until - now)} more at most (${Math.round(share * 100)}% of its ${span(limit)} runtime limit, at most ${span(cap)}), then takes what is free`,
  }
}

/**
 * A `preferred` topology with a `maxWaitS` (Slurm's `--switches=N@T`): the gang waits for its
 * tier until that long after its submission, whatever is expected to free, then takes what is
 * free. Null when the job gives no such wait (the cluster's placement wait decides), undefined
 * when it should start now.
 */
function preferredWait(
  job: JobSpec,
  score: PlacementScore,
  now: number,
): (PendingReason & { kind: 'waiting-for-placement' }) | undefined | null {
  const topology = job.topology
  if (topology?.mode !== 'preferred' || topology.maxWaitS === undefined) {
    return null
  }
  const tier: Tier = topology.tier === 'spine' ? 'spine' : 'leaf'
  const until = job.submittedAt + topology.maxWaitS
  if (tierRank(score.tier) <= tierRank(tier) || now >= until) {
    return undefined
  }
  return {
    kind: 'waiting-for-placement',
    tier: score.tier,
    bestTier: tier,
    until,
    message: `waits for a better placement: now it would span the ${score.tier} (${score.blocks.length} blocks); its topology prefers one ${tier === 'leaf' ? 'leaf block' : 'spine pod'} for up to ${span(topology.maxWaitS)} after submission, so it waits ${span(until - now)} more at most, then takes what is free`,
  }
}
