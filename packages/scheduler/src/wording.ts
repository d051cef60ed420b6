import type { ClusterState } from './cluster-state.js'

/**
 * How the scheduler's messages count: every number with its unit, and nodes by their names.
 * A "replica" takes `perReplica` accelerators on one node, so replicas, nodes and accelerators
 * are three different counts and a message must say which one it gives.
 */

/** `n` and its noun, singular for one. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * `replicas` replicas of `perReplica` accelerators, of a family when given.
 * @example replicasOf(4, 8, 'H100') // '4 replicas of 8 H100 accelerators'
 */
export function replicasOf(replicas: number, perReplica: number, family?: string): string {
  const chips = family === undefined ? 'accelerator' : `${family} accelerator`
  return `${counted(replicas, 'replica')} of ${counted(perReplica, chips)}`
}

/** A node's name (`h100-001`), as operators see it; the index only for a node that is not there. */
export function nodeName(state: ClusterState, node: number): string {
  return state.nodes[node]?.name ?? `#${node} (no such node)`
}
