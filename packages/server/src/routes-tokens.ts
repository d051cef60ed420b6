import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import { newToken, nodeTenant, requireAdmin, systemTenant } from './auth.js'
import type { ServerContext } from './context.js'
import { errorResponses } from './routes-shared.js'

const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('member'),
  Type.Literal('viewer'),
  Type.Literal('node'),
])

/** Registers the token routes, all admin only: issue, list (never the secrets) and revoke. */
export function tokenRoutes(app: FastifyInstance, ctx: ServerContext): void {
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
          ...errorResponses,
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
          ...errorResponses,
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
        response: { 204: Type.Null(), ...errorResponses },
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
}
