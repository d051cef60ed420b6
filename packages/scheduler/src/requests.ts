import type { Catalog, Cluster, CpuArch } from '@zhisuan/domain'
import { standardComputeUnits, type WorkloadClass } from '@zhisuan/perf'
import type { ClusterState } from './cluster-state.js'
import type { JobSpec, PendingReason, TopologyTier } from './types.js'
import { counted, replicasOf } from './wording.js'

/** One way to run a job: a family and the gang shape it needs there. */
export interface FamilyRequest {
  readonly family: string
  readonly replicas: number
  readonly perReplica: number
  /** SCU per accelerator of this family in the job's workload class. */
  readonly scuPerAccelerator: number
}

/** SCU ratings, accelerators per node and arch of each family present in a cluster. */
export interface FamilyInfo {
  readonly family: string
  readonly scu: Readonly<Record<WorkloadClass, number>>
  readonly acceleratorsPerNode: number
  readonly memoryGB: number
  readonly archs: readonly CpuArch[]
}

/** Families of a cluster's pools (the first pool of a family rates it), in pool order. */
export function familiesOf(cluster: Cluster, catalog: Catalog): Map<string, FamilyInfo> {
  const families = new Map<string, FamilyInfo>()
  for (const pool of cluster.pools) {
    const known = families.get(pool.accelerator.family)
    if (known !== undefined) {
      if (!known.archs.includes(pool.cpu.arch)) {
        families.set(pool.accelerator.family, { ...known, archs: [...known.archs, pool.cpu.arch] })
      }
      continue
    }
    families.set(pool.accelerator.family, {
      family: pool.accelerator.family,
      scu: standardComputeUnits(catalog, pool.accelerator),
      acceleratorsPerNode: pool.scaleUp.acceleratorsPerNode,
      memoryGB: pool.accelerator.memory.gb.value,
      archs: [pool.cpu.arch],
    })
  }
  return families
}

/**
 * The families a job may run on, in the order to try them, with the gang shape for each, or
 * the reason none can ever work (unknown family, wrong architecture, a replica larger than a node).
 */
export function familyRequests(
  job: JobSpec,
  families: ReadonlyMap<string, FamilyInfo>,
  state: ClusterState,
): FamilyRequest[] | PendingReason {
  const cls: WorkloadClass = job.workloadClass ?? 'llm-train'
  const chips = job.chips
  let names: string[]
  if (chips.kind === 'family') {
    names = [chips.family]
  } else if (chips.kind === 'families') {
    names = chips.ordered
      ? [...chips.families]
      : [...chips.families].sort((a, b) => freeOf(state, b) - freeOf(state, a) || (a < b ? -1 : 1))
  } else {
    names = [...families.values()]
      .sort((a, b) => b.scu[cls] - a.scu[cls] || (a.family < b.family ? -1 : 1))
      .map((f) => f.family)
  }
  const known = names.filter((n) => families.has(n))
  if (known.length === 0) {
    return {
      kind: 'no-such-family',
      families: names,
      message: `no pool has ${names.join(' or ')}; the cluster has ${[...families.keys()].join(', ')}`,
    }
  }
  const archOk = known.filter(
    (n) => families.get(n)?.archs.some((a) => job.archs.includes(a)) === true,
  )
  if (archOk.length === 0) {
    const available = [...new Set(known.flatMap((n) => families.get(n)?.archs ?? []))]
    return {
      kind: 'arch-mismatch',
      wanted: job.archs,
      available,
      message: `the job's images are for ${job.archs.join(', ')}; ${known.join(', ')} hosts are ${available.join(', ')}`,
    }
  }
  const requests: FamilyRequest[] = []
  let last: PendingReason | undefined
  for (const name of archOk) {
    const info = families.get(name)
    if (info === undefined) {
      continue
    }
    const perReplica = job.acceleratorsPerReplica
    if (perReplica > info.acceleratorsPerNode) {
      last = {
        kind: 'invalid-request',
        message: `a replica of ${perReplica} accelerators does not fit a ${name} node of ${info.acceleratorsPerNode}`,
      }
      continue
    }
    const rating = info.scu[cls]
    const replicas =
      chips.kind === 'scu' ? Math.ceil(Math.ceil(chips.units / rating) / perReplica) : job.replicas
    requests.push({ family: name, replicas, perReplica, scuPerAccelerator: rating })
  }
  return requests.length > 0
    ? requests
    : (last ?? { kind: 'invalid-request', message: 'no family fits the request' })
}

function freeOf(state: ClusterState, family: string): number {
  let free = 0
  for (let b = 0; b < state.blockFamily.length; b++) {
    if (state.blockFamily[b] === family) {
      free += state.blockSlots(b, 1)
    }
  }
  return free
}

/**
 * The most replicas of `perReplica` one domain of a tier (a node, a leaf block, a spine pod) can
 * ever hold for a family and architectures: every non-spare node counted, busy or not.
 */
export function largestDomain(
  state: ClusterState,
  family: string,
  archs: readonly string[],
  perReplica: number,
  tier: TopologyTier,
): number {
  const byDomain = new Map<number, number>()
  for (const n of state.nodes) {
    if (n.family !== family || n.spare || !archs.includes(n.arch)) {
      continue
    }
    const slots = Math.floor(n.accelerators / perReplica)
    const domain =
      tier === 'node'
        ? n.index
        : tier === 'leaf'
          ? (state.fabric.nodeBlock[n.index] ?? 0)
          : (state.fabric.nodePod[n.index] ?? 0)
    byDomain.set(domain, tier === 'node' ? slots : (byDomain.get(domain) ?? 0) + slots)
  }
  return Math.max(0, ...byDomain.values())
}

/** The reason a gang can never fit its required tier, given the largest domain there. */
export function topologyProblem(
  req: FamilyRequest,
  tier: TopologyTier,
  largest: number,
): PendingReason | undefined {
  if (largest >= req.replicas) {
    return undefined
  }
  return {
    kind: 'topology-unsatisfiable',
    tier,
    message: `${replicasOf(req.replicas, req.perReplica, req.family)} must share one ${tier === 'node' ? 'node' : tier === 'leaf' ? 'leaf block' : 'spine pod'}, but the largest holds ${counted(largest, 'replica')}`,
  }
}
