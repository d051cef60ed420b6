import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { Agent, CommandRunner } from '@zhisuan/agent'
import { startAgent } from './agent.test-support.js'
import { bin, callApi, runningNodes, until, up } from './e2e.test-support.js'

const fixture = (path: string) =>
  readFileSync(new URL(`../../agent/fixtures/telemetry/${path}`, import.meta.url), 'utf8')
const cluster = fileURLToPath(new URL('../../../examples/clusters/lab-mixed.yaml', import.meta.url))

const agents: Agent[] = []
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()))
})

/** A runner that replays fixtures: the node's vendor tool, and a kernel log the test can change. */
function fixtureRunner(tool: string, output: string): CommandRunner & { kernelLog: string } {
  const runner = Object.assign(
    (command: string) =>
      Promise.resolve(
        command === tool
          ? { code: 0, stdout: output }
          : command === 'dmesg'
            ? { code: 0, stdout: runner.kernelLog }
            : undefined,
      ),
    { kernelLog: '' },
  )
  return runner
}

describe('node agents against zhisuan up', () => {
  it('shows the nodes’ chips and SCU, and an Xid 79 drains a node and moves its gang', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-agent-e2e-'))
    try {
      const { url } = await up(
        ['--data-dir', dataDir, '--cluster', cluster, '--twin-speed', '1'],
        20_000,
      )
      const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
      const call = async (method: string, path: string, body?: unknown) =>
        (await callApi(url, admin, method, path, body)).body
      const nvidia = fixture('nvidia/smi-q_h100-80gb-hbm3-x8_535.161.08.txt')
      const ascend = fixture('ascend/npu-smi-info_910a-x8_22.0.3.1_atlas800-9010.txt')
      const runners = new Map<string, ReturnType<typeof fixtureRunner>>()
      // h100-004 runs another driver than the rest of its pool: acceptance must catch it
      const otherDriver = nvidia.replaceAll('535.161.08', '535.154.05')
      for (const node of ['h100-001', 'h100-002', 'h100-003', 'h100-004', 'ascend-001']) {
        const runner = node.startsWith('h100')
          ? fixtureRunner('nvidia-smi', node === 'h100-004' ? otherDriver : nvidia)
          : fixtureRunner('npu-smi', ascend)
        runners.set(node, runner)
        agents.push(await startAgent(url, admin, node, { runner }))
      }
      type NodeItem = {
        name: string
        health: string
        scu: number
        devices: { catalogId: string | null }[]
      }
      const nodes = async () => (await call('GET', '/api/v1/nodes'))['items'] as NodeItem[]
      const seen = await until(
        'both kinds of node to report',
        async () => {
          const n = await nodes()
          const h = n.find((x) => x.name === 'h100-001')
          const a = n.find((x) => x.name === 'ascend-001')
          return (h?.devices.length ?? 0) > 0 && (a?.devices.length ?? 0) > 0 ? { h, a } : undefined
        },
        20_000,
      )
      expect(seen.h?.devices.map((d) => d.catalogId)).toEqual(Array(8).fill('nvidia-h100-sxm-80gb'))
      expect(seen.a?.devices.map((d) => d.catalogId)).toEqual(Array(8).fill('huawei-ascend-910a'))
      // SCU are relative to an A100: 8 H100 are worth well over 8, 8 Ascend 910A less than 8
      expect(seen.h?.scu).toBeGreaterThan(16)
      expect(seen.a?.scu).toBeGreaterThan(2)
      expect(seen.a?.scu).toBeLessThan(8)
      expect(seen.h?.health).toBe('healthy')

      // zhisuan accept: the report, good nodes admitted, the odd driver cordoned with its reason
      await until(
        'every agent to report',
        async () => {
          const n = await nodes()
          return n.filter((x) => x.devices.length > 0).length === 5 ? true : undefined
        },
        20_000,
      )
      const reportDir = join(dataDir, 'acceptance')
      const accept = spawnSync(
        process.execPath,
        [
          bin,
          'accept',
          '--cluster',
          cluster,
          '--report',
          reportDir,
          '--server',
          url,
          '--token',
          admin,
        ],
        { encoding: 'utf8' },
      )
      expect(accept.status).toBe(1)
      expect(accept.stderr).toContain('acceptance: 1 node failed')
      const verdicts = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as {
        nodes: { node: string; pass: boolean; reasons: string[] }[]
      }
      expect(verdicts.nodes.filter((v) => v.pass).map((v) => v.node)).toEqual([
        'h100-001',
        'h100-002',
        'h100-003',
        'ascend-001',
      ])
      expect(verdicts.nodes.find((v) => v.node === 'h100-004')?.reasons).toEqual([
        'driver 535.154.05 differs from the 535.161.08 most of pool h100 runs',
      ])
      expect(readFileSync(join(reportDir, 'report.md'), 'utf8')).toContain(
        '| h100-004 | h100 | **fail** |',
      )
      const cordoned = (await call('GET', '/api/v1/nodes?state=drained'))['items'] as {
        name: string
        reason: string
      }[]
      expect(cordoned.map((n) => [n.name, n.reason])).toEqual([
        [
          'h100-004',
          'acceptance: driver 535.154.05 differs from the 535.161.08 most of pool h100 runs',
        ],
      ])

      const job = (
        await call('POST', '/api/v1/jobs', {
          name: 'xid-victim',
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          checkpoint: { intervalS: 60 },
          twin: { durationS: 3600 },
        })
      )['id'] as string
      const placed = await runningNodes(
        'the gang to run',
        () => call('GET', `/api/v1/jobs/${job}`),
        10_000,
      )
      const victim = placed[0] ?? ''
      const runner = runners.get(victim)
      if (runner === undefined) {
        throw new Error(`no agent on ${victim}`)
      }
      const busId = /Bus Id\s*:\s*(\S+)/.exec(nvidia)?.[1] ?? '00000000:18:00.0'
      runner.kernelLog = `[ 1234.567890] NVRM: Xid (PCI:${busId.replace(/^0000/, '')}): 79, pid=0, GPU has fallen off the bus.\n`
      const moved = await until(
        'the gang to restart on another node',
        async () => {
          const j = await call('GET', `/api/v1/jobs/${job}`)
          return j['attempt'] === 2 ? j : undefined
        },
        20_000,
      )
      expect(moved).toMatchObject({ state: 'running', restarts: 1 })
      expect(moved['nodes']).not.toContain(victim)
      expect((await nodes()).find((n) => n.name === victim)?.health).toBe('failed')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 90_000)
})
