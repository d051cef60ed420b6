import type { CpuArch, Tier } from '@zhisuan/domain'
import type { WorkloadClass } from '@zhisuan/perf'

/** Health of a node as the scheduler sees it; only `healthy` nodes take new work. */
export type NodeHealth = 'healthy' | 'degraded' | 'draining' | 'cordoned' | 'failed'

/** What accelerators a job accepts. A gang never mixes families. */
export type ChipRequirement =
  | { readonly kind: 'family'; readonly family: string }
  /** Any of these families; `ordered` tries them in the given order, else the one that fits best. */
  | { readonly kind: 'families'; readonly families: readonly string[]; readonly ordered: boolean }
  /** An amount of standard compute units of a class; the scheduler picks family and count. */
  | { readonly kind: 'scu'; readonly units: number }

/** Tiers a gang may ask to stay within. */
export type TopologyTier = 'node' | 'leaf' | 'spine'

/** Keep the gang within a tier: `required` or only `preferred`. */
export interface TopologyPreference {
  readonly mode: 'required' | 'preferred'
  readonly tier: TopologyTier
  /**
   * With `preferred`: how long the gang may wait, from its submission, for a placement within
   * `tier` before it takes what is free (Slurm's `--switches=N@T`); without it the cluster's
   * placement wait applies (a share of the runtime limit). Not with `required`.
   */
  readonly maxWaitS?: number
}

/** A job: a gang of `replicas` × `acceleratorsPerReplica`, each replica on one node. */
export interface JobSpec {
  readonly id: string
  readonly tenant: string
  readonly queue: string
  readonly priority: number
  /** Replicas; for an SCU requirement, the scheduler computes it from the family's rating. */
  readonly replicas: number
  readonly acceleratorsPerReplica: number
  readonly chips: ChipRequirement
  /** The class quotas and SCU requirements count in; default `llm-train`. */
  readonly workloadClass?: WorkloadClass
  /** CPU architectures the job's images exist for. */
  readonly archs: readonly CpuArch[]
  readonly topology?: TopologyPreference
  /** Wall-clock limit, s; jobs without one cannot be backfilled ahead of a reservation. */
  readonly runtimeLimitS?: number
  /** Seconds a job runs before it may be preempted. */
  readonly minRuntimeS?: number
  readonly submittedAt: number
}

/** Quota of one tenant in one workload class, in SCU. */
export interface Quota {
  readonly guaranteed: number
  /** How far beyond `guaranteed` the tenant may borrow idle capacity; default unlimited. */
  readonly borrowingLimit?: number
  /** How much of its idle guarantee others may borrow; default all of it. */
  readonly lendingLimit?: number
}

/** A tenant, its queues and its quotas per workload class. */
export interface Tenant {
  readonly name: string
  readonly queues: readonly string[]
  readonly quotas: Partial<Readonly<Record<WorkloadClass, Quota>>>
}

/** Scheduler settings. */
export interface SchedulerConfig {
  readonly tenants: readonly Tenant[]
  /** A job is not preempted again within this many seconds of its last preemption. */
  readonly preemptionWindowS: number
  /** When true, quotas are enforced for tenants not listed (guarantee 0); else unlisted tenants are unlimited. */
  readonly strictTenants: boolean
  /**
   * `topology` (default): smallest domain, best fit. `first-fit`: the first nodes in index order
   * with room — the naive baseline the benchmark compares against; not for production.
   */
  readonly placement?: 'topology' | 'first-fit'
  /** Runtime assumed for a job without a limit when reserving for a blocked gang, s; default 7 days. */
  readonly defaultRuntimeLimitS?: number
  /**
   * How many blocked gangs get a reservation in one cycle (as Slurm's backfill plans start times
   * for many pending jobs); default 1. Each holds its nodes from later jobs that would not end,
   * by their runtime limits, before it starts.
   */
  readonly reservationDepth?: number
  /**
   * How long a multi-node gang may wait for a placement in the smallest domain that can hold it
   * (one leaf block, else one spine pod) rather than start now across a higher tier: this share
   * of its runtime limit (default 0.05), at most `placementWaitMaxS` (default 1 h); 0 never
   * waits. An estimate, not a measurement: a gang whose traffic crosses a spine runs some percent
   * slower for all its runtime, so a wait of a few percent of it pays (BENCHMARKS.md, placement
   * against Slurm). `topology.mode: required` is unaffected (it never starts above its tier).
   */
  readonly placementWaitShare?: number
  readonly placementWaitMaxS?: number
}

/** Why a pending job is not running, for people and for programs. */
export type PendingReason =
  | {
      readonly kind: 'quota-exceeded'
      readonly workloadClass: WorkloadClass
      readonly requestedScu: number
      readonly usedScu: number
      readonly limitScu: number
      readonly message: string
    }
  | {
      readonly kind: 'insufficient-capacity'
      readonly family: string
      readonly tier: Tier
      readonly neededReplicas: number
      readonly freeReplicas: number
      readonly message: string
    }
  | {
      readonly kind: 'topology-unsatisfiable'
      readonly tier: TopologyTier
      readonly message: string
    }
  /** More replicas than every non-spare node of the family holds together, busy or not. */
  | {
      readonly kind: 'exceeds-cluster'
      readonly family: string
      readonly neededReplicas: number
      readonly clusterReplicas: number
      readonly message: string
    }
  /** More SCU than the tenant may ever hold in the class: guarantee plus borrowing limit. */
  | {
      readonly kind: 'exceeds-quota-ceiling'
      readonly workloadClass: WorkloadClass
      readonly requestedScu: number
      readonly ceilingScu: number
      readonly message: string
    }
  /** It fits now only across a higher tier than it needs, and waits a while for a better place. */
  | {
      readonly kind: 'waiting-for-placement'
      /** The tier it would span if it started now. */
      readonly tier: Tier
      /** The smallest tier that can hold it. */
      readonly bestTier: Tier
      /** When it stops waiting and takes what there is, s. */
      readonly until: number
      readonly message: string
    }
  | {
      readonly kind: 'waiting-for-reservation'
      readonly reservedFor: string
      readonly until: number
      readonly message: string
    }
  | {
      readonly kind: 'arch-mismatch'
      readonly wanted: readonly CpuArch[]
      readonly available: readonly CpuArch[]
      readonly message: string
    }
  | {
      readonly kind: 'no-such-family'
      readonly families: readonly string[]
      readonly message: string
    }
  | { readonly kind: 'invalid-request'; readonly message: string }

/** How a placement was chosen, in words and numbers. */
export interface PlacementScore {
  /** The highest tier the gang spans. */
  readonly tier: Tier
  readonly blocks: readonly number[]
  readonly pods: readonly number[]
  /** Free replica slots in the chosen domain before placing (best fit prefers the fewest). */
  readonly domainFreeSlots: number
  readonly reason: string
}

/** What the scheduler decided in one cycle. */
export type Decision =
  | {
      readonly kind: 'place'
      readonly jobId: string
      readonly family: string
      readonly nodes: readonly number[]
      readonly accelerators: readonly number[]
      readonly score: PlacementScore
    }
  | {
      readonly kind: 'preempt'
      readonly jobId: string
      readonly cause: 'priority' | 'reclaim'
      readonly forJob: string
      readonly lostWorkS: number
    }
  | {
      readonly kind: 'reserve'
      readonly jobId: string
      readonly nodes: readonly number[]
      readonly until: number
    }
  | {
      readonly kind: 'replace'
      readonly jobId: string
      /** The node the gang lost: it failed, or an operator drained it with `evacuate`. */
      readonly failedNode: number
      readonly replacement: number | null
      readonly tier: Tier | null
      /** Why the gang moves; `failed` when absent. */
      readonly cause?: 'failed' | 'evacuated'
    }
