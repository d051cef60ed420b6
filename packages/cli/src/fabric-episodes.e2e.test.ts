import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lab64File as lab, labServer, run, type LabServer } from './cli.test-support.js'
import { callApi } from './e2e.test-support.js'

describe('zhisuan fabric episodes → zhisuan sim --loss-episodes-from', () => {
  let lab64: LabServer
  beforeAll(async () => {
    lab64 = await labServer('zhisuan-episodes-')
  })
  afterAll(async () => {
    await lab64.close()
  })

  it('exports what the agents reported and runs the twin on it', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      callApi(lab64.server.url, lab64.token, method, path, body)
    const nodes = (await call('GET', '/api/v1/nodes')).body['items'] as { name: string }[]
    const node = nodes[0]?.name ?? ''
    const report = async (health: string) => {
      const port = { device: 'mlx5_0', port: 1, linkLayer: 'RoCE', rateGbps: 400 }
      const r = await call('POST', `/api/v1/nodes/${node}/report`, {
        inventories: [],
        network: {
          ports: [{ ...port, health, reason: 'packet loss 1%', kind: 'loss' }],
          warnings: [],
        },
      })
      expect(r.status).toBe(200)
    }
    await report('degraded')
    await new Promise((resolve) => setTimeout(resolve, 20))
    await report('healthy')
    const out = join(lab64.dir, 'episodes.json')
    const exported = await run('fabric', 'episodes', ...lab64.admin, '--from', '0', '--out', out)
    expect(exported.err).toBe('')
    expect(exported.code).toBe(0)
    expect(exported.out).toMatch(/^1 port episode on 2 leaves/)
    const history = JSON.parse(await readFile(out, 'utf8')) as {
      leaves: unknown[]
      episodes: { node: string; kind: string; lossRate: number; end: number | null }[]
    }
    expect(history.leaves).toHaveLength(2)
    expect(history.episodes).toMatchObject([{ node, kind: 'loss', lossRate: 0.01 }])
    expect(history.episodes[0]?.end).not.toBeNull()

    const trace = join(lab64.dir, 'trace.csv')
    await writeFile(
      trace,
      'job_id,submit_time_s,duration_s,num_gpus,gpu_type,status,user,vc\na,0,3600,16,,pass,u1,\n',
    )
    const sim = await run(
      'sim',
      '--cluster',
      lab,
      '--trace',
      trace,
      '--loss-episodes-from',
      out,
      '--json',
    )
    expect(sim.code).toBe(0)
    expect(sim.err).toMatch(/history: 1 leaf episode in .* days, fitted per leaf \(2 leaves\)/)
    expect((JSON.parse(sim.out) as { jobs: { completed: number } }).jobs.completed).toBe(1)
  })

  it('names the field and index of a bad history, and refuses it beside --loss-episodes', async () => {
    const bad = join(lab64.dir, 'bad.json')
    await writeFile(
      bad,
      JSON.stringify({
        from: 0,
        to: 86_400,
        leaves: [{ leaf: 0, nodes: 4 }],
        episodes: [{ leaf: 0, node: 'n', device: 'd', port: 1, kind: 'loss', lossRate: 'high' }],
      }),
    )
    const r = await run('sim', '--cluster', lab, '--loss-episodes-from', bad, '--days', '1')
    expect(r.code).toBe(1)
    expect(r.err).toContain('episodes[0].lossRate: expected a number in [0, 1], got "high"')
    const both = await run(
      'sim',
      '--cluster',
      lab,
      '--loss-episodes-from',
      bad,
      '--loss-episodes',
      '2',
    )
    expect(both.code).toBe(1)
    expect(both.err).toContain('--loss-episodes-from fits the episodes from a history')
  })
})
