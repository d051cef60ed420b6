import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { requireAdmin, sees } from './auth.js'
import { clusterNow, downsample, startSampler } from './cluster-now.js'
import type { ServerContext } from './context.js'
import type { StoredSpec } from './job-spec.js'
import { nodeRows, otherTenant } from './node-rows.js'
import { ErrorSchema } from './views.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema }

const FamilyNowView = Type.Object({
  family: Type.String(),
  model: Type.String({ description: 'Catalog id of the accelerator' }),
  total: Type.Integer(),
  allocated: Type.Integer(),
  healthy: Type.Integer({
    description: 'On healthy, active nodes: not failed, degraded or drained',
  }),
  scuEach: Type.Number({ description: 'llm-train SCU of one accelerator' }),
  scuTotal: Type.Number(),
  scuAllocated: Type.Number(),
  scuHealthy: Type.Number(),
})

const SampleView = Type.Object({
  at: Type.Number({ description: 'Unix seconds' }),
  total: Type.Number(),
  allocated: Type.Number(),
  healthy: Type.Number(),
  pending: Type.Number(),
  running: Type.Number(),
  scuTotal: Type.Number(),
  scuAllocated: Type.Number(),
})

const TopologyView = Type.Object({
  name: Type.String(),
  design: Type.String(),
  tiers: Type.Integer(),
  planes: Type.Integer(),
  switches: Type.Object({
    leavesPerBlock: Type.Number({ description: 'Leaf switches of one block in one plane' }),
    spinesPerPod: Type.Array(Type.Integer(), { description: 'Spines of each pod in one plane' }),
    core: Type.Integer({ description: 'Core switches in one plane (0 on a 2-tier fabric)' }),
  }),
  nodes: Type.Array(
    Type.Object({
      name: Type.String(),
      family: Type.String(),
      accelerators: Type.Integer(),
      pod: Type.Integer(),
      block: Type.Integer(),
      health: Type.String(),
      adminState: Type.String(),
      reason: Type.String(),
      jobs: Type.Array(
        Type.Object({
          id: Type.String({ description: `A job id, or "${otherTenant}"` }),
          accelerators: Type.Integer(),
        }),
      ),
    }),
  ),
  jobs: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      tenant: Type.String(),
      nodes: Type.Array(Type.String()),
      acceleratorsPerReplica: Type.Integer(),
    }),
    { description: 'The running jobs the caller may see' },
  ),
})

const QuotaUsageView = Type.Object({
  tenant: Type.String(),
  workloadClass: Type.String(),
  guaranteed: Type.Number({ description: 'SCU' }),
  borrowingLimit: Type.Union([Type.Number(), Type.Null()]),
  used: Type.Number({ description: 'SCU running jobs hold now' }),
  borrowed: Type.Number({ description: 'Used SCU above the guarantee' }),
  accelerators: Type.Integer(),
  jobs: Type.Integer(),
})

/** Who am I, the fabric with its accelerators, the overview's series, quota use (console). */
export function clusterRoutes(app: FastifyInstance, ctx: ServerContext, sampleEveryS = 15): void {
  const stop = startSampler(ctx, sampleEveryS, (error) => {
    app.log.warn({ err: error }, 'cluster sample failed')
  })
  app.addHook('onClose', (_instance, done) => {
    stop()
    done()
  })

  app.get(
    '/api/v1/whoami',
    {
      schema: {
        tags: ['tokens'],
        summary: 'The tenant and role of the calling token',
        response: {
          200: Type.Object({ tokenId: Type.String(), tenant: Type.String(), role: Type.String() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      return { tokenId: caller.tokenId, tenant: caller.tenant, role: caller.role }
    },
  )

  app.get(
    '/api/v1/cluster/overview',
    {
      schema: {
        tags: ['cluster'],
        summary:
          'Accelerators by family (counts and SCU), queue length, and utilization samples over a window',
        querystring: Type.Object({
          windowS: Type.Optional(
            Type.Number({ minimum: 60, maximum: 366 * 86_400, default: 86_400 }),
          ),
          points: Type.Optional(Type.Integer({ minimum: 10, maximum: 2000, default: 300 })),
        }),
        response: {
          200: Type.Object({
            at: Type.Number(),
            windowS: Type.Number(),
            families: Type.Array(FamilyNowView),
            queue: Type.Object({ pending: Type.Integer(), running: Type.Integer() }),
            series: Type.Array(SampleView, {
              description: 'Recorded samples in the window (averaged into buckets), then now',
            }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      await ctx.auth(request)
      const q = request.query as { windowS?: number; points?: number }
      const windowS = q.windowS ?? 86_400
      const points = q.points ?? 300
      const { families, sample } = await clusterNow(ctx)
      const from = sample.at - windowS
      const recorded = await ctx.store.samples.range(from, sample.at)
      return {
        at: sample.at,
        windowS,
        families,
        queue: { pending: sample.pending, running: sample.running },
        series: [...downsample(recorded, from, sample.at, points - 1), sample],
      }
    },
  )

  app.get(
    '/api/v1/cluster/topology',
    {
      schema: {
        tags: ['cluster'],
        summary:
          'The fabric (planes, pods of spines, blocks of leaves, nodes) with node states and the jobs holding accelerators; another tenant’s jobs show as other-tenant',
        response: { 200: TopologyView, ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const { rows, running } = await nodeRows(ctx, caller)
      const jobs = running
        .filter((job) => sees(caller, job.tenant))
        .map((job) => ({
          id: job.id,
          name: job.name,
          tenant: job.tenant,
          nodes: [...(job.placement ?? [])],
          acceleratorsPerReplica: (job.spec as StoredSpec).body.acceleratorsPerReplica,
        }))
      const fabric = ctx.cluster.fabric
      const planes = fabric.spec.planes
      return {
        name: ctx.cluster.name,
        design: fabric.spec.design,
        tiers: fabric.spec.tiers,
        planes,
        switches: {
          leavesPerBlock:
            fabric.blocks.length > 0
              ? fabric.switches.leaf.switches / planes / fabric.blocks.length
              : 0,
          spinesPerPod: [...fabric.switches.podSpines],
          core: Math.round(fabric.switches.core.switches / planes),
        },
        nodes: rows.map(({ held, ...n }) => ({ ...n, jobs: held })),
        jobs,
      }
    },
  )

  app.get(
    '/api/v1/quota-usage',
    {
      schema: {
        tags: ['tenants'],
        summary:
          'Guaranteed, borrowed and used SCU per tenant and workload class (admin: every tenant; others: their own)',
        querystring: Type.Object({ tenant: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Object({ items: Type.Array(QuotaUsageView) }), ...errors },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const { tenant } = request.query as { tenant?: string }
      if (tenant === undefined && caller.role !== 'admin') {
        // a member's page is its own tenant; asking for all is an admin's question
        requireAdmin(caller)
      }
      const tenants = (await ctx.store.listTenants()).filter(
        (t) => sees(caller, t.name) && (tenant === undefined || t.name === tenant),
      )
      const held = await ctx.store.samples.held()
      const items = []
      for (const t of tenants) {
        const classes = new Set([
          ...Object.keys(t.quotas),
          ...held.filter((h) => h.tenant === t.name).map((h) => h.workloadClass),
        ])
        for (const workloadClass of [...classes].sort()) {
          const quota = (
            t.quotas as Record<string, { guaranteed: number; borrowingLimit?: number }>
          )[workloadClass]
          const h = held.find((x) => x.tenant === t.name && x.workloadClass === workloadClass)
          const used = Math.round((h?.scu ?? 0) * 100) / 100
          const guaranteed = quota?.guaranteed ?? 0
          items.push({
            tenant: t.name,
            workloadClass,
            guaranteed,
            borrowingLimit: quota?.borrowingLimit ?? null,
            used,
            borrowed: Math.max(0, Math.round((used - guaranteed) * 100) / 100),
            accelerators: h?.accelerators ?? 0,
            jobs: h?.jobs ?? 0,
          })
        }
      }
      return { items }
    },
  )
}
