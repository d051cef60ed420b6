import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Store } from '@zhisuan/store'
import { freshPostgres } from '@zhisuan/store/testing'
import {
  allSucceeded,
  chaosEnv,
  chaosOn,
  metric,
  ranOtherThanOnce,
  sh,
  startLoad,
  tcpProxy,
  viaPort,
} from './chaos.test-support.js'
import { callApi, killed, until, up, type Up } from './e2e.test-support.js'

// Outages of the control plane on PostgreSQL, each checked for what it must never do: lose a
// job the API acknowledged (201), or run a job twice. Switched on by ZHISUAN_TEST_CHAOS=1 (the
// chaos phase of .ci/run, after `npm test`: they stop the PostgreSQL other suites share).

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) {
    rmSync(d, { recursive: true, force: true })
  }
})
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'zhisuan-chaos-'))
  dirs.push(d)
  return d
}
const adminOf = (dir: string) => readFileSync(join(dir, 'admin-token'), 'utf8').trim()

/** A one-accelerator job of `s` simulated seconds (1 s of wall time at ×20 per 20 s). */
const small = (s: number) => (n: number) => ({
  name: `chaos-${n}`,
  acceleratorsPerReplica: 1,
  chip: { family: 'any' },
  twin: { durationS: s },
})

const readyz = async (server: Up, token: string) => {
  try {
    return (await callApi(server.url, token, 'GET', '/readyz')).body
  } catch {
    return {}
  }
}

describe.runIf(chaosOn)('the control plane through outages of PostgreSQL', () => {
  it('loses no acknowledged job and runs none twice when killed -9 in a burst of submissions', async () => {
    const env = chaosEnv()
    const db = await freshPostgres(env.postgres)
    try {
      const dir = dataDir()
      const args = ['--data-dir', dir, '--store', db.url, '--twin-speed', '20']
      let server = await up(args)
      const admin = adminOf(dir)
      const load = startLoad(server, admin, 16, small(20), 5)
      await until(
        '150 submissions acknowledged',
        () => Promise.resolve(load.acked.length >= 150 || undefined),
        30_000,
      )
      await killed(server.child, 'SIGKILL')
      await load.stop()
      server = await up(args)
      const jobs = await allSucceeded(server, admin, 60_000)
      const ids = new Set(jobs.map((j) => String(j['id'])))
      expect(load.acked.filter((id) => !ids.has(id))).toEqual([]) // nothing acknowledged lost
      expect(await ranOtherThanOnce(server, admin, jobs)).toEqual([])
      console.info(
        `kill -9 in a burst: ${load.acked.length} acknowledged, ${jobs.length} in the store, ` +
          `answers ${JSON.stringify(Object.fromEntries(load.statuses))}`,
      )
      expect(load.statuses.get('500') ?? 0).toBe(0)
      expect(await killed(server.child, 'SIGTERM')).toBe(0)
    } finally {
      await db.drop()
    }
  }, 120_000)

  it('answers 503 while PostgreSQL is down, never 500, and the loop resumes when it is back', async () => {
    const env = chaosEnv()
    const db = await freshPostgres(env.postgres)
    try {
      const dir = dataDir()
      const server = await up(['--data-dir', dir, '--store', db.url, '--twin-speed', '20'])
      const admin = adminOf(dir)
      const load = startLoad(server, admin, 8, small(20), 20)
      let started = 0
      try {
        await until(
          '40 submissions acknowledged',
          () => Promise.resolve(load.acked.length >= 40 || undefined),
          30_000,
        )
        await sh(env.stopPostgres)
        const stopped = Date.now()
        // 3 s without a database, under load: every answer a 503 with Retry-After
        await new Promise((resolve) => setTimeout(resolve, 3000))
        const during = load.statuses.get('503') ?? 0
        await sh(env.startPostgres)
        started = Date.now()
        const before = load.acked.length
        await until(
          'submissions acknowledged again',
          () => Promise.resolve(load.acked.length > before + 20 || undefined),
          30_000,
        )
        console.info(
          `PostgreSQL down ${((started - stopped) / 1000).toFixed(1)} s: ${during} answers 503; ` +
            `first 201 ${(((load.ackedAt[before] ?? 0) - started) / 1000).toFixed(1)} s after the start`,
        )
        expect(during).toBeGreaterThan(0)
      } finally {
        await load.stop()
        if (started === 0) {
          await sh(env.startPostgres).catch(() => undefined)
        }
      }
      console.info(`answers: ${JSON.stringify(Object.fromEntries(load.statuses))}`)
      expect(load.statuses.get('500') ?? 0).toBe(0)
      expect([...load.statuses.keys()].filter((s) => s.startsWith('5') && s !== '503')).toEqual([])
      expect(load.statuses.get('network') ?? 0).toBe(0) // the server stayed up
      expect(load.without503RetryAfter).toBe(0)
      // the loop waited, said so, and runs again: every job runs, once
      const jobs = await allSucceeded(server, admin, 60_000)
      const ids = new Set(jobs.map((j) => String(j['id'])))
      expect(load.acked.filter((id) => !ids.has(id))).toEqual([])
      expect(await ranOtherThanOnce(server, admin, jobs)).toEqual([])
      expect(server.output()).toMatch(/the reconcile loop runs again after \d+ failed passes/)
      expect(await killed(server.child, 'SIGTERM')).toBe(0)
    } finally {
      await db.drop()
    }
  }, 120_000)

  it('hands the loop to the standby when the leader loses its database, and the old leader acts no more', async () => {
    const env = chaosEnv()
    const db = await freshPostgres(env.postgres)
    const target = new URL(db.url)
    const proxy = await tcpProxy(target.hostname, Number(target.port || 5432))
    try {
      const [dirA, dirB] = [dataDir(), dataDir()]
      const twin = ['--twin-speed', '20']
      const a = await up(['--data-dir', dirA, '--store', viaPort(db.url, proxy.port), ...twin])
      const admin = adminOf(dirA)
      const leads = (name: string, server: Up, timeoutMs: number) =>
        until(
          `${name} to lead`,
          async () => (await readyz(server, admin))['leader'] === true || undefined,
          timeoutMs,
        )
      /** a's scheduling passes so far. */
      const cycles = async () =>
        metric(
          await (await fetch(`${a.url}/metrics`)).text(),
          'zhisuan_scheduling_cycle_seconds_count',
        )
      await leads('a', a, 15_000)
      const b = await up(['--data-dir', dirB, '--store', db.url, ...twin])
      const submit = async (n: number) =>
        (
          await callApi(b.url, admin, 'POST', '/api/v1/jobs', {
            name: `ha-${n}`,
            acceleratorsPerReplica: 8,
            chip: { family: 'any' },
            twin: { durationS: 160 }, // 8 s: they end while a is cut off
          })
        ).body['id'] as string
      const first = await Promise.all([0, 1, 2, 3].map(submit))
      const running = async (ids: readonly string[]) => {
        const states = await Promise.all(
          ids.map(
            async (id) => (await callApi(b.url, admin, 'GET', `/api/v1/jobs/${id}`)).body['state'],
          ),
        )
        return states.every((s) => s === 'running') || undefined
      }
      await until('the first jobs to run (placed by a)', async () => running(first), 15_000)
      const cyclesBefore = await cycles()

      // cut a off in the middle of a pass: when its loop reads the node states (after it renewed
      // its lease, before it polls the backend and schedules)
      proxy.blackhole(/from "node_states" where "updated_at" >=/)
      const cut = await until('a cut off mid-pass', () => Promise.resolve(proxy.heldSince), 5000)
      await leads('b', b, 20_000)
      const takeoverMs = Date.now() - cut
      const later = await Promise.all([4, 5, 6].map(submit))
      await until('the later jobs to run (placed by b)', async () => running(later), 15_000)
      // once the first jobs would have ended in a's twin: an a that went on with its pass would
      // record their end, and schedule
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, cut + 9000 - Date.now())))
      proxy.heal()
      const healed = Date.now()
      await until(
        'a to answer again, as the standby',
        async () => {
          const r = await readyz(a, admin)
          return r['ok'] === true && r['leader'] === false ? true : undefined
        },
        45_000,
      )
      const answeredMs = Date.now() - healed
      await new Promise((resolve) => setTimeout(resolve, 2000)) // a few more of a's passes
      const cyclesAfter = await cycles()

      const jobs = await allSucceeded(b, admin, 60_000)
      expect(jobs).toHaveLength(7)
      expect(await ranOtherThanOnce(b, admin, jobs)).toEqual([])
      // what a sent once its lease may have ended (6 s after the cut at the latest): no write of
      // a job, its events, its allocation or a twin run (a launch) — its lease renewals only
      const writes = proxy.sent
        .filter((s) => s.at > cut + 6000)
        .filter((s) =>
          /(insert into|update|delete from) "(jobs|job_events|allocations|twin_runs|node_states|audit_log)"/i.test(
            s.text,
          ),
        )
      console.info(
        `leader cut off: b led ${(takeoverMs / 1000).toFixed(1)} s after the cut; a answered again ` +
          `${(answeredMs / 1000).toFixed(1)} s after the heal; a's scheduling cycles ` +
          `${cyclesBefore} → ${cyclesAfter}; a's writes after its lease: ${writes.length}`,
      )
      expect(takeoverMs).toBeLessThan(10_000) // the lease (6 s) and a pass
      expect(writes.map((w) => w.text.slice(0, 120))).toEqual([])
      expect(cyclesAfter - cyclesBefore).toBeLessThanOrEqual(1) // at most the pass under way at the cut
      await killed(a.child, 'SIGTERM')
      await killed(b.child, 'SIGTERM')
    } finally {
      await proxy.close()
      await db.drop()
    }
  }, 150_000)
})

describe.runIf(chaosOn)('the control plane on a SQLite file another process holds', () => {
  it('answers 503, not 500, while the file stays locked past its busy timeout, and runs the job after', async () => {
    const dir = dataDir()
    const server = await up(['--data-dir', dir, '--twin-speed', '20'])
    const admin = adminOf(dir)
    const job = { name: 'locked', acceleratorsPerReplica: 8, chip: { family: 'any' } }
    const other = await Store.open(join(dir, 'zhisuan.db'))
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked: () => void = () => undefined
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve
    })
    // a write transaction left open: SQLite's write lock, which the server waits 5 s for
    const holding = other.db.transaction().execute(async (trx) => {
      await trx.updateTable('leases').set({ holder: 'x' }).where('name', '=', 'none').execute()
      locked()
      await held
    })
    try {
      await lockTaken
      const started = Date.now()
      const r = await fetch(`${server.url}/api/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...job, twin: { durationS: 20 } }),
      })
      console.info(
        `SQLite locked: ${r.status} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      )
      expect(r.status).toBe(503)
      expect(r.headers.get('retry-after')).toBe('5')
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unavailable')
    } finally {
      release()
      await holding
      await other.close()
    }
    const id = (
      await callApi(server.url, admin, 'POST', '/api/v1/jobs', { ...job, twin: { durationS: 20 } })
    ).body['id'] as string
    await until(
      'the job to succeed',
      async () =>
        (await callApi(server.url, admin, 'GET', `/api/v1/jobs/${id}`)).body['state'] ===
        'succeeded'
          ? true
          : undefined,
      30_000,
    )
    expect(await killed(server.child, 'SIGTERM')).toBe(0)
  }, 60_000)
})
