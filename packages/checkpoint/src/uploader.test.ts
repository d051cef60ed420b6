import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { HttpRegistryClient } from './registry-client.js'
import { patterned, s3rverForTests, sha256Hex as sha256, tierOn } from './s3rver.test-support.js'
import { MemoryRegistry, serveRegistry } from './testing.js'
import { FileTier, S3Tier, type DurableTier } from './tiers.js'
import { Uploader } from './uploader.js'
import type { UploaderEvent, UploaderOptions } from './uploader-types.js'

const mib = 1024 * 1024
const { scratch, s3 } = s3rverForTests('zhisuan-uploader-')
let counter = 0

const fresh = (name: string): string => join(scratch, `${name}-${++counter}`)

/** Writes shard files, then the manifest (last, as a training job does). */
async function writeCheckpoint(
  root: string,
  dir: string,
  step: number,
  shards: Record<string, Buffer>,
  declareChecksums = false,
): Promise<void> {
  for (const [path, bytes] of Object.entries(shards)) {
    await mkdir(dirname(join(root, dir, path)), { recursive: true })
    await writeFile(join(root, dir, path), bytes)
  }
  const manifest = {
    step,
    shards: Object.entries(shards).map(([path, bytes]) => ({
      path,
      size: bytes.length,
      ...(declareChecksums ? { sha256: sha256(bytes) } : {}),
    })),
  }
  await writeFile(join(root, dir, 'manifest.json'), JSON.stringify(manifest))
}

/** `multipartFrom`: shards over it go multipart; default S3Tier's (1 GiB: one request). */
const s3Tier = (multipartFrom?: number): S3Tier => tierOn(s3, `${++counter}/`, multipartFrom)

const uploader = (
  options: Pick<UploaderOptions, 'root' | 'registry' | 'tier'> & Partial<UploaderOptions>,
  events: UploaderEvent[] = [],
): Uploader =>
  new Uploader({
    jobId: 'job-1',
    backoff: { baseMs: 5, maxMs: 40 },
    pollIntervalMs: 20,
    onEvent: (e) => events.push(e),
    ...options,
  })

async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = performance.now() + ms
  while (!check()) {
    if (performance.now() > until) {
      throw new Error(`timed out waiting until ${what}`)
    }
    await sleep(10)
  }
}

/** Passes bytes on slowly, one chunk per `delayMs`: a slow network. */
class SlowTier implements DurableTier {
  readonly name = 'slow'
  sent = 0
  constructor(
    private readonly inner: DurableTier,
    private readonly delayMs: number,
  ) {}
  put(key: string, source: Readable, size: number): ReturnType<DurableTier['put']> {
    const slow = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        setTimeout(() => {
          this.sent += chunk.length
          done(null, chunk)
        }, this.delayMs)
      },
    })
    void pipeline(source, slow).catch(() => undefined)
    return this.inner.put(key, slow, size)
  }
  exists = (key: string): ReturnType<DurableTier['exists']> => this.inner.exists(key)
  remove = (key: string): Promise<void> => this.inner.remove(key)
}

/** Fails its first `failures` puts without reading a byte: an outage. */
class FlakyTier implements DurableTier {
  readonly name = 'flaky'
  constructor(
    private readonly inner: DurableTier,
    public failures: number,
  ) {}
  put(...args: Parameters<DurableTier['put']>): ReturnType<DurableTier['put']> {
    if (this.failures > 0) {
      this.failures--
      return Promise.reject(new Error('503 Slow Down'))
    }
    return this.inner.put(...args)
  }
  exists = (key: string): ReturnType<DurableTier['exists']> => this.inner.exists(key)
  remove = (key: string): Promise<void> => this.inner.remove(key)
}

/** Holds every put until the gate opens (or the source is cut off). */
class GatedTier implements DurableTier {
  readonly name = 'gated'
  private release: () => void = () => undefined
  private gate: Promise<void> = Promise.resolve()
  constructor(private readonly inner: DurableTier) {}
  close(): void {
    this.gate = new Promise((resolve) => (this.release = resolve))
  }
  open(): void {
    this.release()
  }
  async put(...args: Parameters<DurableTier['put']>): ReturnType<DurableTier['put']> {
    await Promise.race([this.gate, once(args[1], 'close')])
    return this.inner.put(...args)
  }
  exists = (key: string): ReturnType<DurableTier['exists']> => this.inner.exists(key)
  remove = (key: string): Promise<void> => this.inner.remove(key)
}

/** A FileTier whose copies call `trip` once `after` bytes are in: to stop an uploader mid-copy. */
class TripwireTier implements DurableTier {
  readonly name = 'tripwire'
  sent = 0
  constructor(
    private readonly inner: FileTier,
    private readonly after: number,
    public trip: () => void = () => undefined,
  ) {}
  put = (...args: Parameters<DurableTier['put']>): ReturnType<DurableTier['put']> =>
    this.inner.put(...args)
  putFile(
    ...[key, file, size, options]: Parameters<FileTier['putFile']>
  ): ReturnType<FileTier['putFile']> {
    return this.inner.putFile(key, file, size, {
      ...options,
      onBytes: (n) => {
        options?.onBytes?.(n)
        this.sent += n
        if (this.sent >= this.after) {
          this.trip()
        }
      },
    })
  }
  exists = (key: string): ReturnType<DurableTier['exists']> => this.inner.exists(key)
  remove = (key: string): Promise<void> => this.inner.remove(key)
}

describe('uploading a checkpoint', () => {
  it.each([
    ['a shared filesystem', (): DurableTier => new FileTier(fresh('durable'))],
    ['S3 (s3rver), one request a shard, through the HTTP registry client', () => s3Tier()],
    ['S3 (s3rver), multipart, through the HTTP registry client', () => s3Tier(5 * mib)],
  ])('streams every shard to %s with its checksum, and the registry commits', async (_, tier) => {
    const root = fresh('local')
    const shards = {
      'model/rank-0.pt': patterned(6 * mib + 17, 1),
      'model/rank-1.pt': patterned(3 * mib, 2),
      'optim.pt': patterned(1000, 3),
      'empty.bin': Buffer.alloc(0),
    }
    await writeCheckpoint(root, 'ckpt-0100', 100, shards)
    const memory = new MemoryRegistry()
    const served = await serveRegistry(memory, 't0ken')
    const durable = tier()
    const events: UploaderEvent[] = []
    const up = uploader(
      { root, tier: durable, registry: new HttpRegistryClient(served.url, 't0ken') },
      events,
    )
    await up.pass()
    await served.close()

    const [record] = await memory.list('job-1')
    expect(record).toMatchObject({ step: 100, state: 'committed' })
    expect(Object.fromEntries(memory.reports.map((r) => [r.body.path, r.body.sha256]))).toEqual(
      Object.fromEntries(Object.entries(shards).map(([p, b]) => [p, sha256(b)])),
    )
    for (const report of memory.reports) {
      expect(report.body.tier).toBe('durable')
      const key = `job-1/step-100/${report.body.path}`
      expect(await durable.exists(key)).toEqual({ size: report.body.size })
      expect(report.body.location).toContain(key)
    }
    const stats = up.stats()
    expect(stats).toMatchObject({ committed: 1, shardsDurable: 4, bytesDurable: 9 * mib + 1017 })
    expect(stats.bytesPerSecond).toBeGreaterThan(0)
    expect(events.filter((e) => e.kind === 'committed')).toHaveLength(1)
    expect(up.checkpoints()).toEqual([
      expect.objectContaining({ dir: 'ckpt-0100', state: 'committed', shardsDurable: 4 }),
    ])
  })

  it('finishes after a kill mid-shard, skipping the shards already durable', async () => {
    const root = fresh('local')
    const durableRoot = fresh('durable')
    const big = patterned(8 * mib, 9)
    await writeCheckpoint(root, 'ckpt-0200', 200, {
      'small-a': patterned(10, 1),
      'small-b': patterned(20, 2),
      'big.pt': big,
    })
    const registry = new MemoryRegistry()
    const slow = new SlowTier(new FileTier(durableRoot), 5)
    const first = uploader({ root, registry, tier: slow, readChunkBytes: 64 * 1024 })
    first.start()
    await eventually(() => slow.sent >= 2 * mib && registry.reports.length === 2, 'mid-shard')
    await first.stop()

    expect(registry.reports.map((r) => r.body.path).sort()).toEqual(['small-a', 'small-b'])
    expect(await new FileTier(durableRoot).exists('job-1/step-200/big.pt')).toBeUndefined()
    expect((await registry.list('job-1'))[0]?.state).toBe('pending')

    const events: UploaderEvent[] = []
    const second = uploader({ root, registry, tier: new FileTier(durableRoot) }, events)
    await second.pass()
    expect((await registry.list('job-1'))[0]?.state).toBe('committed')
    expect(registry.reports).toHaveLength(3)
    expect(registry.reports[2]?.body.path).toBe('big.pt')
    expect(registry.reports[2]?.body.sha256).toBe(sha256(big))
    expect(second.stats()).toMatchObject({ shardsSkipped: 2, shardsDurable: 1 })
    expect(events).toContainEqual(expect.objectContaining({ kind: 'registered', existing: true }))
    expect(sha256(await readFile(join(durableRoot, 'job-1/step-200/big.pt')))).toBe(sha256(big))
  })

  it('stopped mid-shard on the FileTier’s kernel-copy path, leaves no half-file; the next finishes', async () => {
    const root = fresh('local')
    const durableRoot = fresh('durable')
    const big = patterned(12 * mib, 11)
    await writeCheckpoint(root, 'ckpt-0250', 250, { small: patterned(10, 1), 'big.pt': big })
    const registry = new MemoryRegistry()
    const wire = new TripwireTier(new FileTier(durableRoot), 3 * mib)
    const first = uploader({
      root,
      registry,
      tier: wire,
      readChunkBytes: 64 * 1024,
      concurrency: 1,
    })
    const stopped = new Promise<void>((resolve) => {
      wire.trip = () => {
        wire.trip = () => undefined
        resolve(first.stop())
      }
    })
    first.start()
    await stopped

    expect(wire.sent).toBeLessThan(big.length + 10)
    expect(registry.reports.map((r) => r.body.path)).not.toContain('big.pt')
    expect((await registry.list('job-1'))[0]?.state).toBe('pending')
    const left = await readdir(join(durableRoot, 'job-1', 'step-250')).catch(() => [])
    expect(left.filter((f) => f.startsWith('big.pt'))).toEqual([])

    const second = uploader({ root, registry, tier: new FileTier(durableRoot) })
    await second.pass()
    expect((await registry.list('job-1'))[0]?.state).toBe('committed')
    const report = registry.reports.find((r) => r.body.path === 'big.pt')
    expect(report?.body.sha256).toBe(sha256(big))
    expect(sha256(await readFile(join(durableRoot, 'job-1/step-250/big.pt')))).toBe(sha256(big))
  })

  it('does not commit a checkpoint whose shard changed after its manifest', async () => {
    const root = fresh('local')
    const registry = new MemoryRegistry()
    await writeCheckpoint(
      root,
      'ckpt-0300',
      300,
      { a: patterned(4096, 1), b: patterned(4096, 2), c: patterned(100, 3) },
      true,
    )
    // Same size, other bytes: only the checksum can tell.
    await writeFile(join(root, 'ckpt-0300', 'b'), patterned(4096, 5))
    // Grown: the manifest's size already tells.
    await writeFile(join(root, 'ckpt-0300', 'c'), patterned(101, 3))
    const events: UploaderEvent[] = []
    const up = uploader({ root, registry, tier: new FileTier(fresh('durable')) }, events)
    await up.pass()

    const [record] = await registry.list('job-1')
    expect(record?.state).not.toBe('committed')
    expect(record?.shards.find((s) => s.path === 'b')?.state).toBe('corrupt')
    expect(registry.reports.map((r) => r.body.path)).not.toContain('c')
    expect(up.stats()).toMatchObject({ committed: 0, shardsRejected: 1, shardsUnreadable: 1 })
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'shard-unreadable',
        path: 'c',
        reason: expect.stringMatching(/101 bytes on disk, the manifest says 100/) as unknown,
      }),
    )
  })

  it('retries a failing tier and registry with backoff, reporting only whole shards', async () => {
    const root = fresh('local')
    const registry = new MemoryRegistry()
    await writeCheckpoint(root, 'ckpt-0400', 400, { a: patterned(5000, 1), b: patterned(7000, 2) })
    const tier = new FlakyTier(new FileTier(fresh('durable')), 5)
    registry.failNext = 2
    const events: UploaderEvent[] = []
    const up = uploader({ root, registry, tier, concurrency: 1 }, events)
    await up.pass()

    expect((await registry.list('job-1'))[0]?.state).toBe('committed')
    expect(registry.reports.map((r) => r.body.path).sort()).toEqual(['a', 'b'])
    const retries = events.filter((e) => e.kind === 'retry')
    expect(retries.filter((e) => e.operation === 'upload')).toHaveLength(5)
    expect(retries.filter((e) => e.operation === 'list')).toHaveLength(2)
    const delays = retries.filter((e) => e.operation === 'upload').map((e) => e.delayMs)
    expect(delays[3]).toBeGreaterThan(delays[0] ?? Infinity)
  })

  it('retries a failing kernel-copy FileTier with backoff, leaving no half-file', async () => {
    const root = fresh('local')
    const durableRoot = fresh('durable')
    const registry = new MemoryRegistry()
    const bytes = patterned(3 * mib + 1, 4)
    await writeCheckpoint(root, 'ckpt-0450', 450, { a: bytes }, true)
    let failures = 3
    const tier = new (class extends FileTier {
      override putFile(...args: Parameters<FileTier['putFile']>): ReturnType<FileTier['putFile']> {
        return failures-- > 0 ? Promise.reject(new Error('EIO')) : super.putFile(...args)
      }
    })(durableRoot)
    const events: UploaderEvent[] = []
    await uploader({ root, registry, tier }, events).pass()

    expect((await registry.list('job-1'))[0]?.state).toBe('committed')
    expect(events.filter((e) => e.kind === 'retry' && e.operation === 'upload')).toHaveLength(3)
    expect(registry.reports.map((r) => r.body.sha256)).toEqual([sha256(bytes)])
    expect(await readdir(join(durableRoot, 'job-1', 'step-450'))).toEqual(['a'])
  })

  it('commits nothing while the tier stays down', async () => {
    const root = fresh('local')
    const registry = new MemoryRegistry()
    await writeCheckpoint(root, 'ckpt-0500', 500, { a: patterned(100, 1) })
    const up = uploader({ root, registry, tier: new FlakyTier(new FileTier(fresh('d')), 1e9) })
    up.start()
    await eventually(() => up.stats().retries >= 5, 'a few retries')
    await up.stop()
    expect(registry.reports).toEqual([])
    expect((await registry.list('job-1'))[0]?.state).toBe('pending')
  })
})

describe('what is not uploaded', () => {
  it('leaves a checkpoint the registry has with other shards, and says so once', async () => {
    const root = fresh('local')
    const registry = new MemoryRegistry()
    await registry.register('job-1', { step: 600, shards: [{ path: 'other', size: 1 }] })
    await writeCheckpoint(root, 'ckpt-0600', 600, { a: patterned(10, 1) })
    await mkdir(join(root, 'ckpt-0700'))
    await writeFile(join(root, 'ckpt-0700', 'manifest.json'), '{"step": 700, "shards": [{}]}')
    await mkdir(join(root, 'ckpt-0800'))
    const events: UploaderEvent[] = []
    const up = uploader({ root, registry, tier: new FileTier(fresh('durable')) }, events)
    await up.pass()
    await up.pass()
    expect(events).toEqual([
      {
        kind: 'invalid',
        dir: 'ckpt-0700',
        reason: 'manifest.json: shards[0]: needs a path and a whole-number size',
      },
      {
        kind: 'invalid',
        dir: 'ckpt-0600',
        reason: 'the registry has step 600 with other shards',
      },
    ])
    expect(registry.reports).toEqual([])
    expect(up.checkpoints()).toEqual([
      expect.objectContaining({ dir: 'ckpt-0600', state: 'failed', shardsDurable: 0 }),
    ])
  })
})

describe('back-pressure', () => {
  it('deletes the oldest uncommitted local checkpoint, never a committed one', async () => {
    const root = fresh('local')
    const registry = new MemoryRegistry()
    const tier = new GatedTier(new FileTier(fresh('durable')))
    const events: UploaderEvent[] = []
    const up = uploader({ root, registry, tier, maxPendingLocal: 2 }, events)
    await writeCheckpoint(root, 'ckpt-0100', 100, { a: patterned(100, 1) })
    await up.pass()
    expect(up.stats().committed).toBe(1)

    tier.close()
    await writeCheckpoint(root, 'ckpt-0200', 200, { a: patterned(3000, 2) })
    up.start()
    await eventually(() => up.checkpoints()[1]?.state === 'pending', '200 registered')
    for (const step of [300, 400]) {
      await writeCheckpoint(root, `ckpt-0${step}`, step, { a: patterned(3000, step) })
    }
    await eventually(() => up.stats().dropped.length === 1, 'one dropped')
    expect(up.stats().dropped).toEqual([{ step: 200, dir: 'ckpt-0200' }])
    expect(existsSync(join(root, 'ckpt-0200'))).toBe(false)
    expect(existsSync(join(root, 'ckpt-0100'))).toBe(true)

    tier.open()
    await eventually(() => up.stats().committed === 3, 'the rest committed')
    await up.stop()
    expect(up.stats().dropped).toHaveLength(1)
    expect(['ckpt-0100', 'ckpt-0300', 'ckpt-0400'].map((d) => existsSync(join(root, d)))).toEqual([
      true,
      true,
      true,
    ])
    const states = (await registry.list('job-1')).map((c) => [c.step, c.state])
    expect(states).toEqual([
      [400, 'committed'],
      [300, 'committed'],
      [200, 'pending'],
      [100, 'committed'],
    ])
    expect(events.filter((e) => e.kind === 'dropped')).toEqual([
      { kind: 'dropped', step: 200, dir: 'ckpt-0200' },
    ])
  })
})

describe('memory', () => {
  it.each([
    ['one request', undefined],
    ['multipart', 5 * mib],
  ])('streams a 256 MiB shard to S3 (%s) in bounded memory', async (_how, multipartFrom) => {
    const root = fresh('local')
    const dir = join(root, 'ckpt-0900')
    await mkdir(dir, { recursive: true })
    const size = 256 * mib
    // Mostly zeros with a marked megabyte every 32: made by a stream, never held whole.
    const zeros = Buffer.alloc(mib)
    const marked = patterned(mib, 4)
    await pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < size / mib; i++) {
            yield i % 32 === 0 ? marked : zeros
          }
        })(),
      ),
      createWriteStream(join(dir, 'big.pt')),
    )
    const expected = createHash('sha256')
    await pipeline(createReadStream(join(dir, 'big.pt')), expected)

    const registry = new MemoryRegistry()
    const up = uploader({ root, registry, tier: s3Tier(multipartFrom), maxPendingLocal: 3 })
    // A small checkpoint first, so that loading the SDK and opening sockets are not counted.
    await writeCheckpoint(root, 'ckpt-0800', 800, { small: patterned(6 * mib, 8) })
    await up.pass()
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({ step: 900, shards: [{ path: 'big.pt', size }] }),
    )
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 10)
    await up.pass()
    clearInterval(sampler)
    peak = Math.max(peak, process.memoryUsage().rss)

    expect((await registry.list('job-1')).map((c) => c.state)).toEqual(['committed', 'committed'])
    expect(registry.reports[1]?.body.sha256).toBe(expected.digest('hex'))
    expect((peak - before) / mib).toBeLessThan(64)
  })
})
