import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { requireAdmin } from './auth.js'
import type { ServerContext } from './context.js'
import { errorResponses } from './routes-shared.js'
import { AuditEntryView } from './views.js'

/** Registers the audit log (admin), newest first. */
export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
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
