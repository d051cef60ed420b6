import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { appFixture, type AppFixture } from './testing.js'

/** An API answer: any fields, and the error shape when it failed. */
interface Answer {
  readonly [field: string]: unknown
  readonly warnings?: readonly string[]
  readonly error?: {
    readonly code: string
    readonly message: string
    readonly details: readonly { readonly path: string; readonly message: string }[]
  }
}

const job = (over: Record<string, unknown> = {}) => ({
  name: 'big',
  replicas: 1,
  acceleratorsPerReplica: 8,
  chip: { family: 'H100' },
  twin: { durationS: 600 },
  ...over,
})

// lab-64: 8 H100 nodes × 8 (x86_64) in two leaf blocks of 4; 2.9 llm-train SCU each, 185.6 in all
describe.each(testDialects().map((d) => [d.name, d] as const))(
  'admission on %s: a job that can never run is refused, unless an admin admits it anyway',
  (_name, dialect) => {
    let db: StoreFixture
    let fx: AppFixture
    let member: string
    const call = async (
      token: string,
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
    ) => {
      const r = await fx.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      })
      return { status: r.statusCode, body: r.json<Answer>() }
    }
    const refusal = async (body: Record<string, unknown>, token = member) => {
      const r = await call(token, 'POST', '/api/v1/jobs', body)
      expect(r.status).toBe(422)
      expect(r.body.error?.code).toBe('invalid-config')
      return r.body.error ?? { code: '', message: '', details: [] }
    }

    beforeAll(async () => {
      db = await dialect.open()
      fx = await appFixture(db.store)
      const created = await call(fx.adminToken, 'POST', '/api/v1/tenants', {
        name: 'capped',
        quotas: { 'llm-train': { guaranteed: 30, borrowingLimit: 20 } },
      })
      expect(created.status).toBe(201)
      expect(created.body.warnings).toBeUndefined()
      member = await fx.token('capped', 'member')
    })
    afterAll(async () => {
      await fx.close()
      await db.close()
    })

    it('refuses 9 × 8 H100 on a 64-GPU cluster with 422, naming /replicas and the numbers', async () => {
      const error = await refusal(job({ replicas: 9 }), fx.adminToken)
      expect(error.details).toEqual([
        {
          path: '/replicas',
          message: 'needs 72 H100 accelerators (9 replicas of 8), the cluster has 64 (8 nodes × 8)',
        },
      ])
      expect(error.message).toContain(
        '/replicas: needs 72 H100 accelerators (9 replicas of 8), the cluster has 64 (8 nodes × 8)',
      )
      expect(error.message).toContain('--admit-anyway')
    })

    it('refuses a chip family the cluster has no pool of, naming /chip/family', async () => {
      const error = await refusal(job({ chip: { family: 'MI300X' } }))
      expect(error.details).toEqual([
        { path: '/chip/family', message: 'no pool has MI300X; the cluster has H100' },
      ])
    })

    it('refuses an SCU amount beyond the cluster, naming /chip/scu', async () => {
      const error = await refusal(job({ chip: { scu: 1000 } }), fx.adminToken)
      expect(error.details[0]?.path).toBe('/chip/scu')
      expect(error.details[0]?.message).toMatch(/the cluster has 64 \(8 nodes × 8\)/)
    })

    it('takes "any" in chip.anyOf as every family of the cluster', async () => {
      const r = await call(member, 'POST', '/api/v1/jobs', job({ chip: { anyOf: ['any'] } }))
      expect(r.status).toBe(201)
      await fx.reconciler.pass()
      const why = await call(member, 'GET', `/api/v1/jobs/${r.body['id'] as string}/why`)
      expect(why.body['state']).toBe('running')
      await call(member, 'DELETE', `/api/v1/jobs/${r.body['id'] as string}`)
    })

    it('refuses a CPU architecture the pools do not have, naming /archs', async () => {
      const error = await refusal(job({ archs: ['aarch64'] }))
      expect(error.details.map((d) => d.path)).toEqual(['/archs'])
      expect(error.details[0]?.message).toContain('H100 hosts are x86_64')
    })

    it('refuses a required tier no domain of which holds the gang, naming /topology/tier', async () => {
      const error = await refusal(
        job({ replicas: 5, topology: { mode: 'required', tier: 'leaf' } }),
        fx.adminToken,
      )
      expect(error.details.map((d) => d.path)).toEqual(['/topology/tier'])
      expect(error.details[0]?.message).toMatch(
        /must share one leaf block, but the largest holds 4/,
      )
    })

    it('refuses a job larger than its tenant’s quota ceiling (guarantee + borrowing limit)', async () => {
      // 3 × 8 H100 = 69.6 SCU; capped may hold 30 + 20
      const error = await refusal(job({ replicas: 3 }))
      expect(error.details).toEqual([
        {
          path: '/replicas',
          message:
            'needs 69.6 llm-train SCU (24 H100 accelerators at 2.9 each), more than tenant capped may ever hold: 50 (guaranteed 30 + borrowing limit 20)',
        },
      ])
      // within the ceiling: accepted, though it may wait
      expect((await call(member, 'POST', '/api/v1/jobs', job({ replicas: 2 }))).status).toBe(201)
    })

    it('accepts it with ?admit=anyway from an admin: it waits, saying the cluster cannot hold it', async () => {
      const r = await call(fx.adminToken, 'POST', '/api/v1/jobs?admit=anyway', job({ replicas: 9 }))
      expect(r.status).toBe(201)
      expect(r.body.warnings).toEqual([
        '/replicas: needs 72 H100 accelerators (9 replicas of 8), the cluster has 64 (8 nodes × 8); admitted anyway: it waits until the cluster or quota grows',
      ])
      await fx.reconciler.pass()
      const why = await call(fx.adminToken, 'GET', `/api/v1/jobs/${r.body['id'] as string}/why`)
      expect(why.body).toMatchObject({
        state: 'pending',
        reason: { kind: 'exceeds-cluster', neededReplicas: 9, clusterReplicas: 8 },
        message: 'needs 72 H100 accelerators (9 replicas of 8), the cluster has 64 (8 nodes × 8)',
      })
      const audit = await call(fx.adminToken, 'GET', '/api/v1/audit')
      expect(JSON.stringify(audit.body)).toContain('admittedAnyway')
    })

    it('refuses ?admit=anyway from a member with 403, feasible job or not', async () => {
      for (const body of [job({ replicas: 9 }), job()]) {
        const r = await call(member, 'POST', '/api/v1/jobs?admit=anyway', body)
        expect(r.status).toBe(403)
        expect(r.body.error?.message).toBe('this needs an admin token')
      }
      const odd = await call(fx.adminToken, 'POST', '/api/v1/jobs?admit=yes', job())
      expect(odd.status).toBe(400)
    })

    it('accepts a guarantee larger than the cluster, with a warning that says the numbers', async () => {
      const created = await call(fx.adminToken, 'POST', '/api/v1/tenants', {
        name: 'greedy',
        quotas: { 'llm-train': { guaranteed: 100_000 } },
      })
      expect(created.status).toBe(201)
      expect(created.body.warnings).toEqual([
        '/quotas/llm-train/guaranteed: 100000 SCU is more than the cluster has in llm-train (185.6 SCU, every node counted); the guarantee can never be met',
      ])
      const patched = await call(fx.adminToken, 'PATCH', '/api/v1/tenants/greedy', {
        quotas: { 'llm-train': { guaranteed: 100 }, 'llm-decode': { guaranteed: 500 } },
      })
      expect(patched.status).toBe(200)
      expect(patched.body.warnings).toEqual([
        '/quotas/llm-decode/guaranteed: 500 SCU is more than the cluster has in llm-decode (96.64 SCU, every node counted); the guarantee can never be met',
      ])
    })
  },
)
