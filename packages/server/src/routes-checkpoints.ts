import { randomBytes } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import { dalyInterval, expectedEttr, jobMtbfHours } from '@zhisuan/perf'
import type { CheckpointRecord, JobRecord } from '@zhisuan/store'
import { nodeTenant, requireWriter, sees, type Caller } from './auth.js'
import type { ServerContext } from './context.js'
import type { StoredSpec } from './job-spec.js'
import { CheckpointAdviceView, CheckpointView, ErrorSchema } from './views.js'

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
}
const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
const CpParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  cp: Type.String({ minLength: 1, maxLength: 128 }),
})
const ShardPath = Type.String({ minLength: 1, maxLength: 1024, pattern: '^[^\\u0000]+$' })
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' })

/** The failure rate assumed before the fleet has shown its own: the "industry 0.48" figure. */
export const assumedFailuresPer1000PerDay = 0.48
/** Seconds to restart a gang assumed when none was measured (scheduling, load, warm-up). */
export const assumedRestartS = 600
/** Save time assumed before a job has committed a checkpoint: the one-minute bar. */
export const assumedSaveS = 60

/** A job's checkpoint advice: Young/Daly on its measured save time and the fleet's failure rate. */
export interface CheckpointAdvice {
  readonly recommendedIntervalS: number | null
  readonly expectedEttr: number
  readonly saveSeconds: number
  readonly saveSecondsSource: 'measured' | 'assumed'
  readonly failuresPer1000PerDay: number
  readonly failureRateSource: 'observed' | 'assumed'
  readonly mtbfHours: number | null
  readonly latestCommitted: {
    readonly id: string
    readonly step: number
    readonly committedAt: number | null
  } | null
}

let fleetCache: { at: number; rate: number | null } | undefined

/** Node failures per 1,000 accelerators per day over the last 30 days; null before any was seen. */
async function fleetFailureRate(ctx: ServerContext): Promise<number | null> {
  const now = ctx.clock()
  if (fleetCache !== undefined && now - fleetCache.at < 60) {
    return fleetCache.rate
  }
  const windowS = 30 * 86_400
  const failures = await ctx.store.auditLog(100_000, 'node.failed', now - windowS)
  const accelerators = ctx.reconciler.nodeList.reduce((s, n) => s + n.accelerators, 0)
  const rate =
    failures.length === 0 || accelerators === 0
      ? null
      : (failures.length / accelerators / 30) * 1000
  fleetCache = { at: now, rate }
  return rate
}

/** Checkpoint advice for a job (what `GET /jobs/{id}` and `…/checkpoints/plan` show). */
export async function checkpointAdvice(
  ctx: ServerContext,
  job: JobRecord,
): Promise<CheckpointAdvice> {
  const spec = job.spec as StoredSpec
  const accelerators = spec.replicas * spec.body.acceleratorsPerReplica
  const list = await ctx.store.checkpoints.list(job.id)
  const committed = list.filter((c) => c.state === 'committed' && c.committedAt !== null)
  const saves = committed.slice(0, 5).map((c) => (c.committedAt ?? c.createdAt) - c.createdAt)
  const measured = saves.length > 0 ? saves.reduce((s, x) => s + x, 0) / saves.length : null
  const observed = await fleetFailureRate(ctx)
  const rate = observed ?? assumedFailuresPer1000PerDay
  const mtbfH = jobMtbfHours(rate, accelerators)
  const save = measured ?? assumedSaveS
  const mtbfS = mtbfH * 3600
  const compute = dalyInterval(save, mtbfS)
  const interval = Number.isFinite(compute) ? Math.max(60, compute) + save : null
  const latest = committed[0]
  return {
    recommendedIntervalS: interval === null ? null : Math.round(interval),
    expectedEttr:
      Math.round(
        expectedEttr(save, interval ?? Number.POSITIVE_INFINITY, assumedRestartS, mtbfS) * 1e4,
      ) / 1e4,
    saveSeconds: Math.round(save * 10) / 10,
    saveSecondsSource: measured === null ? 'assumed' : 'measured',
    failuresPer1000PerDay: Math.round(rate * 1e4) / 1e4,
    failureRateSource: observed === null ? 'assumed' : 'observed',
    mtbfHours: Number.isFinite(mtbfH) ? Math.round(mtbfH * 100) / 100 : null,
    latestCommitted:
      latest === undefined
        ? null
        : { id: latest.id, step: latest.step, committedAt: latest.committedAt },
  }
}

/**
 * The job a caller may act on for checkpoints: its tenant's members (viewers read), admins, and
 * the node tokens of the nodes it runs on (the uploader). Others get a 404.
 */
async function jobFor(
  ctx: ServerContext,
  caller: Caller,
  id: string,
  write: boolean,
): Promise<JobRecord> {
  const job = await ctx.store.getJob(id)
  const onItsNode =
    caller.role === 'node' && (job?.placement ?? []).some((n) => nodeTenant(n) === caller.tenant)
  if (job === undefined || !(sees(caller, job.tenant) || onItsNode)) {
    throw new ZhisuanError('not-found', `no job ${id}`)
  }
  if (write && !onItsNode) {
    requireWriter(caller)
  }
  return job
}

const view = (c: CheckpointRecord) => ({
  id: c.id,
  jobId: c.jobId,
  step: c.step,
  state: c.state,
  tag: c.tag,
  createdAt: c.createdAt,
  committedAt: c.committedAt,
  totalBytes: c.totalBytes,
  shards: c.shards.map((s) => ({
    path: s.path,
    size: s.size,
    sha256: s.sha256,
    state: s.state,
    location: s.location,
  })),
})

export function checkpointRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/api/v1/jobs/:id/checkpoints',
    {
      schema: {
        tags: ['checkpoints'],
        summary:
          'Register a checkpoint and the shards it will have (a retry of the same step returns it)',
        params: JobParams,
        body: Type.Object(
          {
            step: Type.Integer({ minimum: 0, maximum: 1e15 }),
            tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            shards: Type.Array(
              Type.Object(
                {
                  path: ShardPath,
                  size: Type.Integer({ minimum: 0 }),
                  sha256: Type.Optional(Sha256),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 100_000 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const caller = await ctx.auth(request)
      const job = await jobFor(ctx, caller, (request.params as { id: string }).id, true)
      const body = request.body as {
        step: number
        tag?: string
        shards: { path: string; size: number; sha256?: string }[]
      }
      const seen = new Map<string, number>()
      for (const [i, shard] of body.shards.entries()) {
        const first = seen.get(shard.path)
        if (first !== undefined) {
          const message = `shard ${i} has the path of shard ${first} ("${shard.path.slice(0, 80)}"); each shard needs its own`
          throw new ZhisuanError(
            'invalid-input',
            `invalid request: /shards/${i}/path: ${message}`,
            {
              issues: [{ path: `/shards/${i}/path`, message }],
            },
          )
        }
        seen.set(shard.path, i)
      }
      const { checkpoint, created } = await ctx.store.checkpoints.register({
        id: `ckpt-${randomBytes(8).toString('hex')}`,
        jobId: job.id,
        step: body.step,
        shards: body.shards,
        ...(body.tag === undefined ? {} : { tag: body.tag }),
        at: ctx.clock(),
      })
      return reply.status(created ? 201 : 200).send(view(checkpoint))
    },
  )

  app.post(
    '/api/v1/jobs/:id/checkpoints/:cp/shards',
    {
      schema: {
        tags: ['checkpoints'],
        summary: 'Report a shard on a tier; the last verified durable shard commits the checkpoint',
        params: CpParams,
        body: Type.Object(
          {
            path: ShardPath,
            size: Type.Integer({ minimum: 0 }),
            sha256: Sha256,
            tier: Type.Union([Type.Literal('local'), Type.Literal('durable')]),
            location: Type.Optional(Type.String({ maxLength: 4096 })),
          },
          { additionalProperties: false },
        ),
        response: { ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const params = request.params as { id: string; cp: string }
      const job = await jobFor(ctx, caller, params.id, true)
      const known = await ctx.store.checkpoints.get(params.cp)
      if (known?.jobId !== job.id) {
        throw new ZhisuanError('not-found', `job ${job.id} has no checkpoint ${params.cp}`)
      }
      const body = request.body as {
        path: string
        size: number
        sha256: string
        tier: 'local' | 'durable'
        location?: string
      }
      const result = await ctx.store.checkpoints.reportShard({
        checkpointId: params.cp,
        path: body.path,
        size: body.size,
        sha256: body.sha256,
        tier: body.tier,
        ...(body.location === undefined ? {} : { location: body.location }),
        at: ctx.clock(),
      })
      let collected: string[] = []
      if (result.checkpoint.state === 'committed' && known.state === 'pending') {
        const retention = (job.spec as StoredSpec).body.checkpoint
        const gone = await ctx.store.checkpoints.collect(job.id, {
          keepLast: retention?.keepLast ?? 3,
          ...(retention?.keepEvery === undefined ? {} : { keepEvery: retention.keepEvery }),
          keepTagged: retention?.keepTagged ?? true,
        })
        collected = gone.map((c) => c.id)
        await ctx.store.transition(job.id, {
          from: ['pending', 'running', 'succeeded', 'failed', 'cancelled'],
          patch: {},
          events: [
            {
              at: ctx.clock(),
              kind: 'checkpoint-committed',
              detail: { checkpoint: params.cp, step: result.checkpoint.step, collected },
            },
          ],
        })
      }
      return { checkpoint: view(result.checkpoint), shard: result.shard, collected }
    },
  )

  app.get(
    '/api/v1/jobs/:id/checkpoints',
    {
      schema: {
        tags: ['checkpoints'],
        summary: "A job's checkpoints, newest first",
        params: JobParams,
        response: { 200: Type.Object({ items: Type.Array(CheckpointView) }), ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const job = await jobFor(ctx, caller, (request.params as { id: string }).id, false)
      return { items: (await ctx.store.checkpoints.list(job.id)).map(view) }
    },
  )

  app.get(
    '/api/v1/jobs/:id/checkpoints/latest',
    {
      schema: {
        tags: ['checkpoints'],
        summary: 'The newest committed checkpoint: what a restart resumes from',
        params: JobParams,
        response: { 200: CheckpointView, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const job = await jobFor(ctx, caller, (request.params as { id: string }).id, false)
      const latest = await ctx.store.checkpoints.latestCommitted(job.id)
      if (latest === undefined) {
        throw new ZhisuanError('not-found', `job ${job.id} has no committed checkpoint`)
      }
      return view(latest)
    },
  )

  app.get(
    '/api/v1/jobs/:id/checkpoints/plan',
    {
      schema: {
        tags: ['checkpoints'],
        summary: 'Recommended checkpoint interval (Young/Daly) and expected ETTR for the job',
        params: JobParams,
        response: { 200: CheckpointAdviceView, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const job = await jobFor(ctx, caller, (request.params as { id: string }).id, false)
      return checkpointAdvice(ctx, job)
    },
  )

  app.delete(
    '/api/v1/jobs/:id/checkpoints/:cp',
    {
      schema: {
        tags: ['checkpoints'],
        summary: 'Delete a checkpoint (never the newest committed one)',
        params: CpParams,
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const params = request.params as { id: string; cp: string }
      const job = await jobFor(ctx, caller, params.id, true)
      const known = await ctx.store.checkpoints.get(params.cp)
      if (known?.jobId !== job.id) {
        throw new ZhisuanError('not-found', `job ${job.id} has no checkpoint ${params.cp}`)
      }
      return view(await ctx.store.checkpoints.remove(params.cp))
    },
  )
}
