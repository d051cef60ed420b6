import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { NicSampler, writeSysfsTree, type CommandRunner } from '@zhisuan/agent'
import { startAgent } from './agent.test-support.js'
import { callApi, runningNodes, until, up } from './e2e.test-support.js'

const fixtures = new URL('../../agent/fixtures/', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, fixtures), 'utf8')
const nvidia = read('telemetry/nvidia/smi-q_h100-80gb-hbm3-x8_535.161.08.txt')
const sysfs = read('network/sysfs-infiniband--leptonai-gpud--h100-8x-mlx5-counters-hw_counters.txt')
const cluster = fileURLToPath(new URL('../../../examples/clusters/lab-mixed.yaml', import.meta.url))

/** The real H100 node's `grep -r /sys/class/infiniband` dump as a tree of files under `root`. */
function sysfsTree(root: string): void {
  writeSysfsTree(sysfs, root)
}

const stops: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const stop of stops.splice(0)) {
    await stop()
  }
})

/** The node's vendor tool replays the fixture; no kernel log: only the NIC can fail it. */
const runner: CommandRunner = (command) =>
  Promise.resolve(command === 'nvidia-smi' ? { code: 0, stdout: nvidia } : undefined)

describe('node agents sampling their NICs against zhisuan up (issue #21)', () => {
  it('a flapping port fails its node, and the gang restarts elsewhere from its checkpoint', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-agent-net-e2e-'))
    stops.push(() => {
      rmSync(dataDir, { recursive: true, force: true })
    })
    const { url } = await up(
      ['--data-dir', dataDir, '--cluster', cluster, '--twin-speed', '20'],
      20_000,
    )
    const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
    const call = async (method: string, path: string, body?: unknown) =>
      (await callApi(url, admin, method, path, body)).body
    const trees = new Map<string, string>()
    for (const node of ['h100-001', 'h100-002', 'h100-003', 'h100-004']) {
      const root = join(dataDir, 'sysfs', node)
      sysfsTree(root)
      trees.set(node, root)
      const nics = new NicSampler({ root })
      const agent = await startAgent(url, admin, node, { runner, nics })
      stops.unshift(async () => {
        await agent.stop()
        nics.close()
      })
    }
    type NodeItem = { name: string; health: string; reason: string; devices: unknown[] }
    const nodes = async () => (await call('GET', '/api/v1/nodes'))['items'] as NodeItem[]
    await until(
      'every agent to report',
      async () =>
        (await nodes()).filter((n) => n.name.startsWith('h100-00') && n.devices.length > 0)
          .length >= 4 || undefined,
      20_000,
    )
    // every port of the real dump is up: the nodes are healthy, the ports exported
    expect((await nodes()).find((n) => n.name === 'h100-001')?.health).toBe('healthy')
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toContain('zhisuan_nic_port_health{node="h100-001",device="mlx5_4",port="1"} 0')

    const job = (
      await call('POST', '/api/v1/jobs', {
        name: 'flap-victim',
        acceleratorsPerReplica: 8,
        chip: { family: 'H100' },
        checkpoint: { intervalS: 10 },
        twin: { durationS: 86_400 },
      })
    )['id'] as string
    const placed = await runningNodes(
      'the gang to run',
      () => call('GET', `/api/v1/jobs/${job}`),
      10_000,
    )
    const victim = placed[0] ?? ''
    const root = trees.get(victim)
    if (root === undefined) {
      throw new Error(`no agent on ${victim}`)
    }
    // let the twin run a few checkpoints (20 simulated seconds a second)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const file = join(root, 'mlx5_4', 'ports', '1', 'counters', 'link_downed')
    writeFileSync(file, `${Number(readFileSync(file, 'utf8')) + 1}\n`)

    const moved = await until(
      'the gang to restart on another node',
      async () => {
        const j = await call('GET', `/api/v1/jobs/${job}`)
        return j['attempt'] === 2 && j['state'] === 'running' ? j : undefined
      },
      20_000,
    )
    expect(moved).toMatchObject({ state: 'running', restarts: 1 })
    expect(moved['nodes']).not.toContain(victim)
    const failed = (await nodes()).find((n) => n.name === victim)
    expect(failed?.health).toBe('failed')
    expect(failed?.reason).toMatch(/^mlx5_4\/1: the link went down \(flap\)/)
    const events = (await call('GET', `/api/v1/jobs/${job}/events`))['items'] as {
      at: number
      kind: string
      detail: Record<string, unknown>
    }[]
    expect(events.map((e) => e.kind)).toEqual(['submitted', 'placed', 'restarted'])
    const restarted = events[2]?.detail ?? {}
    expect(restarted).toMatchObject({ attempt: 2, failedNode: victim })
    expect(restarted['replacement']).not.toBe(victim)
    // from its checkpoint: the work up to the last one (every 10 simulated s) is kept, and at
    // most one interval of the gang's 8 accelerators is lost
    expect(restarted['doneS']).toBeGreaterThanOrEqual(10)
    expect(restarted['lostS']).toBeLessThan(10 * 8)
    const after = await (await fetch(`${url}/metrics`)).text()
    expect(after).toContain(`zhisuan_nic_port_health{node="${victim}",device="mlx5_4",port="1"} 2`)
  }, 90_000)
})
