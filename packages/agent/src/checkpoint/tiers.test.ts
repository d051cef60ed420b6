import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { startS3Server, type S3Server } from './s3-server.js'
import { FileTier, S3Tier, type DurableTier } from './tiers.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const mib = 1024 * 1024
const scratch = mkdtempSync(join(tmpdir(), 'zhisuan-tiers-'))
let s3: S3Server

beforeAll(async () => {
  s3 = await startS3Server(join(scratch, 's3'))
})
afterAll(async () => {
  await s3.close()
  await rm(scratch, { recursive: true, force: true })
})

/** Bytes that differ from one offset to the next, so a misplaced part shows. */
const patterned = (size: number, seed = 1): Buffer => {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i < size; i++) {
    bytes[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff
  }
  return bytes
}

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

const fileFixture = (): TierFixture => {
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

const s3Fixture = (): TierFixture => {
  const prefix = `t-${Math.random().toString(36).slice(2)}/`
  const tier = new S3Tier({
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    partSizeBytes: 5 * mib,
    queueSize: 2,
  })
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
  ['S3Tier', s3Fixture],
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
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    )
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

  it('refuses a source that is shorter than the size it was given', async () => {
    const fx = open()
    await expect(fx.tier.put('short', chunks(patterned(1000), 100), 2000)).rejects.toThrow()
    expect(await fx.tier.exists('short')).toBeUndefined()
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

describe('S3Tier', () => {
  it('refuses parts under S3’s 5 MiB floor', () => {
    expect(() => new S3Tier({ bucket: 'b', partSizeBytes: mib })).toThrow(/≥ 5 MiB/)
  })
})
