import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { freshPostgres, postgresUrl } from '@zhisuan/store/testing'
import { bin, callApi, killed, until, up, type Up } from './e2e.test-support.js'

const call = (server: Up, token: string, method: string, path: string, body?: unknown) =>
  callApi(server.url, token, method, path, body)

describe('zhisuan up, end to end', () => {
  it('keeps tenants apart, runs jobs, and survives kill -9 without losing or relaunching a job', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-e2e-'))
    try {
      const args = ['--data-dir', dataDir, '--twin-speed', '20']
      let server = await up(args)
      expect(server.output()).toContain('admin token: written to')
      const tokenFile = join(dataDir, 'admin-token')
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
      const admin = readFileSync(tokenFile, 'utf8').trim()
      expect(server.output()).not.toContain(admin)

      for (const name of ['red', 'blue']) {
        expect((await call(server, admin, 'POST', '/api/v1/tenants', { name })).status).toBe(201)
      }
      const red = (
        await call(server, admin, 'POST', '/api/v1/tokens', { tenant: 'red', role: 'member' })
      ).body['token'] as string
      const blue = (
        await call(server, admin, 'POST', '/api/v1/tokens', { tenant: 'blue', role: 'member' })
      ).body['token'] as string

      // 12 gangs of 2 × 8 on 64 accelerators: 4 run at a time, 60–200 s of job time at ×20
      const ids: { id: string; token: string }[] = []
      for (let i = 0; i < 12; i++) {
        const token = i % 2 === 0 ? red : blue
        const r = await call(server, token, 'POST', '/api/v1/jobs', {
          name: `e2e-${i}`,
          replicas: 2,
          acceleratorsPerReplica: 8,
          chip: { family: 'any' },
          checkpoint: { intervalS: 30 },
          twin: { durationS: 60 + 12 * i },
        })
        expect(r.status).toBe(201)
        ids.push({ id: r.body['id'] as string, token })
      }
      const [first, second] = ids
      if (first === undefined || second === undefined) {
        throw new Error('no jobs')
      }
      // isolation: another tenant's job is not found; its own list holds only its jobs
      expect((await call(server, blue, 'GET', `/api/v1/jobs/${first.id}`)).status).toBe(404)
      expect((await call(server, red, 'GET', `/api/v1/jobs/${second.id}`)).status).toBe(404)
      const redJobs = (await call(server, red, 'GET', '/api/v1/jobs')).body['items'] as {
        tenant: string
      }[]
      expect(redJobs).toHaveLength(6)
      expect(redJobs.every((j) => j.tenant === 'red')).toBe(true)

      // watch the first job go pending → running → succeeded
      const seen = new Set<string>()
      await until(
        'the first job to succeed',
        async () => {
          const state = (await call(server, red, 'GET', `/api/v1/jobs/${first.id}`)).body[
            'state'
          ] as string
          seen.add(state)
          return state === 'succeeded' ? state : undefined
        },
        30_000,
      )
      expect(seen).toContain('running')
      expect(seen).toContain('succeeded')

      // kill -9 while some jobs run and others wait
      const states = async () =>
        Promise.all(
          ids.map(
            async (j) =>
              (await call(server, j.token, 'GET', `/api/v1/jobs/${j.id}`)).body['state'] as string,
          ),
        )
      await until(
        'jobs running and pending at once',
        async () => {
          const s = await states()
          return s.includes('running') && s.includes('pending') ? s : undefined
        },
        30_000,
      )
      await killed(server.child, 'SIGKILL')

      server = await up(args)
      expect(server.output()).toContain('issued on an earlier start')
      await until(
        'every job to succeed after the restart',
        async () => ((await states()).every((s) => s === 'succeeded') ? true : undefined),
        60_000,
      )
      for (const j of ids) {
        const job = (await call(server, j.token, 'GET', `/api/v1/jobs/${j.id}`)).body
        // no failures happened: each job launched exactly once
        expect(job).toMatchObject({ state: 'succeeded', attempt: 1, restarts: 0 })
        const events = (await call(server, j.token, 'GET', `/api/v1/jobs/${j.id}/events`)).body[
          'items'
        ] as { kind: string }[]
        expect(events.map((e) => e.kind)).toEqual(['submitted', 'placed', 'succeeded'])
      }
      // a graceful stop on SIGTERM
      expect(await killed(server.child, 'SIGTERM')).toBe(0)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 150_000)
})

describe('zhisuan up that cannot start its loop', () => {
  it('exits non-zero naming the cause when the loop thread cannot reach its backend', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-e2e-bad-'))
    try {
      const env = join(dataDir, 'slurm.env')
      // a port just freed: nothing listens there, slurmrestd is "down" at start-up
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const address = probe.address()
          probe.close(() => {
            resolve(typeof address === 'object' && address !== null ? address.port : 0)
          })
        })
      })
      writeFileSync(
        env,
        `SLURMRESTD_URL=http://127.0.0.1:${port}\nSLURM_JWT=x\nSLURM_CONF=/nonexistent/slurm.conf\n`,
      )
      const run = promisify(execFile)
      const failed = await run(process.execPath, [
        bin,
        'up',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--backend',
        'slurm',
        '--slurm-env',
        env,
        '--cluster',
        fileURLToPath(new URL('../../../examples/clusters/slurm-dev-8.yaml', import.meta.url)),
      ]).then(
        () => undefined,
        (error: unknown) => error as { code: number; stderr: string },
      )
      // it must fail (execFile rejects), and not with 0
      expect(failed).toBeDefined()
      expect(failed?.code).not.toBe(0)
      expect(failed?.stderr).toContain(`slurmrestd at http://127.0.0.1:${port} is unreachable`)
      expect(failed?.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})

const pgServer = postgresUrl()
describe.runIf(pgServer !== undefined)('two zhisuan up on one PostgreSQL', () => {
  it('serves the API from both, runs the loop in one, and hands it over within 10 s of a kill', async () => {
    const db = await freshPostgres(pgServer ?? '')
    const dirs = [
      mkdtempSync(join(tmpdir(), 'zhisuan-ha-a-')),
      mkdtempSync(join(tmpdir(), 'zhisuan-ha-b-')),
    ]
    try {
      const [dirA = '', dirB = ''] = dirs
      const a = await up(['--data-dir', dirA, '--store', db.url, '--twin-speed', '20'])
      const admin = readFileSync(join(dirA, 'admin-token'), 'utf8').trim()
      const b = await up(['--data-dir', dirB, '--store', db.url, '--twin-speed', '20'])
      const leaderOf = async () => {
        const [ra, rb] = await Promise.all([
          call(a, admin, 'GET', '/readyz'),
          call(b, admin, 'GET', '/readyz'),
        ])
        return { a: ra.body['leader'] === true, b: rb.body['leader'] === true }
      }
      const first = await until(
        'a leader',
        async () => {
          const l = await leaderOf()
          return l.a !== l.b ? l : undefined
        },
        15_000,
      )
      const [leader, follower] = first.a ? [a, b] : [b, a]
      // a job submitted to the follower runs (the leader's loop picks it up)
      const job = (
        await call(follower, admin, 'POST', '/api/v1/jobs', {
          name: 'ha-1',
          acceleratorsPerReplica: 8,
          chip: { family: 'any' },
          twin: { durationS: 20 },
        })
      ).body['id'] as string
      await until(
        'the job to run',
        async () => {
          const s = (await call(follower, admin, 'GET', `/api/v1/jobs/${job}`)).body['state']
          return s === 'running' || s === 'succeeded' ? s : undefined
        },
        15_000,
      )
      await killed(leader.child, 'SIGKILL')
      const killedAt = Date.now()
      await until(
        'the follower to lead',
        async () => {
          const r = await call(follower, admin, 'GET', '/readyz')
          return r.body['leader'] === true ? true : undefined
        },
        15_000,
      )
      expect(Date.now() - killedAt).toBeLessThan(10_000)
      const next = (
        await call(follower, admin, 'POST', '/api/v1/jobs', {
          name: 'ha-2',
          acceleratorsPerReplica: 8,
          chip: { family: 'any' },
          twin: { durationS: 20 },
        })
      ).body['id'] as string
      await until(
        'the job after the handover to succeed',
        async () => {
          const s = (await call(follower, admin, 'GET', `/api/v1/jobs/${next}`)).body['state']
          return s === 'succeeded' ? s : undefined
        },
        20_000,
      )
      expect((await call(follower, admin, 'GET', `/api/v1/jobs/${job}`)).body).toMatchObject({
        state: 'succeeded',
        attempt: 1,
      })
      await killed(follower.child, 'SIGTERM')
    } finally {
      for (const d of dirs) {
        rmSync(d, { recursive: true, force: true })
      }
      await db.drop()
    }
  }, 90_000)
})
