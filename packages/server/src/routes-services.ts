import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import {
  ServiceSpecSchema,
  ZhisuanError,
  replicaBoundsProblem,
  type ServiceSpec,
} from '@zhisuan/domain'
import type { ServiceRecord } from '@zhisuan/store'
import { requireWriter, sees, type Caller } from './auth.js'
import type { ServerContext } from './context.js'
import {
  admitReplica,
  autoscale,
  planService,
  reconcileService,
  type StoredService,
} from './service-control.js'
import { ErrorSchema } from './views.js'

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) })
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema }

/** A service as the API shows it. */
export const ServiceView = Type.Object({
  name: Type.String(),
  tenant: Type.String(),
  spec: ServiceSpecSchema,
  family: Type.String(),
  tp: Type.Integer(),
  capacityRps: Type.Number({
    description: 'requests/s one replica carries within the SLO (the serving model)',
  }),
  desiredReplicas: Type.Integer(),
  loadRps: Type.Number(),
  replicas: Type.Array(Type.Object({ id: Type.String(), state: Type.String() })),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  warnings: Type.Optional(Type.Array(Type.String())),
})

type Replicas = readonly { readonly id: string; readonly state: string }[]

/** A service as the API shows it; its replicas found in the jobs table unless given. */
async function view(ctx: ServerContext, r: ServiceRecord, given?: Replicas) {
  const s = r.spec as StoredService
  const replicas = given ?? (await ctx.store.services.liveReplicas(r.tenant, r.name))
  return {
    name: r.name,
    tenant: r.tenant,
    spec: s.body,
    family: s.family,
    tp: s.tp,
    capacityRps: s.capacityRps,
    desiredReplicas: r.desired,
    loadRps: r.loadRps,
    replicas: replicas.map((x) => ({ id: x.id, state: x.state })),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }
}

/** A service the caller may see, else 404. */
async function visible(ctx: ServerContext, caller: Caller, name: string): Promise<ServiceRecord> {
  const r = await ctx.store.services.get(name)
  if (r === undefined || !sees(caller, r.tenant)) {
    throw new ZhisuanError('not-found', `no service ${name}`)
  }
  return r
}

/**
 * Writes a service back, then reconciles its replica jobs. The write claims the record first
 * (its version as read), so of two concurrent changes one answers 409 before touching any job.
 */
async function save(ctx: ServerContext, caller: Caller, next: ServiceRecord, version: number) {
  const now = ctx.clock()
  if (!(await ctx.store.services.update({ ...next, updatedAt: now }, version))) {
    throw new ZhisuanError('conflict', `service ${next.name} changed meanwhile; try again`)
  }
  const { record, refused } = await reconcileService(ctx, caller, { ...next, updatedAt: now }, now)
  return {
    record: { ...record, version: version + 1 },
    warnings: refused.map((r) => `a replica was refused: ${r}`),
  }
}

async function answer(
  ctx: ServerContext,
  saved: { record: ServiceRecord; warnings: string[] },
  replicas?: Replicas,
) {
  const v = await view(ctx, saved.record, replicas)
  return saved.warnings.length === 0 ? v : { ...v, warnings: saved.warnings }
}

export function serviceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/api/v1/services',
    {
      schema: {
        tags: ['services'],
        summary:
          'Create a model service: its replicas are sized by the serving model and placed as gangs',
        body: ServiceSpecSchema,
        response: { 201: ServiceView, 409: ErrorSchema, 422: ErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      requireWriter(caller)
      const body = request.body as ServiceSpec
      const tenant = body.tenant ?? caller.tenant
      if (!sees(caller, tenant)) {
        throw new ZhisuanError(
          'forbidden',
          `tenant: a ${caller.tenant} token cannot create services for ${tenant}`,
        )
      }
      const planned = planService(body, ctx.cluster)
      // refused now rather than created without replicas
      await admitReplica(ctx, planned, tenant)
      const now = ctx.clock()
      const record: ServiceRecord = {
        name: body.name,
        tenant,
        spec: planned,
        desired: body.minReplicas,
        loadRps: 0,
        lowSince: null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      }
      if (!(await ctx.store.services.create(record))) {
        throw new ZhisuanError('conflict', `name: a service ${body.name} exists`)
      }
      let saved
      try {
        saved = await save(ctx, caller, record, 0)
      } catch (error) {
        // no half-made service: its replicas go, then its record
        await reconcileService(ctx, caller, { ...record, desired: 0 }, ctx.clock()).catch(
          () => undefined,
        )
        await ctx.store.services.remove(record.name)
        throw error
      }
      await ctx.audit(caller, 'service.create', body.name, {
        tp: planned.tp,
        family: planned.family,
      })
      return reply.status(201).send(await answer(ctx, saved))
    },
  )

  app.get(
    '/api/v1/services',
    {
      schema: {
        tags: ['services'],
        summary: 'List the services the caller may see',
        response: { 200: Type.Object({ services: Type.Array(ServiceView) }), ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const all = await ctx.store.services.list(caller.role === 'admin' ? undefined : caller.tenant)
      return { services: await Promise.all(all.map((r) => view(ctx, r))) }
    },
  )

  app.get(
    '/api/v1/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'One service, its replicas and their states',
        params: NameParams,
        response: { 200: ServiceView, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      return view(ctx, await visible(ctx, caller, (request.params as { name: string }).name))
    },
  )

  app.patch(
    '/api/v1/services/:name',
    {
      schema: {
        tags: ['services'],
        summary:
          'Scale a service: set its replicas now (within min and max) or its bounds; an empty body re-syncs its replica jobs',
        params: NameParams,
        body: Type.Object(
          {
            replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
            minReplicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
            maxReplicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ServiceView, 409: ErrorSchema, 422: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireWriter(caller)
      const r = await visible(ctx, caller, (request.params as { name: string }).name)
      const patch = request.body as {
        replicas?: number
        minReplicas?: number
        maxReplicas?: number
      }
      const s = r.spec as StoredService
      const body = {
        ...s.body,
        minReplicas: patch.minReplicas ?? s.body.minReplicas,
        maxReplicas: patch.maxReplicas ?? s.body.maxReplicas,
      }
      const bounds = replicaBoundsProblem(body)
      if (bounds !== undefined) {
        throw new ZhisuanError('invalid-input', bounds)
      }
      const asked =
        patch.replicas ?? Math.min(body.maxReplicas, Math.max(body.minReplicas, r.desired))
      if (asked < body.minReplicas || asked > body.maxReplicas) {
        throw new ZhisuanError(
          'invalid-input',
          `replicas: ${asked} is outside ${body.minReplicas}..${body.maxReplicas}`,
        )
      }
      const saved = await save(
        ctx,
        caller,
        { ...r, spec: { ...s, body }, desired: asked, lowSince: null },
        r.version,
      )
      await ctx.audit(caller, 'service.scale', r.name, { replicas: asked })
      return answer(ctx, saved)
    },
  )

  app.post(
    '/api/v1/services/:name/load',
    {
      schema: {
        tags: ['services'],
        summary:
          'Report the load a service sees (its gateway, every few seconds); the autoscaler answers',
        params: NameParams,
        body: Type.Object(
          {
            requestsPerS: Type.Number({ minimum: 0, maximum: 1e7 }),
            sloAttainment: Type.Optional(
              Type.Number({
                minimum: 0,
                maximum: 1,
                description:
                  'share of the window’s requests within the SLO, as the gateway measured it',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ServiceView, 409: ErrorSchema, 422: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireWriter(caller)
      const r = await visible(ctx, caller, (request.params as { name: string }).name)
      const { requestsPerS, sloAttainment } = request.body as {
        requestsPerS: number
        sloAttainment?: number
      }
      const now = ctx.clock()
      const saved = await save(ctx, caller, autoscale(r, requestsPerS, now), r.version)
      const replicas = await ctx.store.services.liveReplicas(r.tenant, r.name)
      await ctx.store.services.record(r.name, {
        at: now,
        desired: saved.record.desired,
        running: replicas.filter((j) => j.state === 'running').length,
        loadRps: requestsPerS,
        sloAttainment: sloAttainment ?? null,
      })
      return answer(ctx, saved, replicas)
    },
  )

  app.get(
    '/api/v1/services/:name/samples',
    {
      schema: {
        tags: ['services'],
        summary:
          'A service over time: replicas wanted and running, load and SLO attainment at each load report',
        params: NameParams,
        querystring: Type.Object({
          since: Type.Optional(
            Type.Number({ minimum: 0, description: 'Unix seconds; default: the last 24 hours' }),
          ),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                at: Type.Number(),
                desired: Type.Integer(),
                running: Type.Integer(),
                loadRps: Type.Number(),
                sloAttainment: Type.Union([Type.Number(), Type.Null()]),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const r = await visible(ctx, caller, (request.params as { name: string }).name)
      const since = (request.query as { since?: number }).since ?? ctx.clock() - 86_400
      return { items: await ctx.store.services.samples(r.name, since) }
    },
  )

  app.delete(
    '/api/v1/services/:name',
    {
      schema: {
        tags: ['services'],
        summary:
          'Delete a service: its replicas are cancelled and their accelerators go back to the queue',
        params: NameParams,
        response: { 200: ServiceView, 409: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireWriter(caller)
      const r = await visible(ctx, caller, (request.params as { name: string }).name)
      const gone = await save(ctx, caller, { ...r, desired: 0 }, r.version)
      await ctx.store.services.remove(r.name)
      await ctx.audit(caller, 'service.delete', r.name, {})
      return answer(ctx, gone)
    },
  )
}
