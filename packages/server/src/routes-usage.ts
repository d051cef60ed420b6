import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import type { ServerContext } from './context.js'
import { errorResponses } from './routes-shared.js'

/**
 * Registers the usage report: accelerator-hours and SCU-hours per tenant, workload class and
 * chip family (an admin sees every tenant, others their own).
 */
export function usageRoutes(app: FastifyInstance, ctx: ServerContext): void {
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
        const message = `must be before ?to; got from ${from} ≥ to ${to} (unix seconds)`
        throw new ZhisuanError('invalid-input', `invalid request: ?from: ${message}`, {
          issues: [{ path: '?from', message }],
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
}
