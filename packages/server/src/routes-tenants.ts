import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import type { Tenant } from '@zhisuan/store'
import { requireAdmin, systemTenant } from './auth.js'
import type { ServerContext } from './context.js'
import { quotaWarnings } from './job-admission.js'
import { errorResponses } from './routes-shared.js'
import { Quotas, TenantName, TenantView } from './views.js'

/** A tenant as a create or update answers it: with warnings when a guarantee can never be met. */
const TenantWritten = Type.Object({
  ...TenantView.properties,
  warnings: Type.Optional(
    Type.Array(Type.String(), {
      description: 'a guarantee larger than the whole cluster has in its class, with the numbers',
    }),
  ),
})

/** The tenant, with the warnings its quotas call for (none: no field). */
function written(tenant: Tenant, ctx: ServerContext): Static<typeof TenantWritten> {
  const warnings = quotaWarnings(tenant.quotas, ctx.cluster, ctx.catalog)
  return { ...tenant, ...(warnings.length > 0 ? { warnings } : {}) }
}

/** Registers the tenant routes: create (admin), list, and update quotas (admin). */
export function tenantRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/api/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary:
          'Create a tenant (admin); quotas in SCU per workload class; warnings name a guarantee larger than the cluster',
        body: Type.Object(
          { name: TenantName, quotas: Type.Optional(Quotas) },
          { additionalProperties: false },
        ),
        response: { 201: TenantWritten, ...errorResponses },
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
      return reply.status(201).send(written(tenant, ctx))
    },
  )

  app.get(
    '/api/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Tenants (an admin sees all, others their own)',
        response: { 200: Type.Object({ items: Type.Array(TenantView) }), ...errorResponses },
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
        response: { 200: TenantWritten, ...errorResponses },
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
      return written(tenant, ctx)
    },
  )
}
