import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { degradedLeaves, expectedSlowdown, leafHealth } from './routes-fabric.js'
import { memoryAppFixture, type AppFixture } from './testing.js'

// A lab of 60 H100 nodes on a 2-tier rail fabric: three leaves (blocks) of 20 nodes.
const lab60 = () =>
  parseClusterFile(
    'lab-60.yaml',
    `schemaVersion: 1
name: lab-60
pools:
  - { name: h100, count: 60, accelerator: nvidia-h100-sxm-80gb, scaleUp: nvswitch-8, cpu: intel-sapphire-rapids, memoryGB: 2048, nvmeTB: 30 }
fabric: { design: rail-optimized, tiers: 2, switchRadix: 64, nodesPerBlock: 20, oversubscription: { leaf: 1 }, nic: { count: 8, gbps: 400 } }
storage: []
`,
    defaultCatalog(),
  )

interface Leaf {
  id: string
  state: string
  reason: string
  lossRate: number
  congestion: number
  nodes: string[]
  gangsAffected: { job: string; nodes: number; expectedSlowdown: number | null }[]
}

describe('degraded leaves on the twin, end to end', () => {
  let fx: AppFixture
  let member: string
  const as = (token: string) => ({ authorization: `Bearer ${token}` })
  const fabric = async () => {
    const r = await fx.app.inject({ method: 'GET', url: '/api/v1/fabric', headers: as(member) })
    expect(r.statusCode).toBe(200)
    return r.json<{ items: Leaf[] }>().items
  }
  const submit = async (name: string, replicas: number) => {
    const r = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: as(member),
      payload: {
        name,
        replicas,
        acceleratorsPerReplica: 8,
        chip: { family: 'H100' },
        twin: { durationS: 6000 },
      },
    })
    expect(r.statusCode).toBe(201)
    return r.json<{ id: string }>().id
  }
  const job = async (id: string) =>
    (await fx.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: as(member) })).json<{
      state: string
      nodes: string[] | null
    }>()
  const why = async (id: string) =>
    (
      await fx.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}/why`, headers: as(member) })
    ).json<{ state: string; message: string }>()

  beforeAll(async () => {
    fx = await memoryAppFixture(lab60())
    await fx.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: as(fx.adminToken),
      payload: { name: 'alpha' },
    })
    member = await fx.token('alpha', 'member')
  })
  afterAll(async () => {
    await fx.close()
  })

  it('shows every leaf healthy before any report', async () => {
    const leaves = await fabric()
    expect(leaves.map((l) => [l.id, l.state, l.nodes.length])).toEqual([
      ['block-0', 'healthy', 20],
      ['block-1', 'healthy', 20],
      ['block-2', 'healthy', 20],
    ])
  })

  it('places a new 16-node gang off a degraded leaf, and says so', async () => {
    // a small gang first: best fit puts it on leaf block-0
    const small = await submit('small', 2)
    await fx.reconciler.pass()
    const leaves = await fabric()
    const block0 = leaves[0]?.nodes ?? []
    expect((await job(small)).nodes?.every((n) => block0.includes(n))).toBe(true)

    // a port of block-0's last node loses packets: the leaf is degraded
    const sick = block0[block0.length - 1] ?? ''
    const report = await fx.report(sick, {
      agentVersion: '0.1.0',
      inventories: [],
      network: {
        ports: [
          {
            device: 'mlx5_0',
            port: 1,
            linkLayer: 'RoCE',
            rateGbps: 400,
            health: 'healthy',
            reason: '',
          },
          {
            device: 'mlx5_3',
            port: 1,
            linkLayer: 'RoCE',
            rateGbps: 400,
            health: 'degraded',
            reason: 'packet loss 0.1% (out-of-sequence NAKs)',
            kind: 'loss',
          },
        ],
        warnings: [],
      },
    })
    expect(report.statusCode).toBeLessThan(300)
    await fx.reconciler.pass()
    const after = await fabric()
    expect(after[0]).toMatchObject({ id: 'block-0', state: 'degraded', lossRate: 0.001 })
    expect(after[0]?.reason).toMatch(/mlx5_3\/1 degraded: packet loss 0\.1%/)
    expect(after[1]?.state).toBe('healthy')
    // the running small gang is shown with its expected slowdown from the loss model
    expect(after[0]?.gangsAffected).toEqual([
      { job: small, nodes: 2, expectedSlowdown: expectedSlowdown(2, 0.001) },
    ])
    expect(after[0]?.gangsAffected[0]?.expectedSlowdown).toBeGreaterThan(1.1)

    // block-0 still has 17 free healthy nodes, the tightest fit for 16: without the degraded
    // leaf the gang would go there; it goes to block-1 instead
    const big = await submit('big', 16)
    await fx.reconciler.pass()
    const placed = await job(big)
    expect(placed.state).toBe('running')
    expect(placed.nodes).toHaveLength(16)
    expect(placed.nodes?.some((n) => block0.includes(n))).toBe(false)
    expect(placed.nodes?.every((n) => after[1]?.nodes.includes(n))).toBe(true)
    const w = await why(big)
    expect(w.message).toMatch(/leaf block-0 degraded \(.*mlx5_3.*\): placing elsewhere/)
    const last = await fabric()
    expect(last[1]?.gangsAffected).toEqual([{ job: big, nodes: 16, expectedSlowdown: 1 }])
  })

  it('models the slowdown: none on one node, more with more loss, none at all for a port down', () => {
    expect(expectedSlowdown(1, 0.01)).toBe(1)
    expect(expectedSlowdown(16, 0)).toBe(1)
    expect(expectedSlowdown(16, 0.01)).toBeGreaterThan(expectedSlowdown(16, 0.001) ?? 0)
    expect(expectedSlowdown(16, 1)).toBeNull()
  })

  it('derives leaf states by the rule: any bad port degrades, every node failed fails', () => {
    const cluster = lab60()
    const port = (health: string, reason = '', kind?: string) => ({
      device: 'mlx5_1',
      port: 1,
      health,
      reason,
      ...(kind === undefined ? {} : { kind }),
    })
    const reports = new Map<string, { body: unknown }>()
    const names = leafHealth(cluster, reports).map((l) => l.nodes)
    // leaf 0: one congested port among two reported; leaf 1: every node's port down
    reports.set(names[0]?.[0] ?? '', {
      body: {
        network: { ports: [port('degraded', 'ECN marks 3%', 'congestion'), port('healthy')] },
      },
    })
    for (const n of names[1] ?? []) {
      reports.set(n, { body: { network: { ports: [port('failed', 'port down')] } } })
    }
    // junk is ignored
    reports.set(names[2]?.[0] ?? '', { body: { network: { ports: [{ health: 1 }, null] } } })
    const leaves = leafHealth(cluster, reports)
    expect(leaves.map((l) => l.state)).toEqual(['degraded', 'failed', 'healthy'])
    expect(leaves[0]).toMatchObject({ lossRate: 0, congestion: 0.5 })
    expect(leaves[1]).toMatchObject({ lossRate: 1, congestion: 0 })
    expect(degradedLeaves(cluster, reports).map((l) => l.block)).toEqual([0, 1])
  })
})
