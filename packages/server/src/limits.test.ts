// Per-tenant limits (issue #19): a tenant at its cap of pending jobs or over its submission rate
// gets 429 with Retry-After while another tenant is unaffected; a spray of unknown tokens is held
// back before it reaches the store; the figures are in /metrics.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { AuthFailures, TokenBucket } from './limits.js'
import { appFixture, type AppFixture } from './testing.js'

describe('TokenBucket', () => {
  it('never grants more than its burst plus its rate over any stretch of time', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const bucket = new TokenBucket(rate, burst, 0)
          let t = 0
          const granted: number[] = []
          for (const gap of gaps) {
            t += gap
            if (bucket.take(t) === 0) {
              granted.push(t)
            }
          }
          // every window [a, b] between two grants holds at most burst + rate × (b − a) of them
          for (let i = 0; i < granted.length; i++) {
            for (let j = i; j < granted.length; j++) {
              const span = (granted[j] ?? 0) - (granted[i] ?? 0)
              expect(j - i + 1).toBeLessThanOrEqual(burst + rate * span + 1e-9)
            }
          }
        },
      ),
      { seed: 19, numRuns: 200 },
    )
  })

  it('says how long until the next token, and grants it then', () => {
    const bucket = new TokenBucket(4, 2, 0)
    expect(bucket.take(0)).toBe(0)
    expect(bucket.take(0)).toBe(0)
    const wait = bucket.take(0)
    expect(wait).toBeCloseTo(0.25)
    expect(bucket.take(wait)).toBe(0)
  })
})

describe('AuthFailures', () => {
  it('holds back one address that fails, not another, until its bucket refills', () => {
    let now = 0
    const failures = new AuthFailures(
      { perAddressPerS: 1, perAddressBurst: 3, globalPerS: 100, globalBurst: 100 },
      () => now,
    )
    for (let i = 0; i < 3; i++) {
      failures.check('10.0.0.1')
      failures.failed('10.0.0.1')
    }
    expect(() => {
      failures.check('10.0.0.1')
    }).toThrow(/too many unknown or revoked tokens/)
    failures.check('10.0.0.2')
    now = 1
    failures.check('10.0.0.1')
  })
})

describe.each(testDialects().map((d) => [d.name, d] as const))('limits on %s', (_name, dialect) => {
  let db: StoreFixture
  let fx: AppFixture
  const tokens: Record<string, string> = {}
  const submit = (tenant: string, name = 'j') =>
    fx.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { authorization: `Bearer ${tokens[tenant] ?? ''}` },
      payload: {
        name,
        replicas: 1,
        acceleratorsPerReplica: 8,
        chip: { family: 'H100' },
        twin: { durationS: 60 },
      },
    })
  const admin = (method: 'POST' | 'PATCH', url: string, payload: object) =>
    fx.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${fx.adminToken}` },
      payload,
    })

  beforeAll(async () => {
    db = await dialect.open()
    fx = await appFixture(db.store)
    for (const [name, limits] of [
      ['capped', { maxPendingJobs: 5 }],
      ['slow', { submitsPerS: 0.01, submitBurst: 3 }],
      ['other', undefined],
    ] as const) {
      const r = await admin('POST', '/api/v1/tenants', {
        name,
        ...(limits === undefined ? {} : { limits }),
      })
      expect(r.statusCode).toBe(201)
      tokens[name] = await fx.token(name, 'member')
    }
  })
  afterAll(async () => {
    await fx.close()
    await db.close()
  })

  it('shows the limits that hold, its own or the defaults', async () => {
    const r = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/tenants',
      headers: { authorization: `Bearer ${fx.adminToken}` },
    })
    const items = r.json<{ items: { name: string; limits: Record<string, number> }[] }>().items
    expect(items.find((t) => t.name === 'capped')?.limits).toEqual({
      maxPendingJobs: 5,
      submitsPerS: 100,
      submitBurst: 1000,
    })
    expect(items.find((t) => t.name === 'other')?.limits['maxPendingJobs']).toBe(10_000)
  })

  it('takes exactly the cap of concurrent submissions, 429 for the rest, others unaffected', async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, () => submit('capped')),
      ...Array.from({ length: 10 }, () => submit('other')),
    ])
    const capped = answers.slice(0, 20)
    expect(capped.filter((r) => r.statusCode === 201)).toHaveLength(5)
    const refused = capped.filter((r) => r.statusCode !== 201)
    expect(refused.every((r) => r.statusCode === 429)).toBe(true)
    expect(refused[0]?.headers['retry-after']).toBe('10')
    expect(refused[0]?.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'too-many-requests',
      message: expect.stringMatching(/limits\.maxPendingJobs 5/) as unknown,
    })
    expect(answers.slice(20).every((r) => r.statusCode === 201)).toBe(true)
    const pending = await fx.store.listJobs({ states: ['pending'], limit: 1000 })
    expect(pending.filter((j) => j.tenant === 'capped')).toHaveLength(5)
  })

  it('takes a job again once one of the capped tenant’s pending jobs is cancelled', async () => {
    const mine = (await fx.store.listJobs({ states: ['pending'], limit: 1000 })).find(
      (j) => j.tenant === 'capped',
    )
    const cancel = await fx.app.inject({
      method: 'DELETE',
      url: `/api/v1/jobs/${mine?.id ?? ''}`,
      headers: { authorization: `Bearer ${tokens['capped'] ?? ''}` },
    })
    expect(cancel.statusCode).toBe(200)
    expect((await submit('capped')).statusCode).toBe(201)
    expect((await submit('capped')).statusCode).toBe(429)
  })

  it('refuses submissions over the rate with the wait in Retry-After', async () => {
    const statuses = []
    for (let i = 0; i < 4; i++) {
      statuses.push(await submit('slow'))
    }
    expect(statuses.map((r) => r.statusCode)).toEqual([201, 201, 201, 429])
    expect(Number(statuses[3]?.headers['retry-after'])).toBeGreaterThanOrEqual(99)
    expect(statuses[3]?.body).toMatch(/limits\.submitsPerS 0\.01/)
    const raised = await admin('PATCH', '/api/v1/tenants/slow', {
      limits: { submitsPerS: 1000 },
    })
    expect(raised.statusCode).toBe(200)
    expect((await submit('slow')).statusCode).toBe(201)
  })

  it('holds back a spray of unknown tokens before the store, while a known token works', async () => {
    const before = fx.app.inject({ method: 'GET', url: '/metrics' })
    const missesBefore = /zhisuan_token_cache_lookups_total\{result="miss"\} (\d+)/.exec(
      (await before).body,
    )?.[1]
    const statuses = new Map<number, number>()
    for (let i = 0; i < 200; i++) {
      const r = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer zs_guess${i}` },
      })
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1)
    }
    // the default: 20 failures at once from one address, then 2 a second
    expect(statuses.get(401)).toBeGreaterThanOrEqual(20)
    expect(statuses.get(401)).toBeLessThan(40)
    expect(statuses.get(429)).toBe(200 - (statuses.get(401) ?? 0))
    const known = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jobs',
      headers: { authorization: `Bearer ${tokens['other'] ?? ''}` },
    })
    expect(known.statusCode).toBe(200)
    const metrics = (await fx.app.inject({ method: 'GET', url: '/metrics' })).body
    const missesAfter = /zhisuan_token_cache_lookups_total\{result="miss"\} (\d+)/.exec(
      metrics,
    )?.[1]
    expect(Number(missesAfter) - Number(missesBefore)).toBeLessThan(40)
    expect(metrics).toMatch(/zhisuan_limited_requests_total\{limit="pending",tenant="capped"\} \d+/)
    expect(metrics).toMatch(/zhisuan_limited_requests_total\{limit="rate",tenant="slow"\} 1/)
    expect(metrics).toMatch(/zhisuan_limited_requests_total\{limit="auth",tenant=""\} \d+/)
  })
})
