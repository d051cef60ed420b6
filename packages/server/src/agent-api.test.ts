import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryAppFixture, type AppFixture } from './testing.js'
import { nodeVerdict, type NodeReport } from './routes-agent.js'

const device = (index: number, status: 'ok' | 'degraded' | 'failed', reason = '') => ({
  index,
  model: 'NVIDIA H100 80GB HBM3',
  catalogId: 'nvidia-h100-sxm-80gb',
  memoryTotalMiB: 81_559,
  health: {
    status,
    issues:
      status === 'ok'
        ? []
        : [
            {
              status,
              action: status === 'failed' ? ('drain-node' as const) : ('none' as const),
              reason,
              source: 'xid:79',
            },
          ],
  },
})
const report = (devices: ReturnType<typeof device>[]): NodeReport => ({
  agentVersion: '0.1.0',
  inventories: [{ vendor: 'NVIDIA', tool: 'nvidia-smi-xml', driverVersion: '550.90.07', devices }],
})

describe('node agents reporting to the control plane', () => {
  let fx: AppFixture
  beforeAll(async () => {
    fx = await memoryAppFixture()
  })
  afterAll(async () => {
    await fx.close()
  })
  const post = (token: string, node: string, body: unknown) => fx.report(node, body, token)
  const nodes = async () =>
    (
      await fx.app.inject({
        method: 'GET',
        url: '/api/v1/nodes',
        headers: { authorization: `Bearer ${fx.adminToken}` },
      })
    ).json<{
      items: {
        name: string
        health: string
        agent: { state: string }
        devices: { catalogId: string | null }[]
      }[]
    }>().items

  it('takes a node’s report only from that node’s token (or an admin)', async () => {
    const own = await fx.token('h100-001', 'node')
    const healthy = report([device(0, 'ok'), device(1, 'ok')])
    expect((await post(own, 'h100-001', healthy)).statusCode).toBe(200)
    expect((await post(own, 'h100-002', healthy)).statusCode).toBe(403)
    expect((await post(fx.adminToken, 'h100-002', healthy)).statusCode).toBe(200)
    expect((await post(fx.adminToken, 'nope', healthy)).statusCode).toBe(404)
    // a node token does nothing else
    const submit = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { authorization: `Bearer ${own}` },
      payload: { name: 'x', acceleratorsPerReplica: 8, chip: { family: 'any' } },
    })
    expect(submit.statusCode).toBe(403)
    const listed = (await nodes()).find((n) => n.name === 'h100-001')
    expect(listed).toMatchObject({ health: 'healthy', agent: { state: 'reporting' } })
    expect(listed?.devices.map((d) => d.catalogId)).toEqual([
      'nvidia-h100-sxm-80gb',
      'nvidia-h100-sxm-80gb',
    ])
  })

  it('drains a node its agent reports failed, and restarts the gang on it elsewhere', async () => {
    const member = await fx.token('system', 'member')
    const sub = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { authorization: `Bearer ${member}` },
      payload: {
        name: 'victim',
        replicas: 2,
        acceleratorsPerReplica: 8,
        chip: { family: 'H100' },
        twin: { durationS: 3600 },
      },
    })
    const id = sub.json<{ id: string }>().id
    await fx.reconciler.pass()
    const get = async () =>
      (
        await fx.app.inject({
          method: 'GET',
          url: `/api/v1/jobs/${id}`,
          headers: { authorization: `Bearer ${member}` },
        })
      ).json<{ state: string; nodes: string[]; attempt: number; restarts: number }>()
    const before = await get()
    const victimNode = before.nodes[0] ?? ''
    const token = await fx.token(victimNode, 'node')
    const bad = await post(
      token,
      victimNode,
      report([device(0, 'ok'), device(1, 'failed', 'Xid 79: fell off the bus')]),
    )
    expect(bad.json()).toMatchObject({ health: 'failed' })
    fx.advance(10)
    await fx.reconciler.pass()
    const after = await get()
    expect(after).toMatchObject({ state: 'running', attempt: 2, restarts: 1 })
    expect(after.nodes).not.toContain(victimNode)
    expect((await nodes()).find((n) => n.name === victimNode)?.health).toBe('failed')
  })

  it('cordons a node whose agent stops reporting, and lifts it when reports resume', async () => {
    const token = await fx.token('h100-008', 'node')
    await post(token, 'h100-008', report([device(0, 'ok')]))
    fx.advance(61)
    await fx.reconciler.pass()
    expect((await nodes()).find((n) => n.name === 'h100-008')?.agent.state).toBe('unreachable')
    await post(token, 'h100-008', report([device(0, 'ok')]))
    await fx.reconciler.pass()
    expect((await nodes()).find((n) => n.name === 'h100-008')?.agent.state).toBe('reporting')
  })

  it('gives the worst verdict of the devices and the node-wide findings', () => {
    expect(nodeVerdict(report([device(0, 'ok')]))).toEqual({ health: 'healthy', reason: '' })
    // a finding that asks for nothing keeps the node in service; one that needs a reset does not
    expect(nodeVerdict(report([device(0, 'ok'), device(3, 'degraded', 'slowdown')]))).toEqual({
      health: 'healthy',
      reason: 'nvidia-smi-xml device 3: slowdown',
    })
    expect(
      nodeVerdict({
        ...report([device(0, 'ok')]),
        issues: [
          { status: 'degraded', action: 'reset-device', reason: 'rows pending', source: 'ecc' },
        ],
      }).health,
    ).toBe('degraded')
    const xid = nodeVerdict({
      ...report([device(0, 'ok')]),
      issues: [{ status: 'degraded', action: 'drain-node', reason: 'Xid 48', source: 'xid:48' }],
    })
    expect(xid).toEqual({ health: 'failed', reason: 'Xid 48' })
  })
})
