import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type } from '@sinclair/typebox'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify'
import { sql } from 'kysely'
import { ZhisuanError, type Catalog, type Cluster, type ExecutionBackend } from '@zhisuan/domain'
import type { Store, TenantLimits } from '@zhisuan/store'
import { authenticate, TokenCache, type Caller } from './auth.js'
import { familyCapacity } from './cluster-now.js'
import type { ServerContext } from './context.js'
import { installErrorHandler, retryAfterS } from './errors.js'
import { AuthFailures, defaultTenantLimits, SubmitRate, type AuthFailureLimits } from './limits.js'
import { Metrics } from './metrics.js'
import type { ReconcileLoop } from './reconcile-loop.js'
import { Reconciler, type ReconcilerOptions } from './reconciler.js'
import { agentRoutes } from './routes-agent.js'
import { auditRoutes } from './routes-audit.js'
import { checkpointRoutes } from './routes-checkpoints.js'
import { clusterRoutes } from './routes-cluster.js'
import { drainRoutes } from './routes-drains.js'
import { fabricRoutes } from './routes-fabric.js'
import { fabricEpisodeRoutes } from './routes-fabric-episodes.js'
import { serveConsole } from './console-static.js'
import { jobRoutes } from './routes-jobs.js'
import { nodeRoutes } from './routes-nodes.js'
import { serviceRoutes } from './routes-services.js'
import { tenantRoutes } from './routes-tenants.js'
import { tokenRoutes } from './routes-tokens.js'
import { securityHeaders, setSecurityHeaders, withRedaction } from './security-headers.js'
import { fieldPath } from './validation-words.js'
import {
  answerClientError,
  installStrictInput,
  maxUrlBytes,
  strictSchemaController,
  uriTooLong,
} from './strict-input.js'
import { usageRoutes } from './routes-usage.js'
import { ErrorSchema, SummaryView } from './views.js'

/** Makes a reconcile loop that runs elsewhere (a worker thread), logging through the app. */
export type LoopFactory = (log: ReconcilerOptions['log']) => ReconcileLoop

export interface AppOptions {
  readonly store: Store
  /** Runs the reconcile loop in this thread over this backend (tests drive its `pass()`)… */
  readonly backend?: ExecutionBackend
  /** …or the loop this makes runs it (`zhisuan up`: a worker thread with its own backend). */
  readonly loop?: LoopFactory
  readonly cluster: Cluster
  readonly catalog: Catalog
  /** Unix seconds; default the wall clock. */
  readonly clock?: () => number
  /** This process's name for the reconcile lease; default host:pid. */
  readonly holder?: string
  readonly tickMs?: number
  readonly leaseTtlS?: number
  readonly logger?: FastifyServerOptions['logger']
  /** The built web console to serve at `/` (its `dist`); none when undefined. */
  readonly consoleDir?: string
  /** The twin's cluster model (restart delay, checkpoint stall); see `ReconcilerOptions`. */
  readonly lifecycle?: ReconcilerOptions['lifecycle']
  /** Limits of tenants that set none, and of failed token lookups (`limits.ts` has the defaults). */
  readonly limits?: {
    readonly tenant?: TenantLimits
    readonly authFailures?: AuthFailureLimits
  }
}

/** The control plane's HTTP app and its reconcile loop (not started: call `reconciler.start()`). */
export async function buildApp(
  options: AppOptions & { readonly backend: ExecutionBackend },
): Promise<{ app: FastifyInstance; reconciler: Reconciler; context: ServerContext }>
export async function buildApp(
  options: AppOptions & { readonly loop: LoopFactory },
): Promise<{ app: FastifyInstance; reconciler: ReconcileLoop; context: ServerContext }>
export async function buildApp(
  options: AppOptions,
): Promise<{ app: FastifyInstance; reconciler: ReconcileLoop; context: ServerContext }> {
  const clock = options.clock ?? (() => Date.now() / 1000)
  const app = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: 1024 * 1024,
    // path parameters are bounded by their schemas (≤ 1,024), not cut off by the router first
    routerOptions: { maxParamLength: 2048 },
    // every problem at once, with the schema and value of each, for answers in words (errors.ts).
    // The body limit above bounds what that costs: a 1 MiB body built to fail 300,000 times is
    // answered in about 130 ms and 100 MB (40 ms and 16 MB stopping at the first error); errors.ts
    // puts only the first few into words, and Fastify's own message, which would join them all, is
    // not built (our handler never reads it)
    schemaErrorFormatter: () => new Error('the request does not match its schema'),
    // bodies are checked as sent, never coerced; the query string and path are read from text
    schemaController: strictSchemaController,
    // a request line and headers over Node's 16 KiB answer in our shape too (431)
    clientErrorHandler: answerClientError,
    // errors Fastify raises before routing (a malformed %-escape) answer in our shape too
    frameworkErrors: (error, request, reply) => {
      // the reply's generic type here knows no status codes; it is a plain reply all the same
      const plain = reply as unknown as FastifyReply
      // these answers skip every hook: the security headers are set here
      setSecurityHeaders(request, plain.type('application/json; charset=utf-8'))
      // a URL too long for the router (a path parameter over 2,048) is the 414 a long URL gets,
      // and the message does not echo the URL back whole
      if (request.url.length > maxUrlBytes) {
        void plain.code(414).send(uriTooLong(request.url))
        return
      }
      const message = error.message.length > 300 ? `${error.message.slice(0, 300)}…` : error.message
      void plain.code(400).send({ error: { code: 'invalid-input', message, details: [] } })
    },
  })
  installErrorHandler(app)
  installStrictInput(app)
  rejectNonFinite(app)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Zhisuan control plane',
        version: '0.1.0',
        description:
          'Jobs, tenants, tokens, nodes, usage and cluster state of a Zhisuan control plane.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  })
  securityHeaders(app)
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.addSchema(ErrorSchema)

  const log: ReconcilerOptions['log'] = (level, message, detail) => {
    app.log[level](detail ?? {}, message)
  }
  let reconciler: ReconcileLoop
  if (options.loop !== undefined) {
    reconciler = options.loop(log)
  } else if (options.backend !== undefined) {
    reconciler = new Reconciler({
      store: options.store,
      backend: options.backend,
      cluster: options.cluster,
      catalog: options.catalog,
      clock,
      holder: options.holder ?? defaultHolder(),
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.leaseTtlS === undefined ? {} : { leaseTtlS: options.leaseTtlS }),
      ...(options.lifecycle === undefined ? {} : { lifecycle: options.lifecycle }),
      log,
    })
  } else {
    throw new ZhisuanError('invalid-input', 'buildApp: give a backend or a loop')
  }
  const metrics = new Metrics(options.store, reconciler.nodeList)
  reconciler.observe(metrics)
  const tokens = new TokenCache(options.store)
  metrics.watchTokens(tokens)
  const authFailures = new AuthFailures(options.limits?.authFailures)
  const context: ServerContext = {
    store: options.store,
    cluster: options.cluster,
    catalog: options.catalog,
    reconciler,
    metrics,
    tokens,
    submitRate: new SubmitRate(),
    tenantDefaults: { ...defaultTenantLimits, ...options.limits?.tenant },
    clock,
    auth: (request) =>
      metrics.limitedAs('auth', '', () => authenticate(request, tokens, authFailures)),
    async audit(caller: Caller, action, target, detail) {
      await options.store.audit({
        at: clock(),
        actor: caller.tokenId,
        tenant: caller.tenant,
        action,
        target,
        detail,
      })
    },
    wake: () => {
      reconciler.wake()
    },
  }

  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
  })

  app.get('/healthz', { schema: { hide: true } }, () => ({ ok: true }))
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(options.store.db)
      return { ok: true, leader: reconciler.leader }
    } catch (error) {
      return reply
        .status(503)
        .header('retry-after', String(retryAfterS))
        .send({
          error: {
            code: 'unavailable',
            message: `store unreachable: ${String(error)}`,
            details: [],
          },
        })
    }
  })
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())

  jobRoutes(app, context)
  serviceRoutes(app, context)
  tenantRoutes(app, context)
  tokenRoutes(app, context)
  nodeRoutes(app, context)
  drainRoutes(app, context)
  usageRoutes(app, context)
  auditRoutes(app, context)
  agentRoutes(app, context)
  checkpointRoutes(app, context)
  summaryRoute(app, context)
  clusterRoutes(app, context)
  fabricRoutes(app, context)
  fabricEpisodeRoutes(app, context)
  await serveConsole(app, options.consoleDir)
  return { app, reconciler, context }
}

/**
 * Refuses numbers that are not finite anywhere in a body or query string: JSON reads `1e400` as
 * Infinity, and the validator's coercion turns the strings "Infinity" and "1e400" into it too,
 * and then skips `minimum`/`maximum` (ajv-validator/ajv#2212) — so nothing non-finite reaches a
 * handler, a row or a reply.
 */
function rejectNonFinite(app: FastifyInstance): void {
  const find = (value: unknown, at: readonly string[]): string[] | undefined => {
    if (typeof value === 'number') {
      return Number.isFinite(value) ? undefined : [...at]
    }
    if (at.length > 32 || value === null || typeof value !== 'object') {
      return undefined
    }
    for (const [k, v] of Object.entries(value)) {
      const hit = find(v, [...at, k])
      if (hit !== undefined) {
        return hit
      }
    }
    return undefined
  }
  app.addHook('preHandler', (request, _reply, done) => {
    // paths as the validation errors give them: /a/b in the body, ?name in the query string
    const inBody = find(request.body, [])
    const inQuery = inBody === undefined ? find(request.query, []) : undefined
    const where =
      inBody !== undefined
        ? fieldPath('body', inBody)
        : inQuery === undefined
          ? undefined
          : fieldPath('querystring', inQuery)
    const message = 'must be a finite number'
    done(
      where === undefined
        ? undefined
        : new ZhisuanError('invalid-input', `invalid request: ${where}: ${message}`, {
            issues: [{ path: where, message }],
          }),
    )
  })
}

function summaryRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/cluster/summary',
    {
      schema: {
        tags: ['cluster'],
        summary: 'Accelerators by family, utilization, failure rate, ETTR of running jobs',
        querystring: Type.Object({
          windowS: Type.Optional(
            Type.Number({ minimum: 60, maximum: 366 * 86_400, default: 7 * 86_400 }),
          ),
        }),
        response: { 200: SummaryView, 400: ErrorSchema, 401: ErrorSchema },
      },
    },
    async (request) => {
      await ctx.auth(request)
      const windowS = (request.query as { windowS?: number }).windowS ?? 7 * 86_400
      const now = ctx.clock()
      const families = await familyCapacity(ctx)
      const total = [...families.values()].reduce((s, f) => s + f.total, 0)
      const busy = [...families.values()].reduce((s, f) => s + f.allocated, 0)
      const failures = await ctx.store.auditLog(100_000, 'node.failed', now - windowS)
      const running = await ctx.store.listJobs({ states: ['running'], limit: 100_000 })
      let held = 0
      let lost = 0
      for (const job of running) {
        const accelerators =
          (job.placement?.length ?? 0) *
          (job.spec as { body: { acceleratorsPerReplica: number } }).body.acceleratorsPerReplica
        held += accelerators * Math.max(0, now - (job.startedAt ?? now))
        lost += job.lostS
      }
      return {
        accelerators: {
          total,
          allocated: busy,
          byFamily: Object.fromEntries(families),
        },
        utilization: total > 0 ? busy / total : 0,
        failures: {
          windowS,
          count: failures.length,
          per1000AcceleratorDays:
            total > 0 ? (failures.length / total / (windowS / 86_400)) * 1000 : 0,
        },
        runningJobs: running.length,
        ettrRunning: held > 0 ? Math.max(0, 1 - lost / held) : 1,
      }
    },
  )
}

/** This process, as the reconcile lease names it: host, pid and a random suffix. */
export function defaultHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
}
