import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { patterned, s3rverForTests, sha256Hex, tierOn } from './s3rver.test-support.js'
import { FileTier, S3Tier, type DurableTier } from './tiers.js'

const mib = 1024 * 1024
const { scratch, s3 } = s3rverForTests('zhisuan-tiers-')

/** A stream of `bytes` in `chunk`-sized pieces that fails after `failAfter` bytes. */
const chunks = (bytes: Buffer, chunk: number, failAfter = Infinity): Readable =>
  Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += chunk) {
        if (at >= failAfter) {
          throw new Error('disk read error')
        }
        yield bytes.subarray(at, at + chunk)
      }
    })(),
  )

interface TierFixture {
  readonly tier: DurableTier
  read(key: string): Promise<Buffer>
  /** Files or objects left anywhere under the tier, half-written ones included. */
  leftovers(): Promise<string[]>
}

const fileFixture = (): TierFixture & { readonly tier: FileTier } => {
  const root = join(scratch, `file-${Math.random().toString(36).slice(2)}`)
  return {
    tier: new FileTier(root),
    read: (key) => readFile(join(root, key)),
    leftovers: async () =>
      (await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []))
        .filter((e) => e.isFile())
        .map((e) => e.name),
  }
}

/** `multipartFrom`: objects over it go multipart; default S3Tier's (1 GiB: one request). */
const s3Fixture = (multipartFrom?: number): TierFixture => {
  const prefix = `t-${Math.random().toString(36).slice(2)}/`
  const tier = tierOn(s3, prefix, multipartFrom)
  return {
    tier,
    read: async (key) => {
      const got = await tier.client.send(
        new GetObjectCommand({ Bucket: s3.bucket, Key: prefix + key }),
      )
      return Buffer.from((await got.Body?.transformToByteArray()) ?? [])
    },
    leftovers: async () => {
      const dir = join(scratch, 's3', s3.bucket, prefix)
      return (await readdir(dir, { recursive: true }).catch(() => [])).filter((f) =>
        f.endsWith('._S3rver_object'),
      )
    },
  }
}

describe.each([
  ['FileTier', fileFixture],
  ['S3Tier, multipart over 5 MiB', () => s3Fixture(5 * mib)],
  ['S3Tier, one streamed request up to 1 GiB', () => s3Fixture()],
])('%s', (_name, open) => {
  it.each([
    ['in one request', 4 * mib + 5],
    ['in parts', 12 * mib + 321],
  ])('stores an object whole %s, counting its bytes as they go', async (_how, size) => {
    const fx = open()
    const bytes = patterned(size)
    let counted = 0
    const { location } = await fx.tier.put(
      'job/step-1/model/rank-0.pt',
      chunks(bytes, 777_777),
      bytes.length,
      (n) => {
        counted += n
      },
    )
    expect(location).toMatch(/job\/step-1\/model\/rank-0\.pt$/)
    expect(counted).toBe(bytes.length)
    expect(await fx.tier.exists('job/step-1/model/rank-0.pt')).toEqual({ size: bytes.length })
    const back = await fx.read('job/step-1/model/rank-0.pt')
    expect(sha256Hex(back)).toBe(sha256Hex(bytes))
  })

  it('stores an empty object', async () => {
    const fx = open()
    await fx.tier.put('empty', Readable.from([]), 0)
    expect(await fx.tier.exists('empty')).toEqual({ size: 0 })
  })

  it.each([
    ['in one request', 3 * mib],
    ['in parts', 11 * mib],
  ])('leaves nothing behind when the source fails mid-stream (%s)', async (_how, size) => {
    const fx = open()
    const bytes = patterned(size)
    await expect(fx.tier.put('broken', chunks(bytes, mib, size - mib), size)).rejects.toThrow(
      'disk read error',
    )
    expect(await fx.tier.exists('broken')).toBeUndefined()
    expect(await fx.leftovers()).toEqual([])
  })

  it('refuses a source that is shorter or longer than the size it was given', async () => {
    const fx = open()
    await expect(fx.tier.put('short', chunks(patterned(1000), 100), 2000)).rejects.toThrow()
    expect(await fx.tier.exists('short')).toBeUndefined()
    await expect(fx.tier.put('long', chunks(patterned(1000), 100), 900)).rejects.toThrow()
    expect(await fx.tier.exists('long')).toBeUndefined()
  })

  it('replaces an object and removes it; removing nothing is no error', async () => {
    const fx = open()
    await fx.tier.put('k', chunks(patterned(100, 1), 10), 100)
    await fx.tier.put('k', chunks(patterned(50, 2), 10), 50)
    expect(await fx.read('k')).toEqual(patterned(50, 2))
    await fx.tier.remove('k')
    await fx.tier.remove('k')
    expect(await fx.tier.exists('k')).toBeUndefined()
  })

  it('rejects keys that climb out or are not relative', async () => {
    const fx = open()
    for (const key of ['../x', 'a/../../x', '/abs', 'a//b', '']) {
      await expect(fx.tier.put(key, Readable.from([]), 0)).rejects.toThrow(ZhisuanError)
    }
  })
})

describe('FileTier', () => {
  it('writes over a half-written copy that a crash left', async () => {
    const root = join(scratch, 'crashed')
    const tier = new FileTier(root)
    await tier.put('a/b', chunks(patterned(10), 10), 10)
    await writeFile(join(root, 'a', 'c.partial'), 'garbage from before the crash')
    await tier.put('a/c', chunks(patterned(64, 3), 16), 64)
    expect(await readFile(join(root, 'a', 'c'))).toEqual(patterned(64, 3))
    expect((await readdir(join(root, 'a'))).sort()).toEqual(['b', 'c'])
  })
})

describe('FileTier.putFile (kernel copy, then hashed in a worker thread)', () => {
  const local = async (bytes: Buffer): Promise<string> => {
    const file = join(scratch, `local-${Math.random().toString(36).slice(2)}`)
    await writeFile(file, bytes)
    return file
  }

  it.each([0, 1, 4 * mib + 5])(
    'stores a file of %i bytes whole, with its SHA-256',
    async (size) => {
      const fx = fileFixture()
      const tier = fx.tier
      const bytes = patterned(size, 5)
      let counted = 0
      const put = await tier.putFile('job/step-1/rank-0.pt', await local(bytes), size, {
        chunkBytes: 65_537,
        onBytes: (n) => (counted += n),
      })
      expect(put.sha256).toBe(sha256Hex(bytes))
      expect(put.location).toMatch(/job\/step-1\/rank-0\.pt$/)
      expect(counted).toBe(size)
      // Not toEqual: deep equality walks a Buffer byte by byte.
      expect((await fx.read('job/step-1/rank-0.pt')).equals(bytes)).toBe(true)
      expect(await fx.leftovers()).toEqual(['rank-0.pt'])
    },
  )

  it('leaves nothing for a missing file or one of another size', async () => {
    const fx = fileFixture()
    const tier = fx.tier
    const file = await local(patterned(1000))
    await expect(tier.putFile('a', file, 999, { label: 'a' })).rejects.toMatchObject({
      code: 'conflict',
    })
    await expect(tier.putFile('b', file, 1001)).rejects.toMatchObject({ code: 'conflict' })
    await expect(tier.putFile('c', `${file}-gone`, 1)).rejects.toMatchObject({
      code: 'invalid-input',
    })
    expect(await fx.leftovers()).toEqual([])
  })

  it('cut off mid-copy or mid-hash, leaves neither the object nor a half-written file', async () => {
    const fx = fileFixture()
    const tier = fx.tier
    const size = 24 * mib
    const file = await local(Buffer.alloc(size, 3))
    const stop = new AbortController()
    let counted = 0
    const put = tier.putFile('big', file, size, {
      chunkBytes: 64 * 1024,
      signal: stop.signal,
      onBytes: (n) => {
        counted += n
        if (counted >= 2 * mib) {
          stop.abort(new ZhisuanError('unavailable', 'uploader stopped'))
        }
      },
    })
    await expect(put).rejects.toThrow('uploader stopped')
    expect(counted).toBeLessThan(size)
    expect(await tier.exists('big')).toBeUndefined()
    expect(await fx.leftovers()).toEqual([])

    // Cut off while the kernel copies, before any byte is hashed.
    const early = new AbortController()
    const copying = tier.putFile('big', file, size, { signal: early.signal })
    early.abort(new ZhisuanError('unavailable', 'stopped early'))
    await expect(copying).rejects.toThrow('stopped early')
    expect(await tier.exists('big')).toBeUndefined()
    expect(await fx.leftovers()).toEqual([])
  })

  it('writes over a half-written copy that a crash (a killed process) left', async () => {
    const root = join(scratch, 'crashed-putfile')
    const tier = new FileTier(root)
    await mkdir(join(root, 'a'), { recursive: true })
    await writeFile(join(root, 'a', 'c.partial'), Buffer.alloc(3 * mib, 9))
    expect(await tier.exists('a/c')).toBeUndefined()
    const bytes = patterned(100_000, 3)
    const put = await tier.putFile('a/c', await local(bytes), bytes.length)
    expect(put.sha256).toBe(sha256Hex(bytes))
    expect(await readFile(join(root, 'a', 'c'))).toEqual(bytes)
    expect(await readdir(join(root, 'a'))).toEqual(['c'])
  })
})

describe('S3Tier', () => {
  it('refuses parts under S3’s 5 MiB floor', () => {
    expect(() => new S3Tier({ bucket: 'b', partSizeBytes: mib })).toThrow(/≥ 5 MiB/)
  })

  it('refuses a multipart threshold over S3’s 5 GiB limit for one request', () => {
    expect(() => new S3Tier({ bucket: 'b', multipartThresholdBytes: 6 * 1024 * mib })).toThrow(
      /within 0…5 GiB/,
    )
  })
})
