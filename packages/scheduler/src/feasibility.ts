import type { Catalog, Cluster } from '@zhisuan/domain'
import type { WorkloadClass } from '@zhisuan/perf'
import { ClusterState } from './cluster-state.js'
import {
  familiesOf,
  familyRequests,
  largestDomain,
  topologyProblem,
  type FamilyInfo,
  type FamilyRequest,
} from './requests.js'
import type { JobSpec, PendingReason, Quota } from './types.js'
import { usableCapacity } from './usable-capacity.js'
import { counted, replicasOf } from './wording.js'

/**
 * What a cluster could ever hold, from its file alone: every node counted, healthy or not,
 * busy or not (a node under repair comes back); spare nodes are not, as the scheduler never
 * places a new gang on them. Build it once per cluster: it caches what it counts.
 */
export interface ClusterLimits {
  readonly state: ClusterState
  readonly families: ReadonlyMap<string, FamilyInfo>
  /** SCU per workload class of every non-spare node. */
  readonly scu: Readonly<Record<WorkloadClass, number>>
  /** Totals and largest domains by family, replica size, archs and tier. */
  readonly cache: Map<string, number>
}

/** The limits of a cluster as its file describes it. */
export function clusterLimits(cluster: Cluster, catalog: Catalog): ClusterLimits {
  // a fresh state has every node healthy and idle: exactly "could ever hold"
  const state = ClusterState.fromCluster(cluster)
  const families = familiesOf(cluster, catalog)
  return { state, families, scu: usableCapacity(state, families).capacity, cache: new Map() }
}

/** Whether a job could ever run, or every reason it cannot (one per family it accepts). */
export type Feasibility =
  { readonly ok: true } | { readonly ok: false; readonly reasons: readonly PendingReason[] }

/**
 * Whether a job could ever run on a cluster and within its tenant's quota ceiling — not now,
 * but with the whole cluster free: a family it accepts is there, on hosts of an architecture it
 * has images for, with enough nodes in all and in one domain of a required tier, and the SCU
 * it needs within guarantee plus borrowing limit. `quota` is the tenant's in the job's class;
 * without one (or without a borrowing limit) the tenant has no ceiling.
 * @example
 * const limits = clusterLimits(cluster, catalog) // once
 * const verdict = canEverRun(job, limits, tenant.quotas['llm-train'])
 * if (!verdict.ok) refuse(verdict.reasons.map((r) => r.message).join('; '))
 */
export function canEverRun(
  job: JobSpec,
  limits: ClusterLimits,
  quota: Quota | undefined,
): Feasibility {
  const requests = familyRequests(job, limits.families, limits.state)
  if (!Array.isArray(requests)) {
    return { ok: false, reasons: [requests] }
  }
  const cls = job.workloadClass ?? 'llm-train'
  const reasons: PendingReason[] = []
  for (const req of requests) {
    const problems = [
      clusterProblem(limits.state, limits.cache, job, req),
      requiredTierProblem(limits, job, req),
      ceilingProblem(job, cls, req, quota),
    ].filter((p) => p !== undefined)
    if (problems.length === 0) {
      return { ok: true }
    }
    reasons.push(...problems)
  }
  return { ok: false, reasons }
}

/**
 * Why a gang can never fit the cluster: more replicas than every non-spare node of the family
 * (on the job's architectures) holds together, whatever their health; undefined when it fits.
 * `cache` keeps the count per shape; clear it when spares change.
 */
export function clusterProblem(
  state: ClusterState,
  cache: Map<string, number>,
  job: JobSpec,
  req: FamilyRequest,
): PendingReason | undefined {
  const key = `slots|${req.family}|${req.perReplica}|${job.archs.join(',')}`
  let slots = cache.get(key)
  if (slots === undefined) {
    slots = familyCounts(state, req, job.archs).slots
    cache.set(key, slots)
  }
  if (req.replicas <= slots) {
    return undefined
  }
  return {
    kind: 'exceeds-cluster',
    family: req.family,
    neededReplicas: req.replicas,
    clusterReplicas: slots,
    message: clusterMessage(familyCounts(state, req, job.archs), job, req),
  }
}

interface FamilyCounts {
  /** Replicas of the request's size the non-spare nodes hold, one replica never spanning nodes. */
  readonly slots: number
  readonly nodes: number
  readonly accelerators: number
  readonly spares: number
}

function familyCounts(
  state: ClusterState,
  req: FamilyRequest,
  archs: readonly string[],
): FamilyCounts {
  let slots = 0
  let nodes = 0
  let accelerators = 0
  let spares = 0
  for (const node of state.nodes) {
    if (node.family !== req.family || !archs.includes(node.arch)) {
      continue
    }
    if (node.spare) {
      spares++
      continue
    }
    slots += Math.floor(node.accelerators / req.perReplica)
    nodes++
    accelerators += node.accelerators
  }
  return { slots, nodes, accelerators, spares }
}

/** "needs 72 H100 accelerators (9 replicas of 8), the cluster has 64 (8 nodes × 8)", or in replicas. */
function clusterMessage(counts: FamilyCounts, job: JobSpec, req: FamilyRequest): string {
  const cls = job.workloadClass ?? 'llm-train'
  const needed = req.replicas * req.perReplica
  if (!Number.isFinite(needed)) {
    return `${req.family} is rated 0 ${cls} SCU: no number of them gives ${job.chips.kind === 'scu' ? job.chips.units : 0} SCU`
  }
  const { nodes, accelerators, spares, slots } = counts
  const perNode = nodes === 0 ? 0 : accelerators / nodes
  const hosts = `${nodes} node${nodes === 1 ? '' : 's'}${nodes > 0 && Number.isInteger(perNode) ? ` × ${perNode}` : ''}`
  const note = spares > 0 ? `; ${spares} spare node${spares === 1 ? '' : 's'} not counted` : ''
  const asked =
    job.chips.kind === 'scu'
      ? `, for ${job.chips.units} ${cls} SCU at ${round(req.scuPerAccelerator)} each`
      : ''
  return needed > accelerators
    ? `needs ${needed} ${req.family} accelerators (${counted(req.replicas, 'replica')} of ${req.perReplica}${asked}), the cluster has ${accelerators} (${hosts}${note})`
    : `needs ${replicasOf(req.replicas, req.perReplica, req.family)}${asked}; the cluster's ${hosts} hold ${slots} such replicas, as a replica never spans nodes${note}`
}

/** Why a gang can never fit one domain of the tier it requires, with the whole cluster free. */
function requiredTierProblem(
  limits: ClusterLimits,
  job: JobSpec,
  req: FamilyRequest,
): PendingReason | undefined {
  if (job.topology?.mode !== 'required') {
    return undefined
  }
  const tier = job.topology.tier
  const key = `largest|${req.family}|${req.perReplica}|${tier}|${job.archs.join(',')}`
  let largest = limits.cache.get(key)
  if (largest === undefined) {
    largest = largestDomain(limits.state, req.family, job.archs, req.perReplica, tier)
    limits.cache.set(key, largest)
  }
  return topologyProblem(req, tier, largest)
}

/**
 * Why a gang needs more SCU than its tenant may ever hold in the class (guarantee plus
 * borrowing limit); undefined when it does not, or the tenant has no quota or no borrowing limit.
 */
export function ceilingProblem(
  job: JobSpec,
  cls: WorkloadClass,
  req: FamilyRequest,
  quota: Quota | undefined,
): PendingReason | undefined {
  if (quota?.borrowingLimit === undefined) {
    return undefined
  }
  const ceiling = quota.guaranteed + quota.borrowingLimit
  const scu = req.replicas * req.perReplica * req.scuPerAccelerator
  // a family rated 0 in the class needs no finite SCU: clusterProblem says why it cannot run
  if (!Number.isFinite(scu) || scu <= ceiling + 1e-9) {
    return undefined
  }
  return {
    kind: 'exceeds-quota-ceiling',
    workloadClass: cls,
    requestedScu: round(scu),
    ceilingScu: round(ceiling),
    message: `needs ${round(scu)} ${cls} SCU (${req.replicas * req.perReplica} ${req.family} accelerators at ${round(req.scuPerAccelerator)} each), more than tenant ${job.tenant} may ever hold: ${round(ceiling)} (guaranteed ${round(quota.guaranteed)} + borrowing limit ${round(quota.borrowingLimit)})`,
  }
}

const round = (x: number) => Math.round(x * 100) / 100
