import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryAppFixture, type AppFixture } from './testing.js'
import { nodeVerdict, type NodeReport } from './routes-agent.js'

type Port = NonNullable<NodeReport['network']>['ports'][number]

const port = (device: string, health: Port['health'], reason = '', kind?: Port['kind']): Port => ({
  device,
  port: 1,
  linkLayer: 'IB',
  rateGbps: 400,
  health,
  reason,
  ...(kind === undefined ? {} : { kind }),
})
const report = (ports: Port[]): NodeReport => ({
  agentVersion: '0.1.0',
  inventories: [],
  network: { ports, warnings: [] },
})
const flapped = port('mlx5_3', 'failed', 'link flapped (link_downed +1)', 'flap')
const congested = port('mlx5_1', 'degraded', 'port_xmit_wait 4e6/s', 'congestion')

describe('NIC ports in node reports (issue #21)', () => {
  let fx: AppFixture
  beforeAll(async () => {
    fx = await memoryAppFixture()
  })
  afterAll(async () => {
    await fx.close()
  })
  const post = (node: string, body: unknown) => fx.report(node, body)

  it('fails a node with a failed port, naming the port and why', () => {
    expect(nodeVerdict(report([port('mlx5_0', 'healthy'), flapped]))).toEqual({
      health: 'failed',
      reason: 'mlx5_3/1: link flapped (link_downed +1)',
    })
  })

  it('degrades (does not drain) a node with a degraded port; healthy ports change nothing', () => {
    expect(nodeVerdict(report([port('mlx5_0', 'healthy'), congested]))).toEqual({
      health: 'degraded',
      reason: 'mlx5_1/1: port_xmit_wait 4e6/s',
    })
    expect(nodeVerdict(report([port('mlx5_0', 'healthy')]))).toEqual({
      health: 'healthy',
      reason: '',
    })
    // the failed port wins over the degraded one
    expect(nodeVerdict(report([congested, flapped])).health).toBe('failed')
  })

  it('takes the report, answers the verdict and exports each port to Prometheus', async () => {
    const ok = await post('h100-003', report([port('mlx5_0', 'healthy'), congested, flapped]))
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({
      node: 'h100-003',
      health: 'failed',
      reason: 'mlx5_3/1: link flapped (link_downed +1)',
    })
    const metrics = (await fx.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toContain('zhisuan_nic_port_health{node="h100-003",device="mlx5_0",port="1"} 0')
    expect(metrics).toContain('zhisuan_nic_port_health{node="h100-003",device="mlx5_1",port="1"} 1')
    expect(metrics).toContain('zhisuan_nic_port_health{node="h100-003",device="mlx5_3",port="1"} 2')
  })

  it('refuses a bad network payload with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ports: [{ ...flapped, health: 'broken' }], warnings: [] }, '/network/ports/0/health'],
      [{ ports: [{ ...flapped, port: -1 }], warnings: [] }, '/network/ports/0/port'],
      [
        { ports: [{ ...flapped, reason: 'x'.repeat(1025) }], warnings: [] },
        '/network/ports/0/reason',
      ],
      [{ ports: [{ ...flapped, colour: 'red' }], warnings: [] }, '/network/ports/0/colour'],
      [{ ports: Array(257).fill(flapped), warnings: [] }, '/network/ports'],
      [{ ports: [] }, '/network'],
    ]
    for (const [network, field] of cases) {
      const res = await post('h100-004', { agentVersion: '0.1.0', inventories: [], network })
      expect(res.statusCode, field).toBe(400)
      expect(res.body, field).toContain(field)
    }
  })
})
