import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import type { Tenant, TenantLimits } from '@zhisuan/store'
import { requireAdmin, systemTenant } from './auth.js'
import type { ServerContext } from './context.js'
import { quotaWarnings } from './job-admission.js'
import { errorResponses } from './routes-shared.js'
import { effectiveLimits } from './limits.js'
import { Limits, Quotas, TenantName, TenantView } from './views.js'

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
  return { ...viewed(tenant, ctx), ...(warnings.length > 0 ? { warnings } : {}) }
}

/** A tenant as the API shows it: with the limits that hold for it. */
function viewed(tenant: Tenant, ctx: ServerContext): Static<typeof TenantView> {
  return {
    name: tenant.name,
    quotas: tenant.quotas,
    limits: effectiveLimits(tenant, ctx.tenantDefaults),
  }
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
          { name: TenantName, quotas: Type.Optional(Quotas), limits: Type.Optional(Limits) },
          { additionalProperties: false },
        ),
        response: { 201: TenantWritten, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const body = request.body as {
        name: string
        quotas?: Tenant['quotas']
        limits?: TenantLimits
      }
      if (body.name === systemTenant) {
        throw new ZhisuanError('conflict', `tenant ${systemTenant} is reserved for admin tokens`)
      }
      const tenant = await ctx.store.createTenant(
        {
          name: body.name,
          quotas: body.quotas ?? {},
          ...(body.limits === undefined ? {} : { limits: body.limits }),
        },
        ctx.clock(),
      )
      await ctx.audit(caller, 'tenant.create', tenant.name, {
        quotas: tenant.quotas,
        ...(body.limits === undefined ? {} : { limits: body.limits }),
      })
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
        items: (caller.role === 'admin' ? all : all.filter((t) => t.name === caller.tenant)).map(
          (t) => viewed(t, ctx),
        ),
      }
    },
  )

  app.patch(
    '/api/v1/tenants/:name',
    {
      schema: {
        tags: ['tenants'],
        summary:
          'Update a tenant’s quotas or limits (admin); `limits` replaces its own limits, those left out back to the defaults',
        params: Type.Object({ name: TenantName }),
        body: Type.Object(
          { quotas: Type.Optional(Quotas), limits: Type.Optional(Limits) },
          { additionalProperties: false },
        ),
        response: { 200: TenantWritten, ...errorResponses },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const { name } = request.params as { name: string }
      const body = request.body as { quotas?: Tenant['quotas']; limits?: TenantLimits }
      const before = await ctx.store.getTenant(name)
      if (before === undefined) {
        throw new ZhisuanError('not-found', `no tenant ${name}`)
      }
      const limits = body.limits ?? before.limits
      const tenant = await ctx.store.updateTenant(
        {
          name,
          quotas: body.quotas ?? before.quotas,
          ...(limits === undefined ? {} : { limits }),
        },
        ctx.clock(),
      )
      await ctx.audit(caller, 'tenant.update', name, { ...body })
      ctx.wake()
      return written(tenant, ctx)
    },
  )
}
