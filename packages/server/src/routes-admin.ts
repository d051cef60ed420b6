import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import { requireAdmin } from './auth.js'
import type { ServerContext } from './context.js'
import { nodeRows } from './node-rows.js'
import type { NodeReport } from './routes-agent.js'
import { errorResponses, nodeScu, NodeView } from './routes-shared.js'
import { AuditEntryView } from './views.js'

const NodeParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) })

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

export function adminRoutes(app: FastifyInstance, ctx: ServerContext): void {
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

  for (const action of ['drain', 'resume'] as const) {
    app.post(
      `/api/v1/nodes/:name/${action}`,
      {
        schema: {
          tags: ['nodes'],
          summary:
            action === 'drain'
              ? 'Drain a node (admin): no new work; running gangs finish there, or with `evacuate` restart elsewhere from their last checkpoint'
              : 'Return a drained node to service (admin)',
          params: NodeParams,
          ...(action === 'drain'
            ? {
                body: Type.Object(
                  {
                    reason: Type.String({ minLength: 1, maxLength: 512 }),
                    evacuate: Type.Optional(
                      Type.Boolean({
                        description:
                          'Restart the gangs running there elsewhere now (same leaf first), from their last checkpoint; default false: they finish in place',
                      }),
                    ),
                  },
                  { additionalProperties: false },
                ),
              }
            : {}),
          response: { 200: NodeView, ...errorResponses },
        },
      },
      async (request) => {
        const caller = await ctx.auth(request)
        requireAdmin(caller)
        const { name } = request.params as { name: string }
        const node = ctx.reconciler.nodeList.find((n) => n.name === name)
        if (node === undefined) {
          throw new ZhisuanError('not-found', `no node ${name}`)
        }
        const body =
          action === 'drain' ? (request.body as { reason: string; evacuate?: boolean }) : undefined
        const reason = body?.reason ?? ''
        const known = (await ctx.store.nodeStates()).find((n) => n.name === name)
        // the loop tells the backend (Slurm: scontrol) on its next pass, and retries until it has
        await ctx.store.setNodeState({
          name,
          adminState: action === 'drain' ? 'drained' : 'active',
          health: known?.health ?? 'healthy',
          reason,
          updatedAt: ctx.clock(),
        })
        const evacuated = body?.evacuate === true ? await requestEvacuation(ctx, name, reason) : []
        await ctx.audit(caller, `node.${action}`, name, {
          reason,
          ...(body?.evacuate === true ? { evacuate: evacuated } : {}),
        })
        ctx.wake()
        return {
          ...node,
          health: known?.health ?? 'healthy',
          adminState: action === 'drain' ? 'drained' : 'active',
          reason,
          jobs: [],
          agent: { state: known?.agentState ?? 'none', lastSeenAt: known?.lastSeenAt ?? null },
          devices: [],
          scu: nodeScu(ctx, { ...node, devices: [] }),
        }
      },
    )
  }

  app.get(
    '/api/v1/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Accelerator-hours and SCU-hours per tenant, workload class and chip family',
        querystring: Type.Object({
          from: Type.Optional(Type.Number({ description: 'Unix seconds; default 30 days ago' })),
          to: Type.Optional(Type.Number({ description: 'Unix seconds; default now' })),
        }),
        response: {
          200: Type.Object({
            from: Type.Number(),
            to: Type.Number(),
            items: Type.Array(
              Type.Object({
                tenant: Type.String(),
                workloadClass: Type.String(),
                family: Type.String(),
                acceleratorHours: Type.Number(),
                scuHours: Type.Number(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const q = request.query as { from?: number; to?: number }
      const to = q.to ?? ctx.clock()
      const from = q.from ?? to - 30 * 86_400
      if (!(from < to)) {
        throw new ZhisuanError('invalid-input', 'querystring/from: must be before to', {
          issues: [{ path: '/from', message: 'must be before to' }],
        })
      }
      const rows = await ctx.store.usage(from, to)
      return {
        from,
        to,
        items: rows
          .filter((r) => caller.role === 'admin' || r.tenant === caller.tenant)
          .map((r) => ({
            tenant: r.tenant,
            workloadClass: r.workloadClass,
            family: r.family,
            acceleratorHours: r.acceleratorSeconds / 3600,
            scuHours: r.scuSeconds / 3600,
          })),
      }
    },
  )

  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first (admin)',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(AuditEntryView) }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const { limit } = request.query as { limit?: number }
      return { items: await ctx.store.auditLog(limit ?? 100) }
    },
  )
}

/**
 * Asks the reconcile loop to move the gangs running on a drained node: an `evacuate` event on
 * each (the loop's change feed), so the request survives in the store until a pass takes it.
 */
async function requestEvacuation(
  ctx: ServerContext,
  node: string,
  reason: string,
): Promise<string[]> {
  const now = ctx.clock()
  const moved: string[] = []
  let after: string | undefined
  for (;;) {
    const page = await ctx.store.listJobs({
      states: ['running'],
      limit: 1000,
      ...(after === undefined ? {} : { after }),
    })
    for (const job of page) {
      if (job.placement?.includes(node) !== true) {
        continue
      }
      const marked = await ctx.store.transition(job.id, {
        from: ['running'],
        patch: { updated_at: now },
        events: [{ at: now, kind: 'evacuate', detail: { node, reason } }],
      })
      if (marked !== undefined) {
        moved.push(job.id)
      }
    }
    if (page.length < 1000) {
      return moved
    }
    after = page[page.length - 1]?.id
  }
}
