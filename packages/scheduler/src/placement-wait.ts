import { tierRank, type Tier } from '@zhisuan/domain'
import { defaultRuntimeLimitS } from './backfill.js'
import type { PlacementScore } from './types.js'
import { largestDomain, type FamilyRequest } from './requests.js'
import type { Session } from './session.js'
import type { JobSpec, PendingReason } from './types.js'
import { span } from './wording.js'

/** Defaults of `placementWaitShare` and `placementWaitMaxS` (see SchedulerConfig). */
export const defaultPlacementWaitShare = 0.05
export const defaultPlacementWaitMaxS = 3600

/** The smallest tier one domain of which can hold the gang on an empty cluster: leaf, spine or core. */
function bestTier(s: Session, job: JobSpec, req: FamilyRequest): Tier {
  for (const tier of ['leaf', 'spine'] as const) {
    const key = `${req.family}|${req.perReplica}|${tier}|${job.archs.join(',')}`
    let largest = s.largestCache.get(key)
    if (largest === undefined) {
      largest = largestDomain(s.cluster, req.family, job.archs, req.perReplica, tier)
      s.largestCache.set(key, largest)
    }
    if (largest >= req.replicas) {
      return tier
    }
  }
  return 'core'
}

/**
 * Why a multi-node gang that fits now, but only across a higher tier than it needs, waits for a
 * better placement instead: while it has waited less than its budget (a share of its runtime
 * limit, capped). Undefined when it should start now: it fits in its best tier, its topology is
 * required (placement already kept it there), its budget is spent, or the placement is the
 * first-fit baseline (which takes the first nodes with room, by definition).
 */
export function placementWait(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  score: PlacementScore,
  now: number,
): (PendingReason & { kind: 'waiting-for-placement' }) | undefined {
  const share = s.config.placementWaitShare ?? defaultPlacementWaitShare
  if (
    share <= 0 ||
    s.config.placement === 'first-fit' ||
    job.topology?.mode === 'required' ||
    score.blocks.length <= 1
  ) {
    return undefined
  }
  const best = bestTier(s, job, req)
  if (tierRank(score.tier) <= tierRank(best)) {
    return undefined
  }
  const limit = job.runtimeLimitS ?? s.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS
  const budget = Math.min(share * limit, s.config.placementWaitMaxS ?? defaultPlacementWaitMaxS)
  const until = job.submittedAt + budget
  if (now >= until) {
    return undefined
  }
  const where = best === 'leaf' ? 'one leaf block' : 'one spine pod'
  return {
    kind: 'waiting-for-placement',
    tier: score.tier,
    bestTier: best,
    until,
    message: `waits for a better placement: now it would span the ${score.tier} (${score.blocks.length} blocks); ${where} can hold it, and it waits for one ${span(until - now)} more at most (${Math.round(share * 100)}% of its ${span(limit)} runtime limit, at most ${span(s.config.placementWaitMaxS ?? defaultPlacementWaitMaxS)}), then takes what is free`,
  }
}
