import type { SlurmNode } from './api.js'

/** What the drain reasons Zhisuan sets in Slurm start with, unless configured otherwise. */
export const defaultDrainReasonPrefix = 'zhisuan: '

/**
 * A Slurm node's health for Zhisuan: `failed` when slurmctld has it `down` (or in error,
 * failing, invalid), when it has not responded for `graceS`, or when Slurm itself drained it
 * (a drain by `slurmUser`, e.g. `Kill task failed`). A drain by an administrator or by Zhisuan
 * is not a failure: the node is healthy, only out of service (`idle` + `DRAIN` in REST).
 */
export function nodeHealth(
  node: SlurmNode,
  options: {
    readonly notRespondingForS?: number
    readonly graceS?: number
    readonly slurmUser?: string
    /** What Zhisuan's own drain reasons start with (default `zhisuan: `). */
    readonly drainReasonPrefix?: string
  } = {},
): { readonly health: 'healthy' | 'degraded' | 'failed'; readonly reason: string } {
  const state = (node.state ?? 'unknown').toLowerCase()
  const flags = (node.state_flags ?? []).map((f) => f.toUpperCase())
  const said = typeof node.reason === 'string' && node.reason !== '' ? node.reason : undefined
  const describe = (): string =>
    said ?? `Slurm state ${[state, ...flags.map((f) => f.toLowerCase())].join('+')}`
  if (['down', 'error', 'fail', 'inval', 'invalid', 'future'].includes(state)) {
    return { health: 'failed', reason: describe() }
  }
  if (flags.includes('FAIL')) {
    return { health: 'failed', reason: describe() }
  }
  if (flags.includes('NOT_RESPONDING')) {
    const forS = options.notRespondingForS ?? Number.POSITIVE_INFINITY
    if (forS >= (options.graceS ?? 5)) {
      return { health: 'failed', reason: said ?? 'not responding' }
    }
  }
  if (flags.includes('DRAIN') && node.reason_set_by_user === (options.slurmUser ?? 'slurm')) {
    return { health: 'failed', reason: describe() }
  }
  if (
    flags.includes('DRAIN') &&
    !(said ?? '').startsWith(options.drainReasonPrefix ?? defaultDrainReasonPrefix)
  ) {
    // an operator drained it in Slurm, not through Zhisuan: what runs there stays, nothing new
    // goes there (Slurm would hold it pending), until it is resumed in Slurm
    return { health: 'degraded', reason: `drained in Slurm: ${said ?? 'no reason given'}` }
  }
  return { health: 'healthy', reason: said ?? state }
}
