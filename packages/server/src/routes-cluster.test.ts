import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { downsample, startSampler } from './cluster-now.js'
import type { ServerContext } from './context.js'
import { appFixture, labCluster, type AppFixture } from './testing.js'

interface Answer {
  readonly [field: string]: unknown
  readonly error?: { readonly code: string }
}

describe.each(testDialects().map((d) => [d.name, d] as const))(
  'the console’s cluster API on %s',
  (_name, dialect) => {
    let db: StoreFixture
    let fx: AppFixture
    let alpha: string
    let beta: string
    let viewer: string
    let jobId: string
    const get = async (token: string | undefined, url: string) => {
      const r = await fx.app.inject({
        method: 'GET',
        url,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      })
      return { status: r.statusCode, body: r.json<Answer>() }
    }

    beforeAll(async () => {
      db = await dialect.open()
      fx = await appFixture(db.store)
      const admin = { authorization: `Bearer ${fx.adminToken}` }
      for (const payload of [
        { name: 'alpha', quotas: { 'llm-train': { guaranteed: 10, borrowingLimit: 100 } } },
        { name: 'beta' },
      ]) {
        await fx.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload })
      }
      alpha = await fx.token('alpha', 'member')
      beta = await fx.token('beta', 'member')
      viewer = await fx.token('alpha', 'viewer')
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer ${alpha}` },
        payload: {
          name: 'sft',
          replicas: 2,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 6000 },
        },
      })
      jobId = r.json<{ id: string }>().id
      await fx.reconciler.pass()
    })
    afterAll(async () => {
      await fx.close()
      await db.close()
    })

    it('tells a token its tenant and role, and refuses no token', async () => {
      expect((await get(viewer, '/api/v1/whoami')).body).toMatchObject({
        tenant: 'alpha',
        role: 'viewer',
      })
      expect((await get(fx.adminToken, '/api/v1/whoami')).body).toMatchObject({
        tenant: 'system',
        role: 'admin',
      })
      expect((await get(undefined, '/api/v1/whoami')).status).toBe(401)
    })

    it('shows the fabric with the running job on its nodes to its tenant', async () => {
      const { status, body } = await get(alpha, '/api/v1/cluster/topology')
      expect(status).toBe(200)
      const topo = body as unknown as {
        planes: number
        nodes: { name: string; block: number; jobs: { id: string; accelerators: number }[] }[]
        jobs: { id: string; nodes: string[] }[]
        switches: { leavesPerBlock: number; spinesPerPod: number[] }
      }
      expect(topo.nodes).toHaveLength(8)
      expect(topo.planes).toBe(1)
      expect(topo.switches.leavesPerBlock).toBeGreaterThan(0)
      expect(new Set(topo.nodes.map((n) => n.block))).toEqual(new Set([0, 1]))
      expect(topo.jobs).toEqual([expect.objectContaining({ id: jobId })])
      const holding = topo.nodes.filter((n) => n.jobs.length > 0)
      expect(holding).toHaveLength(2)
      expect(holding.flatMap((n) => n.jobs)).toEqual([
        { id: jobId, accelerators: 8 },
        { id: jobId, accelerators: 8 },
      ])
    })

    it('shows another tenant’s job as other-tenant, never its id', async () => {
      const { body } = await get(beta, '/api/v1/cluster/topology')
      const text = JSON.stringify(body)
      expect(text).not.toContain(jobId)
      expect(text).toContain('other-tenant')
      expect((body as { jobs: unknown[] }).jobs).toEqual([])
    })

    it('answers capacity by family in counts and SCU, the queue, and a series ending now', async () => {
      await fx.store.samples.record({
        at: fx.now() - 600,
        total: 64,
        allocated: 0,
        healthy: 64,
        pending: 0,
        running: 0,
        scuTotal: 1,
        scuAllocated: 0,
      })
      await fx.store.samples.record({
        at: fx.now() - 7200,
        total: 64,
        allocated: 64,
        healthy: 64,
        pending: 9,
        running: 4,
        scuTotal: 1,
        scuAllocated: 1,
      })
      const { status, body } = await get(viewer, '/api/v1/cluster/overview?windowS=3600')
      expect(status).toBe(200)
      const o = body as unknown as {
        families: { family: string; total: number; allocated: number; scuEach: number }[]
        queue: { pending: number; running: number }
        series: { at: number; allocated: number }[]
      }
      expect(o.families).toEqual([
        expect.objectContaining({ family: 'H100', total: 64, allocated: 16, healthy: 64 }),
      ])
      expect(o.families[0]?.scuEach).toBeGreaterThan(1)
      expect(o.queue).toEqual({ pending: 0, running: 1 })
      // the sample two hours ago is outside the hour's window; the app's own sampler (on a real
      // timer) may have recorded one at the fixture's now too, between the two
      const series = o.series.map((s) => [s.at, s.allocated])
      expect(series[0]).toEqual([fx.now() - 600, 0])
      expect(series[series.length - 1]).toEqual([fx.now(), 16])
      expect(series.slice(1, -1)).toEqual(series.slice(1, -1).map(() => [fx.now(), 16]))
      expect((await get(viewer, '/api/v1/cluster/overview?windowS=1')).status).toBe(400)
    })

    it('answers guaranteed, used and borrowed SCU per class: all to an admin, its own to a member', async () => {
      const all = (await get(fx.adminToken, '/api/v1/quota-usage')).body as {
        items: { tenant: string; workloadClass: string; used: number; borrowed: number }[]
      }
      const a = all.items.find((i) => i.tenant === 'alpha')
      expect(a).toMatchObject({ workloadClass: 'llm-train', guaranteed: 10, borrowingLimit: 100 })
      expect(a?.used).toBeGreaterThan(10)
      expect(a?.borrowed).toBeCloseTo((a?.used ?? 0) - 10, 5)
      expect(all.items.some((i) => i.tenant === 'beta')).toBe(false) // no quota, nothing held
      expect((await get(alpha, '/api/v1/quota-usage')).status).toBe(403)
      const own = (await get(beta, '/api/v1/quota-usage?tenant=alpha')).body as { items: [] }
      expect(own.items).toEqual([])
      const mine = (await get(alpha, '/api/v1/quota-usage?tenant=alpha')).body as { items: [] }
      expect(mine.items).toHaveLength(1)
    })

    it('records samples only while leading the loop', async () => {
      const follower = {
        store: fx.store,
        reconciler: { leader: false, nodeList: fx.reconciler.nodeList },
        cluster: labCluster(),
        catalog: defaultCatalog(),
        clock: () => fx.now() + 2,
      } as unknown as ServerContext
      const stopFollower = startSampler(follower, 0.02, (e) => {
        throw e
      })
      await new Promise((r) => setTimeout(r, 200))
      stopFollower()
      expect(await fx.store.samples.range(fx.now() + 2, fx.now() + 2)).toEqual([])
      const ctx = {
        store: fx.store,
        reconciler: fx.reconciler,
        cluster: labCluster(),
        catalog: defaultCatalog(),
        clock: () => fx.now() + 1,
      } as unknown as ServerContext
      const stop = startSampler(ctx, 0.02, (e) => {
        throw e
      })
      await new Promise((r) => setTimeout(r, 200))
      stop()
      const samples = await fx.store.samples.range(fx.now() + 1, fx.now() + 1)
      expect(samples).toEqual([expect.objectContaining({ allocated: 16, total: 64, running: 1 })])
    })

    it('counts a drained healthy node as drained, not unhealthy, apart from a failed one', async () => {
      const topo = (await get(fx.adminToken, '/api/v1/cluster/topology')).body as unknown as {
        nodes: { name: string; jobs: unknown[] }[]
      }
      const [drained, failed] = topo.nodes.filter((n) => n.jobs.length === 0).map((n) => n.name)
      const admin = { authorization: `Bearer ${fx.adminToken}` }
      const drain = await fx.app.inject({
        method: 'POST',
        url: `/api/v1/nodes/${drained ?? ''}/drain`,
        headers: admin,
        payload: { reason: 'swap a NIC' },
      })
      expect(drain.statusCode).toBe(200)
      await fx.twin.failNode(failed ?? '', 'test failure')
      await fx.reconciler.pass()
      const o = (await get(viewer, '/api/v1/cluster/overview?windowS=3600')).body as unknown as {
        families: { healthy: number; drained: number; unhealthy: number; total: number }[]
      }
      expect(o.families).toEqual([
        expect.objectContaining({ total: 64, healthy: 48, drained: 8, unhealthy: 8 }),
      ])
      await fx.app.inject({
        method: 'POST',
        url: `/api/v1/nodes/${drained ?? ''}/resume`,
        headers: admin,
      })
    })

    it('answers accelerators running and pending per tenant: all to an admin, the others summed to a member', async () => {
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer ${alpha}` },
        payload: {
          name: 'over-its-quota-for-now',
          replicas: 4,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 600 },
        },
      })
      expect(r.statusCode, r.body).toBe(201)
      await fx.reconciler.pass()
      const own = { running: { jobs: 1, accelerators: 16 }, pending: { jobs: 1, accelerators: 32 } }
      const all = (await get(fx.adminToken, '/api/v1/cluster/overview?windowS=3600')).body
      expect(all['tenants']).toEqual([{ tenant: 'alpha', ...own }])
      const mine = (await get(alpha, '/api/v1/cluster/overview?windowS=3600')).body
      expect(mine['tenants']).toEqual([{ tenant: 'alpha', ...own }])
      const theirs = (await get(beta, '/api/v1/cluster/overview?windowS=3600')).body
      expect(theirs['tenants']).toEqual([
        {
          tenant: 'beta',
          running: { jobs: 0, accelerators: 0 },
          pending: { jobs: 0, accelerators: 0 },
        },
        { tenant: null, ...own },
      ])
      expect(JSON.stringify(theirs['tenants'])).not.toContain('alpha')
    })
  },
)

describe('downsample', () => {
  const s = (at: number, allocated: number) => ({
    at,
    total: 8,
    allocated,
    healthy: 8,
    pending: 0,
    running: 0,
    scuTotal: 8,
    scuAllocated: allocated,
  })
  it('averages samples into at most the asked number of buckets', () => {
    const samples = Array.from({ length: 100 }, (_, i) => s(i, i % 2 === 0 ? 0 : 8))
    const out = downsample(samples, 0, 100, 10)
    expect(out).toHaveLength(10)
    expect(out.every((x) => x.allocated === 4)).toBe(true)
    expect(downsample(samples.slice(0, 5), 0, 100, 10)).toHaveLength(5)
  })
})
