import type { Tier } from '@zhisuan/domain'

/** A job's lifecycle state as the engine keeps it. */
export type JobAccountState = 'pending' | 'running' | 'finished'

/** What the engine remembers of each job: its per-job result. */
export interface JobAccount {
  readonly id: string
  readonly tenant: string
  readonly accelerators: number
  readonly submitS: number
  /** Seconds of productive work the job needs. */
  readonly workS: number
  state: JobAccountState
  /** First start, s. */
  firstStartS?: number
  /** End of the last run, s (finished jobs only). */
  endS?: number
  /** Node of each replica in the latest placement (indices into the cluster's nodes). */
  nodes: readonly number[]
  /** The highest fabric tier any of its placements spanned; null before its first. */
  tier: Tier | null
  /** Runs that ended without finishing: restarted in place, moved, or sent back to the queue. */
  restarts: number
  /** Failures that struck its nodes while it ran. */
  interruptions: number
  /** Accelerator-seconds held without being kept by a checkpoint (detection, restart, lost work). */
  lostAcceleratorS: number
  /** Wall seconds its runs lost to a fabric shared with other gangs (see `Engine.repace`). */
  contentionS: number
}

const tierRank: Readonly<Record<Tier, number>> = {
  node: 0,
  'scale-up': 1,
  leaf: 2,
  spine: 3,
  core: 4,
}

/** The higher of two tiers (`null` is below every tier). */
export function deeperTier(a: Tier | null, b: Tier | null): Tier | null {
  if (a === null) {
    return b
  }
  if (b === null) {
    return a
  }
  return tierRank[b] > tierRank[a] ? b : a
}
