import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Store } from '@zhisuan/store'
import { appFixture, type AppFixture } from './testing.js'

/** Any number (or object), typed for the assertions that hold it. */
const aNumber: unknown = expect.any(Number)

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('the checkpoint registry API', () => {
  let fx: AppFixture
  let store: Store
  let member: string
  let other: string
  let jobId: string
  let nodes: string[]
  let nodeToken: string
  beforeAll(async () => {
    store = await Store.open(':memory:')
    fx = await appFixture(store)
    for (const name of ['alpha', 'beta']) {
      await fx.app.inject({
        method: 'POST',
        url: '/api/v1/tenants',
        headers: { authorization: `Bearer ${fx.adminToken}` },
        payload: { name },
      })
    }
    member = await fx.token('alpha', 'member')
    other = await fx.token('beta', 'member')
    const sub = await call(member, 'POST', '/api/v1/jobs', {
      name: 'ckpt',
      replicas: 2,
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 100_000 },
      checkpoint: { keepLast: 1 },
    })
    jobId = sub.json<{ id: string }>().id
    await fx.reconciler.pass()
    nodes = (await call(member, 'GET', `/api/v1/jobs/${jobId}`)).json<{ nodes: string[] }>().nodes
    nodeToken = await fx.token(nodes[0] ?? '', 'node')
  })
  afterAll(async () => {
    await fx.close()
    await store.close()
  })
  function call(token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
    return fx.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    })
  }
  const register = (step: number, shards: object[]) =>
    call(member, 'POST', `/api/v1/jobs/${jobId}/checkpoints`, { step, shards })
  const report = (token: string, cp: string, shard: object) =>
    call(token, 'POST', `/api/v1/jobs/${jobId}/checkpoints/${cp}/shards`, shard)

  it('commits when every shard is durable and verified; the node uploader may report', async () => {
    const r = await register(100, [
      { path: 'rank0.pt', size: 5, sha256: sha('aaaaa') },
      { path: 'rank1.pt', size: 5 },
    ])
    expect(r.statusCode).toBe(201)
    const cp = r.json<{ id: string }>().id
    expect(
      (
        await register(100, [
          { path: 'rank0.pt', size: 5 },
          { path: 'rank1.pt', size: 5 },
        ])
      ).statusCode,
    ).toBe(200)
    const first = await report(nodeToken, cp, {
      path: 'rank0.pt',
      size: 5,
      sha256: sha('aaaaa'),
      tier: 'durable',
      location: '/durable/rank0.pt',
    })
    expect(first.json()).toMatchObject({
      checkpoint: { state: 'pending' },
      shard: { state: 'durable' },
    })
    expect((await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints/latest`)).statusCode).toBe(
      404,
    )
    fx.advance(30)
    const last = await report(nodeToken, cp, {
      path: 'rank1.pt',
      size: 5,
      sha256: sha('bbbbb'),
      tier: 'durable',
    })
    expect(last.json()).toMatchObject({ checkpoint: { state: 'committed' } })
    const latest = await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints/latest`)
    expect(latest.json()).toMatchObject({ id: cp, step: 100 })
    // the response schemas list every field: nothing the route computes is dropped
    const shape = {
      id: cp,
      jobId,
      step: 100,
      state: 'committed',
      tag: null,
      createdAt: aNumber,
      committedAt: aNumber,
      totalBytes: 10,
      shards: [
        {
          path: 'rank0.pt',
          size: 5,
          sha256: sha('aaaaa'),
          state: 'durable',
          location: '/durable/rank0.pt',
        },
        { path: 'rank1.pt', size: 5, sha256: sha('bbbbb'), state: 'durable', location: null },
      ],
    }
    expect(latest.json()).toEqual(shape)
    expect((await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints`)).json()).toEqual({
      items: [shape],
    })
    expect(
      Object.keys((await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints/plan`)).json()),
    ).toEqual([
      'recommendedIntervalS',
      'expectedEttr',
      'saveSeconds',
      'saveSecondsSource',
      'failuresPer1000PerDay',
      'failureRateSource',
      'mtbfHours',
      'latestCommitted',
    ])
    const detail = await call(member, 'GET', `/api/v1/jobs/${jobId}`)
    expect(detail.json()).toMatchObject({
      checkpoint: {
        latestCommitted: { id: cp, step: 100 },
        saveSeconds: 30,
        saveSecondsSource: 'measured',
        failureRateSource: 'assumed',
        failuresPer1000PerDay: 0.48,
      },
    })
    const advice = detail.json<{
      checkpoint: { recommendedIntervalS: number; expectedEttr: number }
    }>().checkpoint
    // 16 accelerators at 0.48 per 1,000 per day: MTBF 130.2 days = 1.125e7 s; Young √(2·30·M)
    // ≈ 25,980 s of compute (Daly's correction is tiny here), plus the 30 s save
    expect(advice.recommendedIntervalS).toBeGreaterThan(25_800)
    expect(advice.recommendedIntervalS).toBeLessThan(26_200)
    expect(advice.expectedEttr).toBeGreaterThan(0.99)
  })

  it('never commits a checkpoint with a corrupt shard', async () => {
    const cp = (await register(200, [{ path: 'rank0.pt', size: 5, sha256: sha('ccccc') }])).json<{
      id: string
    }>().id
    const bad = await report(nodeToken, cp, {
      path: 'rank0.pt',
      size: 5,
      sha256: sha('XXXXX'),
      tier: 'durable',
    })
    expect(bad.json()).toMatchObject({
      checkpoint: { state: 'failed' },
      shard: { state: 'corrupt' },
    })
    expect(
      (await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints/latest`)).json(),
    ).toMatchObject({ step: 100 })
  })

  it('keeps tenants and nodes apart, and validates what it is sent', async () => {
    expect((await call(other, 'GET', `/api/v1/jobs/${jobId}/checkpoints`)).statusCode).toBe(404)
    const stranger = await fx.token('h100-008', 'node')
    const cp = (await register(300, [{ path: 'a', size: 1 }])).json<{ id: string }>().id
    const foreign = await report(stranger, cp, {
      path: 'a',
      size: 1,
      sha256: sha('x'),
      tier: 'durable',
    })
    expect(nodes).not.toContain('h100-008')
    expect(foreign.statusCode).toBe(404)
    expect(
      (await report(nodeToken, cp, { path: 'a', size: 1, sha256: 'not-hex', tier: 'durable' }))
        .statusCode,
    ).toBe(400)
    const twice = await register(400, [
      { path: 'a', size: 1 },
      { path: 'a', size: 2 },
    ])
    expect(twice.statusCode).toBe(400)
    expect(twice.json()).toMatchObject({
      error: {
        code: 'invalid-input',
        details: [
          {
            path: '/shards/1/path',
            message: 'shard 1 has the path of shard 0 ("a"); each shard needs its own',
          },
        ],
      },
    })
    expect(
      (
        await report(nodeToken, 'ckpt-nope', {
          path: 'a',
          size: 1,
          sha256: sha('x'),
          tier: 'durable',
        })
      ).statusCode,
    ).toBe(404)
  })

  it('applies the job’s retention on commit and refuses to delete the newest committed one', async () => {
    const cp = (await register(500, [{ path: 'a', size: 1 }])).json<{ id: string }>().id
    const done = await report(nodeToken, cp, {
      path: 'a',
      size: 1,
      sha256: sha('x'),
      tier: 'durable',
    })
    // keepLast 1: step 100 goes
    expect(done.json<{ collected: string[] }>().collected).toHaveLength(1)
    const list = await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints`)
    expect(
      list.json<{ items: { step: number; state: string }[] }>().items.map((c) => [c.step, c.state]),
    ).toEqual([
      [500, 'committed'],
      [300, 'pending'],
      [200, 'failed'],
    ])
    expect(
      (await call(member, 'DELETE', `/api/v1/jobs/${jobId}/checkpoints/${cp}`)).statusCode,
    ).toBe(409)
  })

  it('restarts a gang from its newest committed checkpoint, losing only what came after it', async () => {
    fx.advance(100)
    await fx.twin.failNode(nodes[1] ?? '', 'Xid 79')
    await fx.reconciler.pass()
    const job = (await call(member, 'GET', `/api/v1/jobs/${jobId}`)).json<{
      attempt: number
      lostAcceleratorSeconds: number
    }>()
    expect(job.attempt).toBe(2)
    // committed at t0 + 30 (step 100 … then step 500 at t0 + 30): 100 s of 16 accelerators since
    expect(job.lostAcceleratorSeconds).toBe(100 * 16)
    const events = (await call(member, 'GET', `/api/v1/jobs/${jobId}/events`)).json<{
      items: { kind: string; detail: Record<string, unknown> }[]
    }>().items
    const restarted = events.find((e) => e.kind === 'restarted')
    const latest = (await call(member, 'GET', `/api/v1/jobs/${jobId}/checkpoints/latest`)).json<{
      id: string
    }>()
    expect(restarted?.detail['resumeFrom']).toBe(latest.id)
    expect(events.filter((e) => e.kind === 'checkpoint-committed')).toHaveLength(2)
  })
})
