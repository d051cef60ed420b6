import { expect, it } from 'vitest'
import { describeOnEachDialect } from './dialects.case.js'

const shards = [
  { path: 'rank0.pt', size: 100, sha256: 'aa' },
  { path: 'rank1.pt', size: 200 },
]

describeOnEachDialect('the checkpoint registry', (fx) => {
  const reg = () => fx.store.checkpoints

  it('commits a checkpoint only when every shard is durable and verified', async () => {
    const { checkpoint, created } = await reg().register({
      id: 'c1',
      jobId: 'j',
      step: 100,
      shards,
      at: 1,
    })
    expect(created).toBe(true)
    expect(checkpoint).toMatchObject({ state: 'pending', totalBytes: 300 })
    // a retried registration is the same checkpoint; other shards for the step are refused
    expect(
      (await reg().register({ id: 'c1b', jobId: 'j', step: 100, shards, at: 2 })).created,
    ).toBe(false)
    await expect(
      reg().register({ id: 'c1c', jobId: 'j', step: 100, shards: shards.slice(0, 1), at: 2 }),
    ).rejects.toMatchObject({ code: 'conflict' })
    const local = await reg().reportShard({
      checkpointId: 'c1',
      path: 'rank0.pt',
      size: 100,
      sha256: 'aa',
      tier: 'local',
      at: 3,
    })
    expect(local.shard.state).toBe('local')
    await reg().reportShard({
      checkpointId: 'c1',
      path: 'rank0.pt',
      size: 100,
      sha256: 'aa',
      tier: 'durable',
      location: 's3://b/c1/rank0.pt',
      at: 4,
    })
    expect((await reg().get('c1'))?.state).toBe('pending')
    expect(await reg().latestCommitted('j')).toBeUndefined()
    const last = await reg().reportShard({
      checkpointId: 'c1',
      path: 'rank1.pt',
      size: 200,
      sha256: 'bb',
      tier: 'durable',
      at: 5,
    })
    expect(last.checkpoint).toMatchObject({ state: 'committed', committedAt: 5 })
    expect((await reg().latestCommitted('j'))?.id).toBe('c1')
  })

  it('never commits a checkpoint with a corrupt shard, and keeps the previous one latest', async () => {
    await reg().register({ id: 'c2', jobId: 'j', step: 200, shards, at: 10 })
    const bad = await reg().reportShard({
      checkpointId: 'c2',
      path: 'rank0.pt',
      size: 100,
      sha256: 'XX',
      tier: 'durable',
      at: 11,
    })
    expect(bad.shard.state).toBe('corrupt')
    expect(bad.checkpoint.state).toBe('failed')
    await reg().reportShard({
      checkpointId: 'c2',
      path: 'rank1.pt',
      size: 200,
      sha256: 'bb',
      tier: 'durable',
      at: 12,
    })
    expect((await reg().get('c2'))?.state).toBe('failed')
    expect((await reg().latestCommitted('j'))?.id).toBe('c1')
    await expect(
      reg().reportShard({
        checkpointId: 'c2',
        path: 'nope',
        size: 1,
        sha256: 'x',
        tier: 'durable',
        at: 13,
      }),
    ).rejects.toMatchObject({ code: 'not-found' })
  })

  it('keeps the newest committed checkpoint whatever the retention policy, and applies the rest', async () => {
    for (const step of [300, 400, 500, 600]) {
      const id = `c${step}`
      await reg().register({
        id,
        jobId: 'j',
        step,
        shards: [{ path: 'a', size: 1 }],
        ...(step === 300 ? { tag: 'golden' } : {}),
        at: step,
      })
      await reg().reportShard({
        checkpointId: id,
        path: 'a',
        size: 1,
        sha256: 'h',
        tier: 'durable',
        at: step,
      })
    }
    await expect(reg().remove('c600')).rejects.toMatchObject({ code: 'conflict' })
    const gone = await reg().collect('j', { keepLast: 2, keepEvery: 400, keepTagged: true })
    // kept: 600, 500 (last two), 400 (every 400th), 300 (tagged); c1 (step 100) goes
    expect(gone.map((c) => c.id)).toEqual(['c1'])
    const none = await reg().collect('j', { keepLast: 0, keepTagged: false })
    expect(none.map((c) => c.step)).toEqual([500, 400, 300])
    expect((await reg().list('j')).map((c) => [c.step, c.state])).toEqual([
      [600, 'committed'],
      [200, 'failed'],
    ])
  })
})
