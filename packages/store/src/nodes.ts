import { sql, type Kysely } from 'kysely'
import type { NodeHealthState, NodeState } from './records.js'
import type { Database } from './schema.js'

/** Nodes as the control plane sees them: an operator's drain, health, and agents' reports. */
export class NodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes a node's admin state, health and reason (creating the node if new). */
  async setNodeState(state: NodeState): Promise<void> {
    const values = {
      name: state.name,
      admin_state: state.adminState,
      health: state.health,
      reason: state.reason,
      updated_at: state.updatedAt,
    }
    await this.db
      .insertInto('node_states')
      .values(values)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          admin_state: values.admin_state,
          health: values.health,
          reason: values.reason,
          updated_at: values.updated_at,
        }),
      )
      .execute()
  }

  /** Node states, or those changed at or after `since`. */
  async nodeStates(since?: number): Promise<NodeState[]> {
    let query = this.db.selectFrom('node_states').selectAll()
    if (since !== undefined) {
      query = query.where('updated_at', '>=', since)
    }
    const rows = await query.orderBy('name').execute()
    return rows.map((r) => ({
      name: r.name,
      adminState: r.admin_state === 'drained' ? 'drained' : 'active',
      health: r.health === 'failed' ? 'failed' : r.health === 'degraded' ? 'degraded' : 'healthy',
      reason: r.reason,
      updatedAt: r.updated_at,
      agentState:
        r.agent_state === 'reporting'
          ? 'reporting'
          : r.agent_state === 'unreachable'
            ? 'unreachable'
            : 'none',
      lastSeenAt: r.last_seen_at,
    }))
  }

  /**
   * Records an agent's report: the node is seen now, its health is the report's verdict.
   * An operator's drain stays as it is.
   */
  async recordNodeReport(
    name: string,
    report: {
      readonly at: number
      readonly health: NodeHealthState
      readonly reason: string
      readonly body: unknown
    },
  ): Promise<void> {
    const values = {
      name,
      admin_state: 'active',
      health: report.health,
      reason: report.reason,
      updated_at: report.at,
      agent_state: 'reporting',
      last_seen_at: report.at,
      report: JSON.stringify(report.body),
    }
    await this.db
      .insertInto('node_states')
      .values(values)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          health: values.health,
          // an operator's drain keeps its reason; heartbeats do not overwrite it
          reason: sql<string>`case when node_states.admin_state = 'drained' then node_states.reason else ${values.reason} end`,
          updated_at: values.updated_at,
          agent_state: values.agent_state,
          last_seen_at: values.last_seen_at,
          report: values.report,
        }),
      )
      .execute()
  }

  /** Marks reporting nodes not seen since `before` unreachable; returns their names. */
  async markUnreachable(before: number, now: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('node_states')
      .set({ agent_state: 'unreachable', updated_at: now })
      .where('agent_state', '=', 'reporting')
      .where('last_seen_at', '<', before)
      .returning('name')
      .execute()
    return rows.map((r) => r.name).sort()
  }

  /** Agents' last reports by node name. */
  async nodeReports(): Promise<Map<string, { readonly at: number; readonly body: unknown }>> {
    const rows = await this.db
      .selectFrom('node_states')
      .select(['name', 'last_seen_at', 'report'])
      .where('report', 'is not', null)
      .execute()
    return new Map(
      rows.map((r) => [
        r.name,
        { at: r.last_seen_at ?? 0, body: JSON.parse(r.report ?? 'null') as unknown },
      ]),
    )
  }
}
