import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import { Agent, collect, type CommandRunner, type OutputReader } from './agent.js'
import type { DeviceInventory } from './inventory.js'

const inventory: DeviceInventory = {
  vendor: 'NVIDIA',
  tool: 'nvidia-smi-xml',
  toolVersion: null,
  driverVersion: '550.90.07',
  firmwareVersion: null,
  devices: [],
  warnings: [],
}
const reader: OutputReader = {
  inventory: (text) => {
    if (text === 'garbage') {
      throw new ZhisuanError('invalid-input', 'nvidia-smi-xml: line 1: not XML')
    }
    return inventory
  },
  kernelLog: (text) =>
    text === ''
      ? []
      : [{ status: 'failed', action: 'drain-node', reason: 'Xid 79', source: 'xid:79' }],
}
const runner =
  (outputs: Record<string, string>): CommandRunner =>
  (command) =>
    Promise.resolve(
      outputs[command] === undefined ? undefined : { code: 0, stdout: outputs[command] ?? '' },
    )

let server: Server | undefined
afterEach(() => {
  server?.close()
  server = undefined
})

describe('collecting a node’s report', () => {
  it('parses the tools that exist, and turns unreadable output into a finding', async () => {
    const report = await collect(
      runner({ 'nvidia-smi': '<xml/>', cnmon: 'garbage', dmesg: 'xid' }),
      reader,
      defaultCatalog(),
    )
    expect(report.inventories).toEqual([inventory])
    expect(report.issues.map((i) => i.source)).toEqual(['cnmon', 'xid:79'])
    expect(report.issues[0]?.reason).toContain('cannot read cnmon output: nvidia-smi-xml: line 1')
  })

  it('reports nothing of tools that are not installed', async () => {
    const report = await collect(runner({}), reader, defaultCatalog())
    expect(report).toMatchObject({ inventories: [], issues: [] })
  })
})

describe('the agent loop', () => {
  it('keeps going while the server is down, then reports when it is back', async () => {
    const received: unknown[] = []
    const agent = new Agent({
      server: 'http://127.0.0.1:1', // nothing listens on port 1
      token: 't',
      node: 'n-001',
      intervalMs: 20,
      maxBackoffMs: 30,
      runner: runner({ 'nvidia-smi': '<xml/>' }),
      reader,
      catalog: defaultCatalog(),
      log: () => undefined,
    })
    await agent.pass()
    await agent.pass()
    expect(agent.stats).toEqual({ sent: 0, failed: 2 })
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        received.push({
          url: req.url,
          auth: req.headers.authorization,
          body: JSON.parse(body) as unknown,
        })
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ node: 'n-001', health: 'healthy', reason: '' }))
      })
    })
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const live = new Agent({
      server: `http://127.0.0.1:${port}`,
      token: 'secret',
      node: 'n-001',
      intervalMs: 20,
      runner: runner({ 'nvidia-smi': '<xml/>' }),
      reader,
      catalog: defaultCatalog(),
      log: () => undefined,
    })
    live.start()
    await new Promise((r) => setTimeout(r, 150))
    await live.stop()
    expect(live.stats.sent).toBeGreaterThanOrEqual(2)
    expect(received[0]).toMatchObject({
      url: '/api/v1/nodes/n-001/report',
      auth: 'Bearer secret',
      body: { inventories: [inventory] },
    })
  })
})
