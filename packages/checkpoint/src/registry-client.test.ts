import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { HttpRegistryClient } from './registry-client.js'
import { MemoryRegistry, serveRegistry } from './testing.js'

const sha = (c: string): string => c.repeat(64)
let served: Awaited<ReturnType<typeof serveRegistry>>
const registry = new MemoryRegistry()

beforeAll(async () => {
  served = await serveRegistry(registry, 'secret')
})
afterAll(() => served.close())

describe('the registry over HTTP', () => {
  it('registers once per step, takes shard reports and commits when all are durable', async () => {
    const client = new HttpRegistryClient(`${served.url}/`, 'secret')
    const body = {
      step: 7,
      shards: [
        { path: 'a', size: 1 },
        { path: 'b/c', size: 2, sha256: sha('b') },
      ],
    }
    const created = await client.register('job/1', body)
    expect(created).toMatchObject({ step: 7, state: 'pending' })
    expect((await client.register('job/1', body)).id).toBe(created.id)
    expect(await client.latest('job/1')).toBeUndefined()
    const first = await client.reportShard('job/1', created.id, {
      path: 'a',
      size: 1,
      sha256: sha('a'),
      tier: 'durable',
      location: 'file:///x/a',
    })
    expect(first).toEqual({
      checkpoint: { id: created.id, state: 'pending' },
      shard: { path: 'a', state: 'durable' },
    })
    const last = await client.reportShard('job/1', created.id, {
      path: 'b/c',
      size: 2,
      sha256: sha('b'),
      tier: 'durable',
    })
    expect(last.checkpoint.state).toBe('committed')
    expect(await client.latest('job/1')).toMatchObject({ id: created.id, state: 'committed' })
    const [listed] = await client.list('job/1')
    expect(listed?.shards).toContainEqual({
      path: 'a',
      size: 1,
      sha256: sha('a'),
      state: 'durable',
      location: 'file:///x/a',
    })
  })

  it('marks a shard whose checksum differs from the declared one corrupt', async () => {
    const client = new HttpRegistryClient(served.url, 'secret')
    const created = await client.register('job-2', {
      step: 1,
      shards: [{ path: 'a', size: 1, sha256: sha('a') }],
    })
    const result = await client.reportShard('job-2', created.id, {
      path: 'a',
      size: 1,
      sha256: sha('f'),
      tier: 'durable',
    })
    expect(result).toEqual({
      checkpoint: { id: created.id, state: 'failed' },
      shard: { path: 'a', state: 'corrupt' },
    })
  })

  it('turns HTTP failures into error codes', async () => {
    await expect(new HttpRegistryClient(served.url, 'wrong').list('j')).rejects.toMatchObject({
      code: 'unauthorized',
    })
    await expect(
      new HttpRegistryClient(served.url, 'secret').reportShard('j', 'nope', {
        path: 'a',
        size: 1,
        sha256: sha('a'),
        tier: 'durable',
      }),
    ).rejects.toMatchObject({ code: 'not-found' })
    registry.failNext = 1
    await expect(new HttpRegistryClient(served.url, 'secret').list('j')).rejects.toMatchObject({
      code: 'unavailable',
    })
    const error = await new HttpRegistryClient('http://127.0.0.1:1', 'secret')
      .list('j')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ZhisuanError)
    expect(error).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('cannot reach') as unknown,
    })
  })
})
