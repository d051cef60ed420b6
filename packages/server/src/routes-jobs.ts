import { randomBytes } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import { jobStates, type JobRecord } from '@zhisuan/store'
import { requireAdmin, requireWriter, sees, systemTenant, type Caller } from './auth.js'
import type { ServerContext } from './context.js'
import { admitAnyway, admitJob } from './job-admission.js'
import { JobBody, resolveJob } from './job-spec.js'
import { effectiveLimits } from './limits.js'
import { checkpointAdvice } from './routes-checkpoints.js'
import { ErrorSchema, JobView, jobView, twinProgress } from './views.js'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema }

let counter = 0
/** Job ids sort by submission time (pages and the change feed rely on it), then a random tail. */
export function newJobId(now: number): string {
  counter = (counter + 1) % 1296
  const time = Math.floor(now * 1000)
    .toString(36)
    .padStart(9, '0')
  return `job-${time}${counter.toString(36).padStart(2, '0')}${randomBytes(3).toString('hex')}`
}

/** A job the caller may see, else 404 (another tenant's job is not found, not forbidden). */
async function visibleJob(ctx: ServerContext, caller: Caller, id: string): Promise<JobRecord> {
  const job = await ctx.store.getJob(id)
  if (job === undefined || !sees(caller, job.tenant)) {
    throw new ZhisuanError('not-found', `no job ${id}`)
  }
  return job
}

export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job (a gang); an Idempotency-Key header makes retries safe',
        description:
          'A job that can never run on this cluster (no pool of a family it accepts, on its architectures; more replicas than all those nodes hold, healthy or not; a required tier no domain of which holds it) or within its tenant’s quota ceiling (guarantee + borrowing limit) is refused with 422, each reason naming its field. An admin may accept it anyway with `admit=anyway`: it then waits, its reason saying why, and the answer carries `warnings`.',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        }),
        querystring: Type.Object({
          admit: Type.Optional(
            Type.Literal(admitAnyway, {
              description:
                'admin only: accept a job that cannot run on the cluster as it is (for a cluster that will grow)',
            }),
          ),
        }),
        body: JobBody,
        response: { 200: JobView, 201: JobView, ...errors, 422: ErrorSchema },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      requireWriter(caller)
      const anyway = (request.query as { admit?: string }).admit === admitAnyway
      if (anyway) {
        requireAdmin(caller)
      }
      const tenant = await ctx.store.getTenant(caller.tenant)
      // an admin's own jobs (tenant `system`) are the operator's: not limited
      const limits =
        caller.tenant === systemTenant ? undefined : effectiveLimits(tenant, ctx.tenantDefaults)
      if (limits !== undefined) {
        await ctx.metrics.limitedAs('rate', caller.tenant, () => {
          ctx.submitRate.admit(caller.tenant, limits)
        })
      }
      const body = request.body as JobBody
      const spec = resolveJob(body, ctx.cluster, ctx.catalog)
      const warnings = admitJob(
        body,
        spec,
        { name: caller.tenant, quota: tenant?.quotas[spec.workloadClass] },
        ctx.cluster,
        ctx.catalog,
        anyway,
      )
      const now = ctx.clock()
      const key = request.headers['idempotency-key']
      const id = newJobId(now)
      // the job, its `submitted` event and the audit entry: one transaction
      const { job, created } = await ctx.metrics.limitedAs('pending', caller.tenant, () =>
        ctx.store.insertJob(
          {
            id,
            tenant: caller.tenant,
            name: body.name,
            queue: body.queue ?? 'default',
            priority: body.priority ?? 0,
            spec,
            createdAt: now,
            ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
          },
          {
            at: now,
            actor: caller.tokenId,
            tenant: caller.tenant,
            action: 'job.submit',
            target: id,
            detail: {
              name: body.name,
              ...(warnings.length > 0 ? { admittedAnyway: warnings } : {}),
            },
          },
          limits === undefined ? {} : { maxPending: limits.maxPendingJobs },
        ),
      )
      if (created) {
        ctx.wake()
      }
      return reply
        .status(created ? 201 : 200)
        .send({ ...jobView(job), ...(warnings.length > 0 ? { warnings } : {}) })
    },
  )

  app.get(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs (your tenant’s; an admin sees all), oldest first, paginated',
        querystring: Type.Object({
          state: Type.Optional(Type.Union(jobStates.map((s) => Type.Literal(s)))),
          tenant: Type.Optional(Type.String({ maxLength: 64 })),
          queue: Type.Optional(Type.String({ maxLength: 128 })),
          family: Type.Optional(
            Type.String({
              maxLength: 64,
              description: 'placed on this chip family, or not placed yet and asking for it',
            }),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          after: Type.Optional(Type.String({ maxLength: 128 })),
          offset: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 100_000_000,
              description: 'skip this many matching jobs (to open a page far down the list)',
            }),
          ),
          withTotal: Type.Optional(
            Type.Boolean({ description: 'also count the jobs that match (`total`)' }),
          ),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(JobView),
            next: Type.Union([Type.String(), Type.Null()]),
            total: Type.Optional(Type.Integer({ minimum: 0 })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const q = request.query as {
        state?: string
        tenant?: string
        queue?: string
        family?: string
        limit?: number
        after?: string
        offset?: number
        withTotal?: boolean
      }
      // a member asking for another tenant gets an empty page, as if it had no jobs
      const tenant = caller.role === 'admin' ? q.tenant : caller.tenant
      if (q.tenant !== undefined && tenant !== q.tenant) {
        return { items: [], next: null, ...(q.withTotal === true ? { total: 0 } : {}) }
      }
      const limit = q.limit ?? 100
      const filters = {
        ...(tenant === undefined ? {} : { tenant }),
        ...(q.state === undefined ? {} : { states: [q.state] }),
        ...(q.queue === undefined ? {} : { queue: q.queue }),
        ...(q.family === undefined || q.family === '' ? {} : { family: q.family }),
      }
      const [jobs, total] = await Promise.all([
        ctx.store.listJobs({
          ...filters,
          limit,
          ...(q.after === undefined ? {} : { after: q.after }),
          ...(q.offset === undefined ? {} : { offset: q.offset }),
        }),
        q.withTotal === true ? ctx.store.countJobs(filters) : undefined,
      ])
      return {
        items: jobs.map(jobView),
        next: jobs.length === limit ? (jobs[jobs.length - 1]?.id ?? null) : null,
        ...(total === undefined ? {} : { total }),
      }
    },
  )

  app.get(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'One job, with its checkpoint advice and, on the twin, its progress',
        params: IdParams,
        response: { 200: JobView, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const job = await visibleJob(ctx, caller, (request.params as { id: string }).id)
      // the twin's journal holds only live runs: a short read, and none on another backend
      const run =
        job.state === 'running'
          ? (await ctx.store.twinRuns()).find((r) => r.jobId === job.id)
          : undefined
      return {
        ...jobView(job),
        checkpoint: await checkpointAdvice(ctx, job),
        progress: twinProgress(job, run, ctx.clock()),
      }
    },
  )

  app.delete(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a pending or running job',
        params: IdParams,
        response: { 200: JobView, 409: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireWriter(caller)
      const job = await visibleJob(ctx, caller, (request.params as { id: string }).id)
      const now = ctx.clock()
      const cancelled = await ctx.store.transition(job.id, {
        from: ['pending', 'running'],
        patch: { state: 'cancelled', ended_at: now, updated_at: now, message: 'cancelled' },
        events: [{ at: now, kind: 'cancelled', detail: { by: caller.tokenId } }],
        closeAllocationAt: now,
      })
      if (cancelled === undefined) {
        const current = await ctx.store.getJob(job.id)
        throw new ZhisuanError(
          'conflict',
          `job ${job.id} is ${current?.state ?? 'gone'}; only pending or running jobs can be cancelled`,
        )
      }
      await ctx.audit(caller, 'job.cancel', job.id, {})
      ctx.wake()
      return jobView(cancelled)
    },
  )

  app.get(
    '/api/v1/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'What happened to a job, oldest first',
        params: IdParams,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ at: Type.Number(), kind: Type.String(), detail: Type.Unknown() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const job = await visibleJob(ctx, caller, (request.params as { id: string }).id)
      const events = await ctx.store.events(job.id)
      return { items: events.map((e) => ({ at: e.at, kind: e.kind, detail: e.detail })) }
    },
  )

  app.get(
    '/api/v1/jobs/:id/why',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Why a job is in its state: the scheduler’s reason while pending',
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            state: Type.String(),
            reason: Type.Unknown(),
            message: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const job = await visibleJob(ctx, caller, (request.params as { id: string }).id)
      return {
        id: job.id,
        state: job.state,
        reason: job.state === 'pending' ? job.reason : null,
        message: job.message,
      }
    },
  )
}
