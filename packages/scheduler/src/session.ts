import { ZhisuanError, type Catalog, type Cluster } from '@zhisuan/domain'
import type { WorkloadClass } from '@zhisuan/perf'
import { usableCapacity } from './usable-capacity.js'
import { ClusterState } from './cluster-state.js'
import {
  findPlacement,
  firstFitPlacement,
  type GangRequest,
  type PlacementResult,
} from './placement.js'
import { QuotaLedger } from './quota.js'
import { byEnd, type Reservation } from './reservation.js'
import { UplinkLoad } from './uplink-load.js'
import { familiesOf, type FamilyInfo, type FamilyRequest } from './requests.js'
import { defaultRuntimeLimitS, type RunningJob } from './running.js'
import type { JobSpec, PendingReason, SchedulerConfig } from './types.js'
import { checkJobSpec } from './validate.js'
import { avoidDegraded, type DegradedLeaf } from './degraded-leaves.js'

/** The smallest gang of one shape that found no room in this cycle, and why. */
export interface CycleFailure {
  readonly replicas: number
  readonly reason: PendingReason & { kind: 'insufficient-capacity' }
}

/**
 * What every action of the scheduler reads and changes: the cluster's allocation state, the
 * jobs, the quota books and what the current cycle has learnt. The `Scheduler` owns one; each
 * action (order, admit, allocate, preempt, backfill, replace, adopt) is a function taking it.
 */
export interface Session {
  readonly cluster: ClusterState
  readonly config: SchedulerConfig
  readonly families: ReadonlyMap<string, FamilyInfo>
  readonly ledger: QuotaLedger
  readonly pending: Map<string, JobSpec>
  readonly running: Map<string, RunningJob>
  /** The owner slot of each job ever placed, as the cluster state marks accelerators. */
  readonly slotOf: Map<string, number>
  /** When each job was last preempted or sent back to the queue, for the preemption window. */
  readonly lastPreempted: Map<string, number>
  /** Usable SCU per class (healthy, non-spare nodes); the quota ledger reads this same object. */
  readonly capacity: Record<WorkloadClass, number>
  /** Usable llm-train SCU and accelerator memory: the denominators of fair share. */
  totals: { scu: number; memoryGB: number }
  /** The largest domain per family, replica size, tier and archs, until spares change. */
  readonly largestCache: Map<string, number>
  /**
   * Per cycle: the nodes held for the first gangs blocked for capacity (at most
   * `reservationDepth`) and for one gang waiting for a better placement (`forWait`).
   */
  readonly reservations: (Reservation & { readonly forWait?: true })[]
  /** Running jobs by expected end, until the running set changes (reservations read it). */
  endOrder: RunningJob[] | undefined
  /**
   * Until running jobs or reservations change: where and when a gang shape is expected to fit
   * one domain of a tier (`found`, or undefined when not by `by`), and the reserved nodes each set of
   * reservations frees for a job that may use them. Both are recomputed otherwise, every cycle.
   */
  readonly planned: {
    readonly starts: Map<string, { found: Reservation | undefined; by: number }>
    readonly freed: Map<string, number[]>
  }
  /** Ring hops of running gangs on each uplink, to score placements on a blocking fabric. */
  readonly uplinks: UplinkLoad
  /** Per cycle: the smallest gang of each shape that found no room, and why. */
  readonly cycleFailures: Map<string, CycleFailure>
  /** Per cycle: the lowest priority running, and whether any tenant borrows (who could be preempted). */
  preemptible: { minPriority: number; borrowers: boolean }
  /** Leaves multi-node gangs stay off while they can (by block); absent or empty: none. */
  degradedLeaves?: ReadonlyMap<number, DegradedLeaf>
}

/** A session for a cluster with nothing running, its capacity counted from healthy nodes. */
export function createSession(
  cluster: Cluster,
  catalog: Catalog,
  config: SchedulerConfig,
): Session {
  const state = ClusterState.fromCluster(cluster)
  const families = familiesOf(cluster, catalog)
  const { capacity, totals } = usableCapacity(state, families)
  return {
    cluster: state,
    config,
    families,
    ledger: new QuotaLedger(config, capacity),
    pending: new Map(),
    running: new Map(),
    slotOf: new Map(),
    lastPreempted: new Map(),
    capacity,
    totals,
    largestCache: new Map(),
    reservations: [],
    endOrder: undefined,
    planned: { starts: new Map(), freed: new Map() },
    uplinks: new UplinkLoad(cluster.fabric),
    cycleFailures: new Map(),
    preemptible: { minPriority: Number.POSITIVE_INFINITY, borrowers: false },
  }
}

/**
 * Checks a job about to enter the session.
 * @throws ZhisuanError `invalid-input` for a malformed spec, `conflict` for a known id.
 */
export function checkNewJob(s: Session, job: JobSpec): void {
  checkJobSpec(job)
  if (s.pending.has(job.id) || s.running.has(job.id)) {
    throw new ZhisuanError('conflict', `job ${job.id} already exists`)
  }
}

/** The gang a job asks for on one family, bound to its required tier if it has one. */
export function gangOf(job: JobSpec, req: FamilyRequest): GangRequest {
  return {
    family: req.family,
    archs: job.archs,
    replicas: req.replicas,
    perReplica: req.perReplica,
    ...(job.topology?.mode === 'required' ? { maxTier: job.topology.tier } : {}),
  }
}

/** Where a gang fits now, by the configured placement (topology-aware unless `first-fit`). */
export function placeGang(s: Session, gang: GangRequest): PlacementResult {
  if (s.config.placement === 'first-fit') {
    return firstFitPlacement(s.cluster, gang)
  }
  const place = (g: GangRequest): PlacementResult =>
    findPlacement(s.cluster, s.uplinks.blocking ? { ...g, uplinks: s.uplinks } : g)
  return s.degradedLeaves === undefined ? place(gang) : avoidDegraded(place, gang, s.degradedLeaves)
}

/** Running jobs by expected end (for reservations), computed once until the running set changes. */
export function runningByEnd(s: Session): readonly RunningJob[] {
  s.endOrder ??= byEnd(
    [...s.running.values()],
    s.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS,
  )
  return s.endOrder
}

/** Forgets what was planned from the running jobs and the reservations (they changed). */
export function replanned(s: Session): void {
  s.planned.starts.clear()
  s.planned.freed.clear()
}
