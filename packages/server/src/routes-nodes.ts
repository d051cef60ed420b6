import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { ServerContext } from './context.js'
import { nodeRows } from './node-rows.js'
import type { NodeReport } from './routes-agent.js'
import { errorResponses, nodeScu, NodeView } from './routes-shared.js'

/** The devices of an agent's last report, for the node list. */
function devicesOf(report: unknown): {
  index: number
  model: string
  catalogId: string | null
  driverVersion: string | null
  health: string
}[] {
  const r = report as NodeReport | undefined
  return (r?.inventories ?? []).flatMap((inv) =>
    inv.devices.map((d) => ({
      index: d.index,
      model: d.model,
      catalogId: d.catalogId,
      driverVersion: inv.driverVersion,
      health: d.health.status,
    })),
  )
}

/** Registers the node list: health, drain state, jobs, agent and devices of every node. */
export function nodeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/nodes',
    {
      schema: {
        tags: ['nodes'],
        summary: 'Nodes with their health, drain state and jobs',
        querystring: Type.Object({
          family: Type.Optional(Type.String({ maxLength: 64 })),
          state: Type.Optional(
            Type.Union(
              ['healthy', 'failed', 'drained', 'busy', 'idle'].map((s) => Type.Literal(s)),
            ),
          ),
        }),
        response: { 200: Type.Object({ items: Type.Array(NodeView) }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const q = request.query as { family?: string; state?: string }
      const reports = await ctx.store.nodeReports()
      const { rows, states } = await nodeRows(ctx, caller)
      const items = rows
        .map(({ held, ...n }) => ({
          ...n,
          jobs: held.map((h) => h.id),
          agent: {
            state: states.get(n.name)?.agentState ?? 'none',
            lastSeenAt: states.get(n.name)?.lastSeenAt ?? null,
          },
          devices: devicesOf(reports.get(n.name)?.body),
        }))
        .map((n) => ({ ...n, scu: nodeScu(ctx, n) }))
        .filter((n) => q.family === undefined || n.family === q.family)
        .filter(
          (n) =>
            q.state === undefined ||
            (q.state === 'healthy' && n.health === 'healthy') ||
            (q.state === 'failed' && n.health === 'failed') ||
            (q.state === 'drained' && n.adminState === 'drained') ||
            (q.state === 'busy' && n.jobs.length > 0) ||
            (q.state === 'idle' && n.jobs.length === 0),
        )
      return { items }
    },
  )
}
