import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
import { Agent, type NodeReportBody } from './agent.js'
import { readNet } from './network/counter-fixtures.test-support.js'
import { NicSampler } from './network/sampler.js'
import { writeSysfsTree } from './network/sysfs-entries.js'

const h100 = readNet('sysfs-infiniband--leptonai-gpud--h100-8x-mlx5-counters-hw_counters.txt')

/** The fixture's `grep -r` lines as a tree of files under a temporary root. */
function sysfsTree(grep: string): string {
  const root = mkdtempSync(join(tmpdir(), 'zhisuan-agent-sysfs-'))
  writeSysfsTree(grep, root)
  return root
}

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup.splice(0)) {
    c()
  }
})

/** A control plane that keeps every report it is sent. */
async function receiver(): Promise<{ url: string; reports: NodeReportBody[] }> {
  const reports: NodeReportBody[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      reports.push(JSON.parse(body) as NodeReportBody)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"health":"healthy","reason":""}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => server.close())
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, reports }
}

describe('the agent reports its NICs (issue #21)', () => {
  it('sends every port healthy, then a flapped link_downed as failed in the next report', async () => {
    const root = sysfsTree(h100)
    cleanup.push(() => {
      rmSync(root, { recursive: true, force: true })
    })
    let now = Date.UTC(2026, 11, 7)
    const nics = new NicSampler({ root, clock: () => now })
    cleanup.push(() => {
      nics.close()
    })
    const { url, reports } = await receiver()
    const agent = new Agent({
      server: url,
      token: 't',
      node: 'h100-001',
      intervalMs: 1000,
      runner: () => Promise.resolve(undefined),
      reader: { inventory: () => ({}) as never, kernelLog: () => [] },
      catalog: defaultCatalog(),
      log: () => undefined,
      nics,
      nicFailHoldMs: 60_000,
    })
    await agent.pass()
    now += 15_000
    await agent.pass()
    expect(reports).toHaveLength(2)
    const steady = reports[1]?.network
    expect(steady?.ports).toHaveLength(9)
    expect(steady?.ports.every((p) => p.health === 'healthy')).toBe(true)
    expect(steady?.ports.find((p) => p.device === 'mlx5_0')).toMatchObject({
      port: 1,
      linkLayer: 'IB',
      rateGbps: 400,
    })
    expect(steady?.warnings).toEqual([])

    const file = join(root, 'mlx5_4', 'ports', '1', 'counters', 'link_downed')
    writeFileSync(file, `${Number(readFileSync(file, 'utf8')) + 1}\n`)
    now += 15_000
    await agent.pass()
    const flapped = reports[2]?.network?.ports.find((p) => p.device === 'mlx5_4' && p.port === 1)
    expect(flapped).toMatchObject({ health: 'failed', kind: 'flap' })
    expect(flapped?.reason).toMatch(/link went down/)
    expect(reports[2]?.network?.ports.filter((p) => p.health !== 'healthy')).toHaveLength(1)
    // a flap shows in one window only: the port stays failed for the hold, then heals
    const mlx54 = (r: NodeReportBody | undefined) =>
      r?.network?.ports.find((p) => p.device === 'mlx5_4' && p.port === 1)
    now += 15_000
    await agent.pass()
    expect(mlx54(reports[3])).toMatchObject({ health: 'failed', kind: 'flap' })
    expect(mlx54(reports[3])?.reason).toMatch(/\(15 s ago, held failed for 60 s\)$/)
    now += 45_000
    await agent.pass()
    expect(mlx54(reports[4])?.health).toBe('healthy')
  })

  it('sends no network part without a sampler, and a warning when sampling throws', async () => {
    const { url, reports } = await receiver()
    const options = {
      server: url,
      token: 't',
      node: 'n',
      intervalMs: 1000,
      runner: () => Promise.resolve(undefined),
      reader: { inventory: () => ({}) as never, kernelLog: () => [] },
      catalog: defaultCatalog(),
      log: () => undefined,
    }
    await new Agent(options).pass()
    expect(reports[0]).not.toHaveProperty('network')
    const broken = {
      sample: () => {
        throw new Error('EIO')
      },
    }
    await new Agent({ ...options, nics: broken }).pass()
    expect(reports[1]?.network).toEqual({ ports: [], warnings: ['cannot sample NICs: EIO'] })
  })
})
