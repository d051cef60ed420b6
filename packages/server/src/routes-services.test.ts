import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { appFixture, type AppFixture } from './testing.js'

interface ServiceJson {
  name: string
  tp: number
  capacityRps: number
  desiredReplicas: number
  replicas: { id: string; state: string }[]
}

describe.each(testDialects().map((d) => [d.name, d] as const))(
  'model services through the API on the twin (%s)',
  (_name, dialect) => {
    let db: StoreFixture
    let fx: AppFixture
    let alpha: string
    let viewer: string
    const call = async (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
      token = alpha,
    ) => {
      const r = await fx.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      })
      return { status: r.statusCode, body: r.json<Record<string, unknown>>() }
    }
    const state = async (id: string) => (await call('GET', `/api/v1/jobs/${id}`)).body['state']
    const chat = {
      name: 'chat',
      model: 'llama3-70b',
      chip: { family: 'H100' },
      precision: 'fp8',
      slo: { ttftP99S: 2, tpotP99S: 0.1 },
      minReplicas: 1,
      maxReplicas: 4,
      priority: 100,
    }

    beforeAll(async () => {
      db = await dialect.open()
      fx = await appFixture(db.store)
      await call(
        'POST',
        '/api/v1/tenants',
        {
          name: 'alpha',
          quotas: { 'llm-train': { guaranteed: 1000 }, 'llm-decode': { guaranteed: 1000 } },
        },
        fx.adminToken,
      )
      alpha = await fx.token('alpha', 'member')
      viewer = await fx.token('alpha', 'viewer')
    })
    afterAll(async () => {
      await fx.close()
      await db.close()
    })

    it('places replicas, preempts training to scale up, gives the accelerators back to it when the load falls', async () => {
      // a low-priority training gang takes the whole cluster (8 nodes of 8 H100)
      const training = await call('POST', '/api/v1/jobs', {
        name: 'pretrain',
        replicas: 8,
        acceleratorsPerReplica: 8,
        chip: { family: 'H100' },
        priority: 0,
        checkpoint: { intervalS: 600 },
        twin: { durationS: 30 * 86_400 },
      })
      const trainId = String(training.body['id'])
      await fx.reconciler.pass()
      expect(await state(trainId)).toBe('running')

      // the service: one replica to start, sized by the serving model
      const created = await call('POST', '/api/v1/services', chat)
      expect(created.status).toBe(201)
      const service = created.body as unknown as ServiceJson
      expect(service.tp).toBe(2)
      expect(service.capacityRps).toBeGreaterThan(1)
      expect(service.replicas).toHaveLength(1)
      fx.advance(60)
      await fx.reconciler.pass()
      fx.advance(60)
      await fx.reconciler.pass()
      const first = service.replicas[0]?.id ?? ''
      expect(await state(first)).toBe('running')
      // the training gang gave way, from its checkpoint, and waits
      expect(await state(trainId)).toBe('pending')

      // load rises: the autoscaler adds replicas at once
      const up = await call('POST', '/api/v1/services/chat/load', {
        requestsPerS: 2.5 * service.capacityRps * 0.8,
      })
      expect(up.status).toBe(200)
      expect((up.body as unknown as ServiceJson).desiredReplicas).toBe(3)
      fx.advance(60)
      await fx.reconciler.pass()
      const scaled = (await call('GET', '/api/v1/services/chat')).body as unknown as ServiceJson
      expect(scaled.replicas).toHaveLength(3)
      for (const r of scaled.replicas) {
        expect(await state(r.id)).toBe('running')
      }

      // the load reports are the service's history
      await call('POST', '/api/v1/services/chat/load', { requestsPerS: 2, sloAttainment: 0.995 })
      const samples = (await call('GET', '/api/v1/services/chat/samples')).body['items'] as {
        desired: number
        running: number
        loadRps: number
        sloAttainment: number | null
      }[]
      expect(samples.map((x) => x.desired)).toEqual([3, 3])
      expect(samples.at(-1)).toMatchObject({ running: 3, loadRps: 2, sloAttainment: 0.995 })
      const metrics = await fx.app.inject({ method: 'GET', url: '/metrics' })
      expect(metrics.body).toMatch(/zhisuan_service_replicas\{service="chat",state="running"\} 3/)
      expect(metrics.body).toMatch(/zhisuan_service_replicas\{service="chat",state="desired"\} 3/)
      expect(metrics.body).toMatch(/zhisuan_service_load_rps\{service="chat"\} [\d.]+/)

      // load falls: nothing for five minutes, then one replica at a time
      expect(
        (
          (await call('POST', '/api/v1/services/chat/load', { requestsPerS: 0 }))
            .body as unknown as ServiceJson
        ).desiredReplicas,
      ).toBe(3)
      fx.advance(301)
      expect(
        (
          (await call('POST', '/api/v1/services/chat/load', { requestsPerS: 0 }))
            .body as unknown as ServiceJson
        ).desiredReplicas,
      ).toBe(2)
      fx.advance(301)
      const down = (await call('POST', '/api/v1/services/chat/load', { requestsPerS: 0 }))
        .body as unknown as ServiceJson
      expect(down.desiredReplicas).toBe(1)
      expect(down.replicas).toHaveLength(1)

      // the service goes: its accelerators go back to the queue, and training resumes
      expect((await call('DELETE', '/api/v1/services/chat')).status).toBe(200)
      fx.advance(60)
      await fx.reconciler.pass()
      expect(await state(trainId)).toBe('running')
      expect((await call('GET', '/api/v1/services/chat')).status).toBe(404)
    })

    it('refuses bad specs by field, scaling out of bounds, viewers and strangers', async () => {
      const bad: [unknown, number, RegExp][] = [
        [{ ...chat, slo: { ttftP99S: -1, tpotP99S: 0.1 } }, 400, /ttftP99S/],
        [{ ...chat, name: 'Bad Name' }, 400, /name/],
        [{ ...chat, chip: { family: 'MI300X' } }, 400, /chip: no pool of this cluster has MI300X/],
        [{ ...chat, model: 'gpt-99' }, 400, /model: /],
        [
          { ...chat, slo: { ttftP99S: 2, tpotP99S: 0.0001 } },
          400,
          /slo: .*even one request at a time/,
        ],
        [{ ...chat, minReplicas: 3, maxReplicas: 2 }, 400, /maxReplicas: 2 is below minReplicas 3/],
        [{ ...chat, replicas: 2 }, 400, /replicas/],
      ]
      for (const [body, status, message] of bad) {
        const r = await call('POST', '/api/v1/services', body)
        expect(r.status, JSON.stringify(body)).toBe(status)
        expect(JSON.stringify(r.body), JSON.stringify(body)).toMatch(message)
      }
      expect(
        (await call('POST', '/api/v1/services', { ...chat, name: 'chat2' }, viewer)).status,
      ).toBe(403)
      expect((await call('POST', '/api/v1/services', { ...chat, name: 'chat2' })).status).toBe(201)
      expect((await call('POST', '/api/v1/services', { ...chat, name: 'chat2' })).status).toBe(409)
      const out = await call('PATCH', '/api/v1/services/chat2', { replicas: 9 })
      expect(out.status).toBe(400)
      expect(JSON.stringify(out.body)).toMatch(/replicas: 9 is outside 1\.\.4/)
      expect((await call('PATCH', '/api/v1/services/chat2', { replicas: 2 })).status).toBe(200)
      await call('POST', '/api/v1/tenants', { name: 'beta', quotas: {} }, fx.adminToken)
      const other = await fx.token('beta', 'member')
      expect(other).toEqual(expect.any(String))
      expect((await call('GET', '/api/v1/services/chat2', undefined, other)).status).toBe(404)
      expect((await call('GET', '/api/v1/services', undefined, other)).body['services']).toEqual([])
      expect((await call('DELETE', '/api/v1/services/chat2')).status).toBe(200)
    })

    it('leaves no replica without its service when two changes race', async () => {
      expect((await call('POST', '/api/v1/services', { ...chat, name: 'race' })).status).toBe(201)
      const answers = await Promise.all([
        call('PATCH', '/api/v1/services/race', { replicas: 4 }),
        call('PATCH', '/api/v1/services/race', { replicas: 2 }),
        call('POST', '/api/v1/services/race/load', { requestsPerS: 0 }),
      ])
      expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true)
      // one more change settles it; then exactly what it wants runs or waits, and nothing else
      const settled = (await call('PATCH', '/api/v1/services/race', {}))
        .body as unknown as ServiceJson
      const jobs = (await call('GET', '/api/v1/jobs?state=pending&limit=500')).body['items'] as {
        name: string
      }[]
      const running = (await call('GET', '/api/v1/jobs?state=running&limit=500')).body['items'] as {
        name: string
      }[]
      const replicas = [...jobs, ...running].filter((j) => j.name.startsWith('race.r'))
      expect(replicas).toHaveLength(settled.desiredReplicas)
      expect(settled.replicas).toHaveLength(settled.desiredReplicas)
      expect((await call('DELETE', '/api/v1/services/race')).status).toBe(200)
      const left = (await call('GET', '/api/v1/jobs?state=pending&limit=500')).body['items'] as {
        name: string
      }[]
      expect(left.filter((j) => j.name.startsWith('race.r'))).toEqual([])
    })

    it('counts replicas against the tenant’s llm-decode quota: refused at creation, or beyond it when scaling', async () => {
      await call(
        'POST',
        '/api/v1/tenants',
        { name: 'small', quotas: { 'llm-decode': { guaranteed: 1, borrowingLimit: 0 } } },
        fx.adminToken,
      )
      const small = await fx.token('small', 'member')
      const r = await call('POST', '/api/v1/services', { ...chat, name: 'tiny' }, small)
      expect(r.status).toBe(422)
      expect(JSON.stringify(r.body)).toMatch(/llm-decode/)
      expect((await call('GET', '/api/v1/services/tiny', undefined, small)).status).toBe(404)
    })
  },
)
