import type { JobRecord, NodeState } from '@zhisuan/store'
import { sees, type Caller } from './auth.js'
import type { ServerContext } from './context.js'
import type { StoredSpec } from './job-spec.js'

/** What a caller sees in place of another tenant's job id. */
export const otherTenant = 'other-tenant'

/** A node as the node list and the topology map show it. */
export interface NodeRow {
  readonly name: string
  readonly family: string
  readonly accelerators: number
  readonly block: number
  readonly pod: number
  readonly health: string
  readonly adminState: string
  readonly reason: string
  /** Running jobs on it (another tenant's as `other-tenant`) and the accelerators each holds. */
  readonly held: readonly { readonly id: string; readonly accelerators: number }[]
}

/**
 * Every node, in fabric order, with its recorded state and the running jobs on it as the caller
 * may see them; and the running jobs and the recorded node states themselves.
 */
export async function nodeRows(
  ctx: ServerContext,
  caller: Caller,
): Promise<{ rows: NodeRow[]; running: JobRecord[]; states: Map<string, NodeState> }> {
  const states = new Map((await ctx.store.nodeStates()).map((n) => [n.name, n]))
  const running = await ctx.store.listJobs({ states: ['running'], limit: 100_000 })
  const held = new Map<string, { id: string; accelerators: number }[]>()
  for (const job of running) {
    const per = (job.spec as StoredSpec).body.acceleratorsPerReplica
    const count = new Map<string, number>()
    for (const n of job.placement ?? []) {
      count.set(n, (count.get(n) ?? 0) + per)
    }
    const id = sees(caller, job.tenant) ? job.id : otherTenant
    for (const [n, accelerators] of count) {
      held.set(n, [...(held.get(n) ?? []), { id, accelerators }])
    }
  }
  const rows = ctx.reconciler.nodeList.map((n) => {
    const s = states.get(n.name)
    return {
      name: n.name,
      family: n.family,
      accelerators: n.accelerators,
      block: n.block,
      pod: n.pod,
      health: s?.health ?? 'healthy',
      adminState: s?.adminState ?? 'active',
      reason: s?.reason ?? '',
      held: held.get(n.name) ?? [],
    }
  })
  return { rows, running, states }
}
