import { changeNode } from './capacity.js'
import type { ClusterState } from './cluster-state.js'
import { requeueJob, slotFor } from './commit.js'
import type { RunningJob } from './running.js'
import type { Session } from './session.js'
import type { Decision } from './types.js'

/** A node that takes over a lost node's replicas, and the tier it shares with the lost one. */
interface Replacement {
  readonly node: number
  readonly tier: 'leaf' | 'spine' | 'core'
}

/**
 * Moves a running gang's replicas off a node it lost (failed or drained) to one replacement
 * node — a spare or a free node, in the same block first, then the same pod, then anywhere,
 * within the tier the gang requires — or, when none fits, sends the gang back to the queue.
 */
export function replace(
  s: Session,
  job: RunningJob,
  failed: number,
  now: number,
): Decision & { kind: 'replace' } {
  const replicasThere = job.nodes.filter((n) => n === failed).length
  const need = replicasThere * job.spec.acceleratorsPerReplica
  const replacement = findReplacement(s.cluster, job, failed, need)
  if (replacement === undefined) {
    s.lastPreempted.set(job.spec.id, now)
    requeueJob(s, job)
    return {
      kind: 'replace',
      jobId: job.spec.id,
      failedNode: failed,
      replacement: null,
      tier: null,
    }
  }
  const slot = slotFor(s, job.spec.id)
  const lost = job.accelerators.filter((a) => s.cluster.fabric.acceleratorNode[a] === failed)
  s.cluster.release(lost)
  if (s.cluster.nodes[replacement.node]?.spare === true) {
    // A spare that takes over a failed node's work joins the pool; the failed node goes to repair.
    changeNode(s, replacement.node, { spare: false })
  }
  const gained = s.cluster.allocate(replacement.node, need, slot)
  job.accelerators = [...job.accelerators.filter((a) => !lost.includes(a)), ...gained]
  s.uplinks.add(job.nodes, -1)
  job.nodes = job.nodes.map((n) => (n === failed ? replacement.node : n))
  s.uplinks.add(job.nodes, 1)
  return {
    kind: 'replace',
    jobId: job.spec.id,
    failedNode: failed,
    replacement: replacement.node,
    tier: replacement.tier,
  }
}

function findReplacement(
  state: ClusterState,
  job: RunningJob,
  failed: number,
  need: number,
): Replacement | undefined {
  const fabric = state.fabric
  const block = fabric.blocks[fabric.nodeBlock[failed] ?? -1]
  const pod = fabric.pods[fabric.nodePod[failed] ?? -1]
  // A gang that requires a tier keeps it: a leaf-bound gang is only replaced within its block.
  const required = job.spec.topology?.mode === 'required' ? job.spec.topology.tier : undefined
  const alone = job.nodes.every((n) => n === failed)
  const limit = alone ? 2 : required === 'leaf' ? 0 : required === 'spine' ? 1 : 2
  const stages: { tier: Replacement['tier']; first: number; count: number }[] = [
    { tier: 'leaf', first: block?.firstNode ?? 0, count: block?.nodeCount ?? 0 },
    { tier: 'spine', first: pod?.firstNode ?? 0, count: pod?.nodeCount ?? 0 },
    { tier: 'core', first: 0, count: state.nodes.length },
  ]
  // The same block first, then the same pod, then anywhere; spares before busy nodes' room.
  for (const [level, stage] of stages.entries()) {
    if (level > limit) {
      break
    }
    const node = bestReplacementIn(state, job, failed, need, stage.first, stage.count)
    if (node !== undefined) {
      return { node, tier: stage.tier }
    }
  }
  return undefined
}

/** The first spare, else the first node, in a range of nodes that can take the replicas. */
function bestReplacementIn(
  state: ClusterState,
  job: RunningJob,
  failed: number,
  need: number,
  first: number,
  count: number,
): number | undefined {
  let best: { node: number; spare: boolean } | undefined
  for (let i = first; i < first + count; i++) {
    const n = state.nodes[i]
    if (
      n === undefined ||
      i === failed ||
      n.health !== 'healthy' ||
      n.family !== job.family ||
      state.hidden[i] === 1
    ) {
      continue
    }
    if (!job.spec.archs.includes(n.arch) || (state.free[i] ?? 0) < need) {
      continue
    }
    if (best === undefined || (n.spare && !best.spare)) {
      best = { node: i, spare: n.spare }
    }
  }
  return best?.node
}
