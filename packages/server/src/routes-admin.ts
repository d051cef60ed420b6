import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import { standardComputeUnits } from '@zhisuan/perf'
import type { Tenant } from '@zhisuan/store'
import { newToken, nodeTenant, requireAdmin, systemTenant } from './auth.js'
import type { ServerContext } from './context.js'
import { nodeRows } from './node-rows.js'
import type { NodeReport } from './routes-agent.js'
import { AuditEntryView, ErrorSchema, Quotas, TenantName, TenantView } from './views.js'

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
}
const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('member'),
  Type.Literal('viewer'),
  Type.Literal('node'),
])
const NodeView = Type.Object({
  name: Type.String(),
  family: Type.String(),
  accelerators: Type.Integer(),
  block: Type.Integer({ description: 'Leaf block (rail block) of the fabric' }),
  pod: Type.Integer({ description: 'Spine pod of the fabric' }),
  health: Type.String(),
  adminState: Type.String(),
  reason: Type.String(),
  jobs: Type.Array(Type.String()),
  scu: Type.Number({
    description:
      "llm-train standard compute units: of the devices the agent reported, else of the cluster file's pool",
  }),
  agent: Type.Object({
    state: Type.String({ description: 'none, reporting or unreachable' }),
    lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
  }),
  devices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      model: Type.String(),
      catalogId: Type.Union([Type.String(), Type.Null()]),
      driverVersion: Type.Union([Type.String(), Type.Null()]),
      health: Type.String(),
    }),
    { description: "What the node's agent last reported" },
  ),
})
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

const scuCache = new Map<string, number>()

/** A node's llm-train SCU: its reported devices' catalog entries, else its pool's chips. */
function nodeScu(
  ctx: ServerContext,
  n: { family: string; accelerators: number; devices: readonly { catalogId: string | null }[] },
): number {
  const of = (id: string) => {
    let v = scuCache.get(id)
    if (v === undefined) {
      const a = ctx.catalog.accelerators.find((x) => x.id === id)
      v = a === undefined ? 0 : standardComputeUnits(ctx.catalog, a)['llm-train']
      scuCache.set(id, v)
    }
    return v
  }
  if (n.devices.length > 0) {
    return (
      Math.round(
        n.devices.reduce((s, d) => s + (d.catalogId === null ? 0 : of(d.catalogId)), 0) * 100,
      ) / 100
    )
  }
  const pool = ctx.cluster.pools.find((p) => p.accelerator.family === n.family)
  return pool === undefined ? 0 : Math.round(of(pool.accelerator.id) * n.accelerators * 100) / 100
}

export function adminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/api/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant (admin); quotas in SCU per workload class',
        body: Type.Object(
          { name: TenantName, quotas: Type.Optional(Quotas) },
          { additionalProperties: false },
        ),
        response: { 201: TenantView, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const body = request.body as { name: string; quotas?: Tenant['quotas'] }
      if (body.name === systemTenant) {
        throw new ZhisuanError('conflict', `tenant ${systemTenant} is reserved for admin tokens`)
      }
      const tenant = await ctx.store.createTenant(
        { name: body.name, quotas: body.quotas ?? {} },
        ctx.clock(),
      )
      await ctx.audit(caller, 'tenant.create', tenant.name, { quotas: tenant.quotas })
      ctx.wake()
      return reply.status(201).send(tenant)
    },
  )

  app.get(
    '/api/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Tenants (an admin sees all, others their own)',
        response: { 200: Type.Object({ items: Type.Array(TenantView) }), ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const all = await ctx.store.listTenants()
      return {
        items: caller.role === 'admin' ? all : all.filter((t) => t.name === caller.tenant),
      }
    },
  )

  app.patch(
    '/api/v1/tenants/:name',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Update a tenant’s quotas (admin)',
        params: Type.Object({ name: TenantName }),
        body: Type.Object({ quotas: Quotas }, { additionalProperties: false }),
        response: { 200: TenantView, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const { name } = request.params as { name: string }
      const { quotas } = request.body as { quotas: Tenant['quotas'] }
      const tenant = await ctx.store.updateTenant({ name, quotas }, ctx.clock())
      await ctx.audit(caller, 'tenant.update', name, { quotas })
      ctx.wake()
      return tenant
    },
  )

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary:
          'Issue a token (admin); the token is in this answer only. A `node` token names its node in `tenant` and may only report for it.',
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 128 }),
            role: Role,
            label: Type.Optional(Type.String({ maxLength: 128 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            token: Type.String(),
            id: Type.String(),
            tenant: Type.String(),
            role: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const body = request.body as {
        tenant: string
        role: 'admin' | 'member' | 'viewer' | 'node'
        label?: string
      }
      if (body.role === 'node') {
        if (!ctx.reconciler.nodeList.some((n) => n.name === body.tenant)) {
          throw new ZhisuanError('not-found', `no node ${body.tenant}`, {
            issues: [{ path: '/tenant', message: 'a node token names its node here' }],
          })
        }
        body.tenant = nodeTenant(body.tenant)
      } else if (
        body.tenant !== systemTenant &&
        (await ctx.store.getTenant(body.tenant)) === undefined
      ) {
        throw new ZhisuanError('not-found', `no tenant ${body.tenant}`, {
          issues: [{ path: '/tenant', message: 'create the tenant first' }],
        })
      }
      const t = newToken()
      await ctx.store.createToken({
        id: t.id,
        hash: t.hash,
        tenant: body.tenant,
        role: body.role,
        label: body.label ?? '',
        createdAt: ctx.clock(),
      })
      await ctx.audit(caller, 'token.issue', t.id, { tenant: body.tenant, role: body.role })
      return reply
        .status(201)
        .send({ token: t.token, id: t.id, tenant: body.tenant, role: body.role })
    },
  )

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Tokens (admin): ids, tenants, roles — never the tokens',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                tenant: Type.String(),
                role: Type.String(),
                label: Type.String(),
                createdAt: Type.Number(),
                revokedAt: Type.Union([Type.Number(), Type.Null()]),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      return { items: await ctx.store.listTokens() }
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token (admin)',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const { id } = request.params as { id: string }
      if (!(await ctx.store.revokeToken(id, ctx.clock()))) {
        throw new ZhisuanError('not-found', `no live token ${id}`)
      }
      ctx.tokens.forget(id)
      await ctx.audit(caller, 'token.revoke', id, {})
      return reply.status(204).send()
    },
  )

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
        response: { 200: Type.Object({ items: Type.Array(NodeView) }), ...errors },
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
          response: { 200: NodeView, ...errors },
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
          ...errors,
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
        response: { 200: Type.Object({ items: Type.Array(AuditEntryView) }), ...errors },
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
