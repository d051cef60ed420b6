import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobRecord } from '@zhisuan/store'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { appFixture, type AppFixture } from './testing.js'
import { twinProgress } from './views.js'

describe('twinProgress', () => {
  const job = {
    id: 'job-1',
    state: 'running',
    attempt: 2,
    doneS: 300,
    spec: { durationS: 900 },
  } as unknown as JobRecord
  const run = { jobId: 'job-1', attempt: 2, nodes: ['n1'], startedAt: 100, endsAt: 110 }

  it('counts the share of the run’s wall time past as that share of the work left at launch', () => {
    expect(twinProgress(job, run, 104)).toEqual({
      source: 'twin',
      at: 104,
      doneS: 300 + 600 * 0.4,
      totalS: 900,
      remainingS: 6,
      endsAt: 110,
      speed: 60,
    })
  })

  it('never counts more than the whole job, nor time left below zero', () => {
    expect(twinProgress(job, run, 200)).toMatchObject({ doneS: 900, remainingS: 0 })
  })

  it('says nothing for a job that is not running or a run of another attempt', () => {
    expect(twinProgress({ ...job, state: 'pending' }, run, 104)).toBeNull()
    expect(twinProgress(job, { ...run, attempt: 1 }, 104)).toBeNull()
    expect(twinProgress(job, undefined, 104)).toBeNull()
  })
})

describe.each(testDialects().map((d) => [d.name, d] as const))(
  'the jobs API for the console on %s',
  (_name, dialect) => {
    let db: StoreFixture
    let fx: AppFixture
    let alpha: string
    const get = async (url: string) => {
      const r = await fx.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${alpha}` },
      })
      return r.json<Record<string, unknown>>()
    }

    beforeAll(async () => {
      db = await dialect.open()
      fx = await appFixture(db.store)
      await fx.app.inject({
        method: 'POST',
        url: '/api/v1/tenants',
        headers: { authorization: `Bearer ${fx.adminToken}` },
        payload: { name: 'alpha', quotas: { 'llm-train': { guaranteed: 100 } } },
      })
      alpha = await fx.token('alpha', 'member')
    })
    afterAll(async () => {
      await fx.close()
      await db.close()
    })

    it('answers a running twin job’s progress as the twin’s estimate, and none once it ends', async () => {
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer ${alpha}` },
        payload: {
          name: 'sft',
          replicas: 1,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 1000 },
        },
      })
      const id = r.json<{ id: string }>().id
      expect((await get(`/api/v1/jobs/${id}`))['progress']).toBeNull()
      await fx.reconciler.pass()
      fx.advance(250) // the fixture's twin runs at speed 1
      expect((await get(`/api/v1/jobs/${id}`))['progress']).toEqual({
        source: 'twin',
        at: fx.now(),
        doneS: 250,
        totalS: 1000,
        remainingS: 750,
        endsAt: fx.now() + 750,
        speed: 1,
      })
      fx.advance(800)
      await fx.reconciler.pass()
      const ended = await get(`/api/v1/jobs/${id}`)
      expect(ended['state']).toBe('succeeded')
      expect(ended['progress']).toBeNull()
    })
  },
)
