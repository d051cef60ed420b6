import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { appFixture, type AppFixture } from './testing.js'

/** Any number (or object), typed for the assertions that hold it. */
const aNumber: unknown = expect.any(Number)
const anObject: unknown = expect.any(Object)

/** An API answer: any fields, and the error shape when it failed. */
interface Answer {
  readonly [field: string]: unknown
  readonly error?: {
    readonly code: string
    readonly message: string
    readonly details: readonly { readonly path: string; readonly message: string }[]
  }
}

const job = (over: Record<string, unknown> = {}) => ({
  name: 'sft',
  replicas: 2,
  acceleratorsPerReplica: 8,
  chip: { family: 'H100' },
  twin: { durationS: 600 },
  checkpoint: { intervalS: 60 },
  ...over,
})

describe.each(testDialects().map((d) => [d.name, d] as const))(
  'the API on %s',
  (_name, dialect) => {
    let db: StoreFixture
    let fx: AppFixture
    let alpha: string
    let beta: string
    let viewer: string
    const call = async (
      token: string | undefined,
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const r = await fx.app.inject({
        method,
        url,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...headers,
        },
        ...(payload === undefined ? {} : { payload: payload as object }),
      })
      return {
        status: r.statusCode,
        body: r.body === '' ? undefined : r.json<Answer>(),
      }
    }
    const pass = async (seconds = 0) => {
      fx.advance(seconds)
      await fx.reconciler.pass()
    }

    beforeAll(async () => {
      db = await dialect.open()
      fx = await appFixture(db.store)
      const admin = fx.adminToken
      expect((await call(admin, 'POST', '/api/v1/tenants', { name: 'alpha' })).status).toBe(201)
      expect(
        (
          await call(admin, 'POST', '/api/v1/tenants', {
            name: 'beta',
            quotas: { 'llm-train': { guaranteed: 10 } },
          })
        ).status,
      ).toBe(201)
      alpha = await fx.token('alpha', 'member')
      beta = await fx.token('beta', 'member')
      viewer = await fx.token('alpha', 'viewer')
    })
    afterAll(async () => {
      await fx.close()
      await db.close()
    })

    it('answers health, readiness, metrics and the OpenAPI document without a token', async () => {
      expect((await call(undefined, 'GET', '/healthz')).status).toBe(200)
      expect((await call(undefined, 'GET', '/readyz')).status).toBe(200)
      const openapi = await call(undefined, 'GET', '/openapi.json')
      expect(openapi.status).toBe(200)
      expect(Object.keys(openapi.body?.['paths'] ?? {})).toEqual(
        expect.arrayContaining([
          '/api/v1/jobs',
          '/api/v1/jobs/{id}/why',
          '/api/v1/tenants',
          '/api/v1/usage',
        ]),
      )
      const metrics = await fx.app.inject({ method: 'GET', url: '/metrics' })
      expect(metrics.body).toContain('zhisuan_jobs')
      expect(metrics.body).toContain('zhisuan_accelerators{state="free",family="H100"} 64')
    })

    it('refuses missing, unknown and revoked tokens with 401, and non-admins with 403', async () => {
      expect((await call(undefined, 'GET', '/api/v1/jobs')).status).toBe(401)
      expect((await call('zs_nope', 'GET', '/api/v1/jobs')).status).toBe(401)
      expect((await call(alpha, 'POST', '/api/v1/tenants', { name: 'gamma' })).status).toBe(403)
      expect(
        (await call(alpha, 'POST', '/api/v1/tokens', { tenant: 'alpha', role: 'admin' })).status,
      ).toBe(403)
      const doomed = await fx.token('alpha', 'member')
      const tokens = await call(fx.adminToken, 'GET', '/api/v1/tokens')
      const id = (tokens.body?.['items'] as { id: string }[]).at(-1)?.id ?? ''
      expect(JSON.stringify(tokens.body)).not.toContain(doomed)
      expect((await call(fx.adminToken, 'DELETE', `/api/v1/tokens/${id}`)).status).toBe(204)
      expect((await call(doomed, 'GET', '/api/v1/jobs')).status).toBe(401)
      expect((await call(fx.adminToken, 'DELETE', `/api/v1/tokens/${id}`)).status).toBe(404)
    })

    it('lets an admin update quotas; a member sees its own tenant only and changes none', async () => {
      const patched = await call(fx.adminToken, 'PATCH', '/api/v1/tenants/beta', {
        quotas: { 'llm-train': { guaranteed: 10, borrowingLimit: 100 } },
      })
      expect(patched.body).toEqual({
        name: 'beta',
        quotas: { 'llm-train': { guaranteed: 10, borrowingLimit: 100 } },
        limits: { maxPendingJobs: 10_000, submitsPerS: 100, submitBurst: 1000 },
      })
      expect((await call(beta, 'PATCH', '/api/v1/tenants/beta', { quotas: {} })).status).toBe(403)
      expect(
        (await call(fx.adminToken, 'PATCH', '/api/v1/tenants/nope', { quotas: {} })).status,
      ).toBe(404)
      expect((await call(fx.adminToken, 'POST', '/api/v1/tenants', { name: 'alpha' })).status).toBe(
        409,
      )
      expect(
        (await call(fx.adminToken, 'POST', '/api/v1/tenants', { name: 'Bad Name' })).status,
      ).toBe(400)
      const seen = await call(beta, 'GET', '/api/v1/tenants')
      expect((seen.body?.['items'] as { name: string }[]).map((t) => t.name)).toEqual(['beta'])
      const all = await call(fx.adminToken, 'GET', '/api/v1/tenants')
      expect((all.body?.['items'] as { name: string }[]).map((t) => t.name)).toEqual([
        'alpha',
        'beta',
      ])
      expect(
        (await call(fx.adminToken, 'POST', '/api/v1/tokens', { tenant: 'nope', role: 'member' }))
          .status,
      ).toBe(404)
      expect((await call(viewer, 'GET', '/api/v1/audit')).status).toBe(403)
      expect((await call(viewer, 'GET', '/api/v1/cluster/summary')).status).toBe(200)
      expect((await call(fx.adminToken, 'GET', '/api/v1/usage?from=10&to=5')).status).toBe(400)
      expect((await fx.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400)
    })

    it('names the field of an invalid body, and an unknown chip family, with a 400', async () => {
      const bad = await call(alpha, 'POST', '/api/v1/jobs', job({ replicas: 0 }))
      expect(bad.status).toBe(400)
      expect(bad.body?.error?.details).toEqual([
        { path: '/replicas', message: 'must be at least 1; got 0' },
      ])
      const chip = await call(alpha, 'POST', '/api/v1/jobs', job({ chip: { family: 'H1OO' } }))
      expect(chip.status).toBe(400)
      expect(chip.body?.error?.message).toContain('/chip/family')
      const wide = await call(alpha, 'POST', '/api/v1/jobs', job({ acceleratorsPerReplica: 16 }))
      expect(wide.status).toBe(400)
      const waitingLeaf = (mode: 'required' | 'preferred') =>
        call(
          alpha,
          'POST',
          '/api/v1/jobs',
          job({ topology: { mode, tier: 'leaf', maxWaitS: 600 } }),
        )
      const waitRequired = await waitingLeaf('required')
      expect(waitRequired.status).toBe(400)
      expect(waitRequired.body?.error?.message).toContain('/topology/maxWaitS')
      const waitPreferred = await waitingLeaf('preferred')
      expect(waitPreferred.status).toBe(201)
      // (out of the way of the tests that count this tenant's jobs)
      const waitId = waitPreferred.body?.['id'] as string
      expect((await call(alpha, 'DELETE', `/api/v1/jobs/${waitId}`)).status).toBe(200)
      const notJson = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer ${alpha}`, 'content-type': 'application/json' },
        payload: '{"name":',
      })
      expect(notJson.statusCode).toBe(400)
      expect(notJson.json<Answer>().error?.code).toBe('invalid-input')
    })

    it('runs a job pending → running → succeeded on the twin, with its events and usage', async () => {
      const submitted = await call(alpha, 'POST', '/api/v1/jobs', job())
      expect(submitted.status).toBe(201)
      const id = submitted.body?.['id'] as string
      expect(submitted.body).toMatchObject({
        state: 'pending',
        tenant: 'alpha',
        durationS: 600,
        durationSource: 'hint',
      })
      await pass()
      const running = await call(alpha, 'GET', `/api/v1/jobs/${id}`)
      expect(running.body).toMatchObject({ state: 'running', attempt: 1, family: 'H100' })
      expect(running.body?.['nodes']).toHaveLength(2)
      await pass(599)
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body?.['state']).toBe('running')
      await pass(2)
      const done = await call(alpha, 'GET', `/api/v1/jobs/${id}`)
      expect(done.body).toMatchObject({ state: 'succeeded', attempt: 1, restarts: 0 })
      const events = await call(alpha, 'GET', `/api/v1/jobs/${id}/events`)
      expect((events.body?.['items'] as { kind: string }[]).map((e) => e.kind)).toEqual([
        'submitted',
        'placed',
        'succeeded',
      ])
      const usage = await call(alpha, 'GET', `/api/v1/usage?from=0&to=${fx.now()}`)
      expect(usage.body?.['items']).toEqual([
        expect.objectContaining({ tenant: 'alpha', family: 'H100', workloadClass: 'llm-train' }),
      ])
      const hours =
        (usage.body?.['items'] as { acceleratorHours: number }[])[0]?.acceleratorHours ?? 0
      expect(hours).toBeCloseTo((16 * 600) / 3600, 1)
    })

    it('keeps tenants apart: another tenant’s job is a 404, its list is empty to others', async () => {
      const mine = await call(
        beta,
        'POST',
        '/api/v1/jobs',
        job({ name: 'beta-job', twin: { durationS: 1e6 } }),
      )
      const id = mine.body?.['id'] as string
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).status).toBe(404)
      expect((await call(alpha, 'DELETE', `/api/v1/jobs/${id}`)).status).toBe(404)
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}/why`)).status).toBe(404)
      const list = await call(alpha, 'GET', '/api/v1/jobs?tenant=beta')
      expect(list.body?.['items']).toEqual([])
      const own = await call(alpha, 'GET', '/api/v1/jobs')
      expect((own.body?.['items'] as { tenant: string }[]).every((j) => j.tenant === 'alpha')).toBe(
        true,
      )
      const all = await call(fx.adminToken, 'GET', '/api/v1/jobs?tenant=beta')
      expect((all.body?.['items'] as { id: string }[]).map((j) => j.id)).toContain(id)
      // a page far down the list, the count of what matches, and the family asked for
      const counted = await call(fx.adminToken, 'GET', '/api/v1/jobs?withTotal=true&limit=1')
      const total = counted.body?.['total'] as number
      expect(total).toBeGreaterThan(1)
      const lastPage = await call(fx.adminToken, 'GET', `/api/v1/jobs?offset=${total - 1}`)
      expect((lastPage.body?.['items'] as { id: string }[]).map((j) => j.id)).toEqual([id])
      const h100 = await call(fx.adminToken, 'GET', '/api/v1/jobs?family=h100&withTotal=true')
      expect(h100.body?.['total']).toBe(total)
      const none = await call(fx.adminToken, 'GET', '/api/v1/jobs?family=MI300X&withTotal=true')
      expect(none.body).toMatchObject({ items: [], total: 0 })
      expect((await call(alpha, 'GET', '/api/v1/jobs?tenant=beta&withTotal=true')).body).toEqual({
        items: [],
        next: null,
        total: 0,
      })
      // a viewer reads but never writes
      expect((await call(viewer, 'GET', '/api/v1/jobs')).status).toBe(200)
      expect((await call(viewer, 'POST', '/api/v1/jobs', job())).status).toBe(403)
      expect((await call(beta, 'DELETE', `/api/v1/jobs/${id}`)).body?.['state']).toBe('cancelled')
      expect((await call(beta, 'DELETE', `/api/v1/jobs/${id}`)).status).toBe(409)
    })

    it('takes a twin run’s duration from the performance model for a model and a token budget', async () => {
      const r = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'modelled', twin: { model: 'llama3-8b', tokens: 2e9 } }),
      )
      expect(r.status).toBe(201)
      expect(r.body).toMatchObject({ durationSource: 'performance-model' })
      // 16 H100 train an 8B model at some 10^5 tokens/s: 2e9 tokens take minutes to hours
      expect(r.body?.['durationS']).toBeGreaterThan(600)
      expect(r.body?.['durationS']).toBeLessThan(36_000)
      await call(alpha, 'DELETE', `/api/v1/jobs/${r.body?.['id'] as string}`)
      const unknown = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ twin: { model: 'gpt-9', tokens: 1e9 } }),
      )
      expect(unknown.status).toBe(400)
      expect(unknown.body?.error?.message).toContain('/twin/model')
      const huge = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ replicas: 1, twin: { model: 'llama3-405b', tokens: 1e9 } }),
      )
      expect(huge.status).toBe(400)
      expect(huge.body?.error?.code).toBe('invalid-input')
      const details = huge.body?.error?.details as { path: string; message: string }[]
      expect(details.map((d) => d.path)).toEqual(['/twin/model'])
      expect(details[0]?.message).toContain('GB per accelerator')
    })

    it('answers a retried submission with the same job (Idempotency-Key)', async () => {
      const headers = { 'idempotency-key': 'retry-1' }
      const first = await call(alpha, 'POST', '/api/v1/jobs', job({ name: 'once' }), headers)
      const again = await call(alpha, 'POST', '/api/v1/jobs', job({ name: 'once' }), headers)
      expect(first.status).toBe(201)
      expect(again.status).toBe(200)
      expect(again.body?.['id']).toBe(first.body?.['id'])
      await call(alpha, 'DELETE', `/api/v1/jobs/${first.body?.['id'] as string}`)
    })

    it('holds a tenant to its quota while others borrow the cluster', async () => {
      const big = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'borrower', replicas: 8, twin: { durationS: 100 } }),
      )
      const small = await call(
        beta,
        'POST',
        '/api/v1/jobs',
        job({ name: 'over-quota', replicas: 1 }),
      )
      await pass()
      const why = await call(beta, 'GET', `/api/v1/jobs/${small.body?.['id'] as string}/why`)
      // beta is guaranteed 10 SCU; 8 H100 are 23.2 SCU, and nothing is idle to borrow
      expect(why.body).toMatchObject({
        state: 'pending',
        reason: { kind: 'quota-exceeded', limitScu: 10 },
      })
      await call(beta, 'DELETE', `/api/v1/jobs/${small.body?.['id'] as string}`)
      await pass(101)
      expect(
        (await call(alpha, 'GET', `/api/v1/jobs/${big.body?.['id'] as string}`)).body?.['state'],
      ).toBe('succeeded')
    })

    it('explains a pending job, and places it once capacity frees', async () => {
      const big = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'big', replicas: 8, twin: { durationS: 100 } }),
      )
      const blocker = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'blocker', replicas: 1, twin: { durationS: 50 } }),
      )
      expect(blocker.status).toBe(201)
      // big came first and takes the whole cluster
      await pass()
      const bigId = big.body?.['id'] as string
      const blockerId = blocker.body?.['id'] as string
      expect((await call(alpha, 'GET', `/api/v1/jobs/${bigId}`)).body?.['state']).toBe('running')
      const why = await call(alpha, 'GET', `/api/v1/jobs/${blockerId}/why`)
      // alpha borrows the whole cluster: what it may hold now is what is there
      expect(why.body).toMatchObject({
        state: 'pending',
        reason: { kind: 'quota-exceeded', usedScu: 185.6 },
      })
      expect(why.body?.['message']).toContain('tenant alpha uses 185.6 of 185.6')
      await pass(101)
      await pass()
      expect((await call(alpha, 'GET', `/api/v1/jobs/${blockerId}`)).body?.['state']).toBe(
        'running',
      )
      await pass(51)
      expect((await call(alpha, 'GET', `/api/v1/jobs/${blockerId}`)).body?.['state']).toBe(
        'succeeded',
      )
    })

    it('restarts a gang whose node fails on a replacement, from its last checkpoint', async () => {
      const sub = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'resilient', twin: { durationS: 1000 } }),
      )
      const id = sub.body?.['id'] as string
      await pass()
      const before = await call(alpha, 'GET', `/api/v1/jobs/${id}`)
      const nodes = before.body?.['nodes'] as string[]
      fx.advance(150) // 2 checkpoints of 60 s done, 30 s since the last
      await fx.twin.failNode(nodes[0] ?? '', 'XID 79: GPU fell off the bus')
      await pass()
      const after = await call(alpha, 'GET', `/api/v1/jobs/${id}`)
      expect(after.body).toMatchObject({ state: 'running', attempt: 2, restarts: 1 })
      expect(after.body?.['nodes']).not.toContain(nodes[0])
      expect(after.body?.['lostAcceleratorSeconds']).toBe(30 * 16)
      const events = (await call(alpha, 'GET', `/api/v1/jobs/${id}/events`)).body?.['items'] as {
        kind: string
        detail: Record<string, unknown>
      }[]
      expect(events.map((e) => e.kind)).toEqual(['submitted', 'placed', 'restarted'])
      expect(events[2]?.detail).toMatchObject({ failedNode: nodes[0], lostS: 480 })
      // 120 s were kept: the new attempt needs 880 s more
      await pass(879)
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body?.['state']).toBe('running')
      await pass(2)
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body?.['state']).toBe('succeeded')
      const nodesView = await call(alpha, 'GET', '/api/v1/nodes?state=failed')
      expect((nodesView.body?.['items'] as { name: string }[]).map((n) => n.name)).toEqual([
        nodes[0],
      ])
      const summary = await call(alpha, 'GET', '/api/v1/cluster/summary')
      expect(summary.body?.['failures']).toMatchObject({ count: 1 })
      // every field the route computes survives its response schema
      expect(summary.body).toEqual({
        accelerators: {
          total: 64,
          allocated: aNumber,
          byFamily: { H100: { total: 64, allocated: aNumber, healthy: 56 } },
        },
        utilization: aNumber,
        failures: { windowS: 7 * 86_400, count: 1, per1000AcceleratorDays: aNumber },
        runningJobs: aNumber,
        ettrRunning: aNumber,
      })
    })

    it('drains and resumes nodes (admin only), and the scheduler honours the drain', async () => {
      const names = (
        (await call(alpha, 'GET', '/api/v1/nodes')).body?.['items'] as {
          name: string
          health: string
        }[]
      )
        .filter((n) => n.health === 'healthy')
        .map((n) => n.name)
      expect(names).toHaveLength(7) // one is still in repair from the test before
      expect(
        (await call(alpha, 'POST', `/api/v1/nodes/${names[0]}/drain`, { reason: 'x' })).status,
      ).toBe(403)
      expect(
        (await call(fx.adminToken, 'POST', `/api/v1/nodes/${names[0]}/drain`, {})).status,
      ).toBe(400)
      expect(
        (await call(fx.adminToken, 'POST', '/api/v1/nodes/nope/drain', { reason: 'x' })).status,
      ).toBe(404)
      for (const n of names) {
        const r = await call(fx.adminToken, 'POST', `/api/v1/nodes/${n}/drain`, {
          reason: 'firmware',
        })
        expect(r.body).toMatchObject({ adminState: 'drained', reason: 'firmware' })
      }
      const sub = await call(alpha, 'POST', '/api/v1/jobs', job({ name: 'waits', replicas: 1 }))
      const id = sub.body?.['id'] as string
      await pass()
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body?.['state']).toBe('pending')
      // two nodes back (one would hold less than beta's guarantee leaves to alpha)
      expect((await call(fx.adminToken, 'POST', `/api/v1/nodes/${names[0]}/resume`)).status).toBe(
        200,
      )
      await call(fx.adminToken, 'POST', `/api/v1/nodes/${names[1]}/resume`)
      await pass()
      const placed = await call(alpha, 'GET', `/api/v1/jobs/${id}`)
      expect(placed.body?.['state']).toBe('running')
      expect(names.slice(0, 2)).toContain((placed.body?.['nodes'] as string[])[0])
      for (const n of names.slice(2)) {
        await call(fx.adminToken, 'POST', `/api/v1/nodes/${n}/resume`)
      }
      await call(alpha, 'DELETE', `/api/v1/jobs/${id}`)
      const audit = await call(fx.adminToken, 'GET', '/api/v1/audit?limit=1000')
      expect(Object.keys((audit.body?.['items'] as object[])[0] ?? {})).toEqual([
        'at',
        'actor',
        'tenant',
        'action',
        'target',
        'detail',
      ])
      const created = (audit.body?.['items'] as { action: string; detail: unknown }[]).find(
        (a) => a.action === 'tenant.create',
      )
      expect(created?.detail).toMatchObject({ quotas: { 'llm-train': anObject } })
      const actions = (audit.body?.['items'] as { action: string }[]).map((a) => a.action)
      expect(actions).toEqual(
        expect.arrayContaining([
          'node.drain',
          'node.resume',
          'job.submit',
          'job.cancel',
          'tenant.create',
        ]),
      )
    })

    it('drain with evacuate restarts the gangs there elsewhere; a plain drain leaves them', async () => {
      const sub = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'movable', replicas: 1, twin: { durationS: 1000 } }),
      )
      const id = sub.body?.['id'] as string
      await pass()
      const first = (await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body
      expect(first).toMatchObject({ state: 'running', attempt: 1 })
      const node = (first?.['nodes'] as string[])[0] ?? ''
      await call(fx.adminToken, 'POST', `/api/v1/nodes/${node}/drain`, { reason: 'bios' })
      await pass(10)
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body).toMatchObject({
        state: 'running',
        attempt: 1,
        nodes: [node],
      })
      const r = await call(fx.adminToken, 'POST', `/api/v1/nodes/${node}/drain`, {
        reason: 'bios, now',
        evacuate: true,
      })
      expect(r.body).toMatchObject({ adminState: 'drained', reason: 'bios, now' })
      expect(
        (
          await call(fx.adminToken, 'POST', `/api/v1/nodes/${node}/drain`, {
            reason: 'x',
            evacuate: 'yes',
          })
        ).status,
      ).toBe(400)
      await pass(10)
      const moved = (await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body
      expect(moved).toMatchObject({ state: 'running', attempt: 2, restarts: 1 })
      expect(moved?.['nodes']).not.toContain(node)
      const events = (await call(alpha, 'GET', `/api/v1/jobs/${id}/events`)).body?.['items'] as {
        kind: string
        detail: Record<string, unknown>
      }[]
      expect(events.map((e) => e.kind)).toEqual(['submitted', 'placed', 'evacuate', 'restarted'])
      expect(events[3]?.detail).toMatchObject({ drainedNode: node, cause: 'evacuated' })
      // the twin runs the new attempt only
      const runs = await fx.twin.runs()
      expect(runs.filter((run) => run.jobId === id).map((run) => run.attempt)).toEqual([2])
      await call(fx.adminToken, 'POST', `/api/v1/nodes/${node}/resume`)
      await call(alpha, 'DELETE', `/api/v1/jobs/${id}`)
      await pass()
    })

    it('rebuilds after a restart: adopts what runs, launches nothing twice', async () => {
      const sub = await call(
        alpha,
        'POST',
        '/api/v1/jobs',
        job({ name: 'survivor', twin: { durationS: 300 } }),
      )
      const id = sub.body?.['id'] as string
      await pass()
      expect((await call(alpha, 'GET', `/api/v1/jobs/${id}`)).body?.['state']).toBe('running')
      // a second control plane on the same store, as after kill -9 and a restart
      await fx.reconciler.stop()
      const second = await appFixture(db.store)
      second.advance(fx.now() - second.now() + 10)
      await db.store.releaseLease('reconcile-loop', 'test')
      await second.reconciler.pass()
      const view = await second.app.inject({
        method: 'GET',
        url: `/api/v1/jobs/${id}`,
        headers: { authorization: `Bearer ${alpha}` },
      })
      expect(view.json()).toMatchObject({ state: 'running', attempt: 1 })
      second.advance(300)
      await second.reconciler.pass()
      const done = await second.app.inject({
        method: 'GET',
        url: `/api/v1/jobs/${id}/events`,
        headers: { authorization: `Bearer ${alpha}` },
      })
      expect(done.json<{ items: { kind: string }[] }>().items.map((e) => e.kind)).toEqual([
        'submitted',
        'placed',
        'succeeded',
      ])
      await second.close()
    })
  },
)
