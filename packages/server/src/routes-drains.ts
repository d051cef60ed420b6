import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import { requireAdmin } from './auth.js'
import type { ServerContext } from './context.js'
import { errorResponses, nodeScu, NodeView } from './routes-shared.js'

const NodeParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) })

/**
 * Registers the admin routes that drain a node (optionally evacuating its gangs) and return it
 * to service.
 */
export function drainRoutes(app: FastifyInstance, ctx: ServerContext): void {
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
