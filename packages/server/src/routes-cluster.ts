import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { requireAdmin, sees, type Caller } from './auth.js'
import { clusterNow, downsample, startSampler } from './cluster-now.js'
import type { ServerContext } from './context.js'
import type { StoredSpec } from './job-spec.js'
import { nodeRows, otherTenant } from './node-rows.js'
import { readErrorResponses } from './routes-shared.js'

const FamilyNowView = Type.Object({
  family: Type.String(),
  model: Type.String({ description: 'Catalog id of the accelerator' }),
  total: Type.Integer(),
  allocated: Type.Integer(),
  healthy: Type.Integer({
    description: 'On healthy, active nodes: not failed, degraded or drained',
  }),
  drained: Type.Integer({
    description: 'On healthy nodes an admin drained: they take no new work, but are not broken',
  }),
  unhealthy: Type.Integer({ description: 'On failed or degraded nodes, drained or not' }),
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

const Demand = Type.Object({ jobs: Type.Integer(), accelerators: Type.Integer() })

const TenantDemandView = Type.Object({
  tenant: Type.Union([Type.String(), Type.Null()], {
    description: 'null: every other tenant together (all but an admin see only their own by name)',
  }),
  running: Demand,
  pending: Type.Object(Demand.properties, {
    description: 'Jobs waiting, and the accelerators they ask for',
  }),
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
          ...readErrorResponses,
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
            tenants: Type.Array(TenantDemandView, {
              description:
                'Accelerators running and asked for by pending jobs, per tenant with any (an admin sees every tenant by name; others see their own and the rest together)',
            }),
            series: Type.Array(SampleView, {
              description: 'Recorded samples in the window (averaged into buckets), then now',
            }),
          }),
          ...readErrorResponses,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const q = request.query as { windowS?: number; points?: number }
      const windowS = q.windowS ?? 86_400
      const points = q.points ?? 300
      const { families, sample } = await clusterNow(ctx)
      const states = await nodeStateCounts(ctx)
      const from = sample.at - windowS
      const recorded = await ctx.store.samples.range(from, sample.at)
      return {
        at: sample.at,
        windowS,
        families: families.map((f) => ({
          ...f,
          drained: states.get(f.family)?.drained ?? 0,
          unhealthy: states.get(f.family)?.unhealthy ?? 0,
        })),
        queue: { pending: sample.pending, running: sample.running },
        tenants: await tenantDemand(ctx, caller),
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
        response: { 200: TopologyView, ...readErrorResponses },
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
        response: {
          200: Type.Object({ items: Type.Array(QuotaUsageView) }),
          ...readErrorResponses,
        },
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

/**
 * Accelerators per family on healthy drained nodes and on unhealthy ones: a drain takes a node
 * out of service, it does not make it broken, so the overview counts the two apart.
 */
async function nodeStateCounts(
  ctx: ServerContext,
): Promise<Map<string, { drained: number; unhealthy: number }>> {
  const states = new Map((await ctx.store.nodeStates()).map((n) => [n.name, n]))
  const out = new Map<string, { drained: number; unhealthy: number }>()
  for (const n of ctx.reconciler.nodeList) {
    const s = states.get(n.name)
    const c = out.get(n.family) ?? { drained: 0, unhealthy: 0 }
    if ((s?.health ?? 'healthy') !== 'healthy') {
      c.unhealthy += n.accelerators
    } else if (s?.adminState === 'drained') {
      c.drained += n.accelerators
    }
    out.set(n.family, c)
  }
  return out
}

type TenantDemand = Static<typeof TenantDemandView>

/**
 * Per tenant: running jobs and the accelerators they hold, pending jobs and the accelerators they
 * ask for. An admin sees every tenant with any; others see their own tenant and the rest summed
 * under `tenant: null`, as the map shows another tenant's gangs without their ids.
 */
async function tenantDemand(ctx: ServerContext, caller: Caller): Promise<TenantDemand[]> {
  const rows = new Map<string | null, TenantDemand>()
  const row = (tenant: string) => {
    const key = sees(caller, tenant) ? tenant : null
    let r = rows.get(key)
    if (r === undefined) {
      r = {
        tenant: key,
        running: { jobs: 0, accelerators: 0 },
        pending: { jobs: 0, accelerators: 0 },
      }
      rows.set(key, r)
    }
    return r
  }
  if (caller.role !== 'admin') {
    row(caller.tenant)
  }
  for (const h of await ctx.store.samples.held()) {
    const r = row(h.tenant)
    r.running.jobs += h.jobs
    r.running.accelerators += h.accelerators
  }
  // the queue the reconcile loop holds too; read whole, as the map reads the running jobs
  for (const job of await ctx.store.listJobs({ states: ['pending'], limit: 1_000_000 })) {
    const spec = job.spec as StoredSpec
    const r = row(job.tenant)
    r.pending.jobs += 1
    r.pending.accelerators += spec.replicas * spec.body.acceleratorsPerReplica
  }
  // by name, and the other tenants summed last
  return [...rows.values()].sort((a, b) =>
    a.tenant === null ? 1 : b.tenant === null ? -1 : a.tenant.localeCompare(b.tenant),
  )
}
