import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { episodeChanges } from './routes-fabric-episodes.js'
import { memoryAppFixture, type AppFixture } from './testing.js'

const port = (device: string, health: string, reason = '', kind?: string) => ({
  device,
  port: 1,
  linkLayer: 'RoCE',
  rateGbps: 400,
  health,
  reason,
  ...(kind === undefined ? {} : { kind }),
})

describe('network episodes from node reports', () => {
  let fx: AppFixture
  const as = (token: string) => ({ authorization: `Bearer ${token}` })
  const report = async (node: string, ports: ReturnType<typeof port>[]) => {
    const r = await fx.report(node, { inventories: [], network: { ports, warnings: [] } })
    expect(r.statusCode).toBe(200)
  }
  const episodes = async (token: string, query = '') =>
    fx.app.inject({ method: 'GET', url: `/api/v1/fabric/episodes${query}`, headers: as(token) })

  beforeAll(async () => {
    fx = await memoryAppFixture()
    await fx.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: as(fx.adminToken),
      payload: { name: 'alpha' },
    })
  })
  afterAll(async () => {
    await fx.close()
  })

  it('opens an episode when a port turns ill and closes it when it heals or goes', async () => {
    const node = fx.reconciler.nodeList[0]?.name ?? ''
    const t0 = fx.now()
    await report(node, [port('mlx5_0', 'healthy'), port('mlx5_1', 'degraded', 'loss 0.5%', 'loss')])
    fx.advance(60)
    // the same again is the same episode; a flap on another port opens one of its own
    await report(node, [
      port('mlx5_0', 'failed', 'link flapped 3 times', 'flap'),
      port('mlx5_1', 'degraded', 'loss 0.5%', 'loss'),
    ])
    fx.advance(60)
    await report(node, [port('mlx5_0', 'healthy')]) // mlx5_1 absent: closed too
    fx.advance(60)
    const viewer = await fx.token('alpha', 'viewer')
    const r = await episodes(viewer, `?from=${t0}`)
    expect(r.statusCode).toBe(200)
    const body = r.json<{
      from: number
      leaves: { leaf: number; nodes: number }[]
      episodes: Record<string, unknown>[]
    }>()
    expect(body.from).toBe(t0)
    expect(body.leaves.length).toBeGreaterThan(0)
    expect(body.episodes).toEqual([
      {
        leaf: 0,
        node,
        device: 'mlx5_1',
        port: 1,
        kind: 'loss',
        lossRate: 0.005,
        start: t0,
        end: t0 + 120,
        durationS: 120,
      },
      {
        leaf: 0,
        node,
        device: 'mlx5_0',
        port: 1,
        kind: 'flap',
        lossRate: 1,
        start: t0 + 60,
        end: t0 + 120,
        durationS: 60,
      },
    ])
    // members may not read it; a window that ends before it starts is refused
    expect((await episodes(await fx.token('alpha', 'member'))).statusCode).toBe(403)
    expect((await episodes(fx.adminToken, '?from=10&to=5')).statusCode).toBe(400)
  })

  it('closes and reopens when a port turns ill another way', () => {
    const open = [
      {
        id: 7,
        node: 'n',
        leaf: 0,
        device: 'd',
        port: 1,
        kind: 'loss',
        health: 'degraded',
        lossRate: 0.001,
        start: 0,
        end: null,
      },
    ]
    const c = episodeChanges('n', 0, [port('d', 'failed', 'down', 'state')] as never, open, 10)
    expect(c.close).toEqual([7])
    expect(c.open).toMatchObject([{ kind: 'state', health: 'failed', lossRate: 1, start: 10 }])
  })
})
