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

/**
 * A span of seconds as people say it, to the minute: `45 s`, `14 min`, `2 h 14 min`, `3 d 4 h`.
 * @example span(8040) // '2 h 14 min'
 */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) {
    return `${s} s`
  }
  const minutes = Math.round(s / 60)
  if (minutes < 60) {
    return `${minutes} min`
  }
  const hours = Math.floor(minutes / 60)
  if (hours < 48) {
    const rest = minutes % 60
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`
  }
  const days = Math.floor(hours / 24)
  const rest = hours % 24
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`
}
