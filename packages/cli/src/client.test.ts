import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { labServer, run, type LabServer } from './cli.test-support.js'
import { until } from './e2e.test-support.js'

describe('the API commands (submit, jobs, why, nodes, drain, resume, cancel)', () => {
  let lab: LabServer
  let dir: string
  let admin: string[]

  beforeAll(async () => {
    lab = await labServer('zhisuan-cli-')
    ;({ dir, admin } = lab)
  })

  afterAll(async () => {
    await lab.close()
  })

  it('drains a node with --evacuate and the job it ran moves; resume returns it', async () => {
    const file = join(dir, 'job.yaml')
    await writeFile(
      file,
      'name: cli-gang\nreplicas: 1\nacceleratorsPerReplica: 8\nchip: { family: any }\ntwin: { durationS: 3600 }\n',
    )
    const submitted = await run('submit', file, ...admin, '--json')
    expect(submitted.code).toBe(0)
    const id = (JSON.parse(submitted.out) as { id: string }).id
    const job = async () => {
      const items = JSON.parse((await run('jobs', ...admin, '--json')).out) as {
        id: string
        state: string
        nodes: string[] | null
        attempt: number
      }[]
      const found = items.find((j) => j.id === id)
      if (found === undefined) {
        throw new Error(`zhisuan jobs does not list ${id}`)
      }
      return found
    }
    const first = await until(
      'the job to run',
      async () => {
        const j = await job()
        return j.state === 'running' ? j : undefined
      },
      20_000,
    )
    const node = first.nodes?.[0] ?? ''
    const listed = await run('jobs', ...admin)
    expect(listed.out).toContain('cli-gang')
    expect(listed.out).toContain('running')
    expect(listed.out).not.toContain('tenant')
    expect((await run('jobs', ...admin, '--wide')).out).toMatch(/│ tenant .*│ nodes /)
    const none = await run('checkpoint', 'list', id, ...admin)
    expect(none.code).toBe(0)
    expect(none.out).toMatch(new RegExp(`^no checkpoints registered for job ${id}\\n`))
    expect(none.out).not.toContain('┌')
    expect((await run('why', id, ...admin)).out).toContain(`${id} is running`)

    const noReason = await run('drain', node, ...admin)
    expect(noReason.code).not.toBe(0)
    expect(noReason.err).toContain('--reason')

    const drained = await run('drain', node, '--reason', 'swap a DIMM', '--evacuate', ...admin)
    expect(drained).toMatchObject({ code: 0, err: '' })
    expect(drained.out).toContain(`${node} drained`)
    const moved = await until(
      'the job to move',
      async () => {
        const j = await job()
        return j.attempt === 2 && j.state === 'running' ? j : undefined
      },
      20_000,
    )
    expect(moved.nodes).not.toContain(node)
    const nodes = await run('nodes', '--state', 'drained', ...admin)
    expect(nodes.out).toContain(node)
    expect(nodes.out).toContain('swap a DIMM')

    expect((await run('resume', node, ...admin)).out).toContain(`${node} active`)
    expect((await run('nodes', '--state', 'drained', ...admin)).out).not.toContain(node)
    expect((await run('drain', 'no-such-node', '--reason', 'x', ...admin)).code).not.toBe(0)
    expect((await run('cancel', id, ...admin)).out).toContain(`${id} cancelled`)
  }, 40_000)

  it('refuses a job that can never run, naming why; an admin admits it anyway with warnings', async () => {
    const file = join(dir, 'too-big.yaml')
    await writeFile(
      file,
      'name: too-big\nreplicas: 9\nacceleratorsPerReplica: 8\nchip: { family: H100 }\n',
    )
    const refused = await run('submit', file, ...admin)
    expect(refused.code).toBe(1)
    expect(refused.out).toBe('')
    expect(refused.err).toContain('422: this job can never run on this cluster')
    expect(refused.err).toContain('/replicas: needs 72 H100 accelerators')
    expect(refused.err).toContain('--admit-anyway')
    const asJson = await run('submit', file, ...admin, '--json')
    expect(asJson.code).toBe(1)
    expect(JSON.parse(asJson.out)).toMatchObject({
      error: { code: 'invalid-config', issues: [{ path: '/replicas' }] },
    })

    const admitted = await run('submit', file, ...admin, '--admit-anyway')
    expect(admitted.code).toBe(0)
    expect(admitted.err).toMatch(
      /^warning: \/replicas: needs 72 H100 accelerators.*admitted anyway/,
    )
    expect(admitted.out).toMatch(/^job-\S+ pending/)
    const id = admitted.out.split(' ')[0] ?? ''
    expect((await run('cancel', id, ...admin)).code).toBe(0)

    const tenant = await run('tenant', 'greedy', '--guaranteed', '100000', ...admin)
    expect(tenant.code).toBe(0)
    expect(tenant.out).toContain('tenant greedy created')
    expect(tenant.err).toContain(
      'warning: /quotas/llm-train/guaranteed: 100000 SCU is more than the cluster has in llm-train',
    )
  }, 20_000)

  it('creates a tenant with limits of its own; a submission over them exits 1 with the 429', async () => {
    expect((await run('tenant', 'tiny', '--max-pending', '-1', ...admin)).err).toContain(
      '--max-pending: expected a whole number ≥ 0, got "-1"',
    )
    // a tenant held to no waiting jobs at all (a tenant being wound down): every submission is 429
    expect((await run('tenant', 'tiny', '--max-pending', '0', ...admin)).code).toBe(0)
    const issued = await run('token', '--tenant', 'tiny', '--role', 'member', ...admin)
    expect(issued.code).toBe(0)
    const member = [...admin.slice(0, -1), issued.out.trim()]
    const file = join(dir, 'one.yaml')
    await writeFile(
      file,
      'name: one\nreplicas: 1\nacceleratorsPerReplica: 8\nchip: { family: H100 }\n',
    )
    const refused = await run('submit', file, ...member)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain(
      '429: tenant tiny has 0 jobs pending, its limit (limits.maxPendingJobs 0)',
    )
  }, 20_000)
})

describe('the client commands with an empty ZHISUAN_SERVER', () => {
  it('take it as unset, as an empty ZHISUAN_TOKEN, and go to the default address', async () => {
    vi.stubEnv('ZHISUAN_SERVER', '')
    try {
      const result = await run('why', 'job-none', '--token', 'not-a-token')
      expect(result.code).toBe(1)
      // it used to fetch '' + path: "Failed to parse URL from /api/v1/jobs/…"
      expect(result.err).not.toContain('parse URL')
      expect(result.err).not.toMatch(/control plane at :|at \//)
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
