// The S3 tier held to what S3 promises, not to what s3rver allows: s3rver checks no Content-MD5,
// no x-amz-checksum-*, no part ETag at completion. So each test makes the server (or the bytes
// on its disk) misbehave as S3 never would and shows the tier notices by itself.
import { createHash } from 'node:crypto'
import { open, truncate } from 'node:fs/promises'
import { pipeline, Readable } from 'node:stream'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it, vi } from 'vitest'
import { ShardHasher } from './hashing.js'
import type { S3Tier } from './s3-tier.js'
import {
  leaveKilledPut,
  patterned,
  s3rverForTests,
  s3rverObjectFile,
  sha256Hex,
  tierOn,
} from './s3rver.test-support.js'

const mib = 1024 * 1024
const { directory, s3 } = s3rverForTests('zhisuan-s3-tier-')
let counter = 0

/** A tier of its own (its own client, so a test's middleware stays its own), 5 MiB parts. */
const freshTier = (multipartFrom?: number): { tier: S3Tier; prefix: string } => {
  const prefix = `s3t-${++counter}/`
  return { tier: tierOn(s3, prefix, multipartFrom), prefix }
}

/** An HTTP request as the middleware stack holds it. */
interface WireRequest {
  headers: Record<string, string>
  query: Record<string, string | string[] | null>
  body: unknown
}

interface Sent {
  readonly command: string
  readonly headers: Readonly<Record<string, string>>
  readonly partNumber: number | undefined
  readonly body: string
}

/** Records every request the tier's client sends, as it goes on the wire. */
function spy(tier: S3Tier): Sent[] {
  const sent: Sent[] = []
  tier.client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as WireRequest
      sent.push({
        command: context.commandName ?? '',
        headers: { ...request.headers },
        partNumber:
          request.query['partNumber'] === undefined
            ? undefined
            : Number(request.query['partNumber']),
        body: typeof request.body === 'string' ? request.body : '',
      })
      return next(args)
    },
    { step: 'finalizeRequest', priority: 'low', name: 'spy' },
  )
  return sent
}

const base64 = (algorithm: 'md5' | 'sha256', bytes: Buffer): string =>
  createHash(algorithm).update(bytes).digest('base64')

/** `bytes` cut in 5 MiB parts. */
const partsOf = (bytes: Buffer): Buffer[] => {
  const parts: Buffer[] = []
  for (let at = 0; at < bytes.length; at += 5 * mib) {
    parts.push(bytes.subarray(at, at + 5 * mib))
  }
  return parts
}

/**
 * The upload was aborted, never completed: S3 then drops its parts. (s3rver implements no
 * AbortMultipartUpload and keeps them, so only the request can be checked.)
 */
const expectAborted = (sent: readonly Sent[]): void => {
  const commands = sent.map((s) => s.command)
  expect(commands).toContain('AbortMultipartUploadCommand')
  expect(commands).not.toContain('CompleteMultipartUploadCommand')
}

const read = async (tier: S3Tier, prefix: string, key: string): Promise<Buffer> => {
  const got = await tier.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: prefix + key }))
  return Buffer.from((await got.Body?.transformToByteArray()) ?? [])
}

describe('S3Tier multipart: per-part checksums', () => {
  it('sends each part with its Content-MD5 and SHA-256, lists every SHA-256 at completion, then reads the object back', async () => {
    const { tier } = freshTier(5 * mib)
    const sent = spy(tier)
    const bytes = patterned(12 * mib + 321, 3)
    await tier.put('ckpt/rank-0.pt', Readable.from([bytes]), bytes.length)

    const parts = partsOf(bytes)
    const create = sent.find((s) => s.command === 'CreateMultipartUploadCommand')
    expect(create?.headers['x-amz-checksum-algorithm']).toBe('SHA256')
    const uploads = sent
      .filter((s) => s.command === 'UploadPartCommand')
      .sort((a, b) => (a.partNumber ?? 0) - (b.partNumber ?? 0))
    expect(
      uploads.map((u) => [
        u.partNumber,
        u.headers['content-md5'],
        u.headers['x-amz-checksum-sha256'],
      ]),
    ).toEqual(parts.map((p, i) => [i + 1, base64('md5', p), base64('sha256', p)]))
    const completion = sent.find((s) => s.command === 'CompleteMultipartUploadCommand')
    const listed = [...(completion?.body ?? '').matchAll(/<Part>(.*?)<\/Part>/g)].map((m) => [
      Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? '')?.[1]),
      /<ChecksumSHA256>([^<]+)<\/ChecksumSHA256>/.exec(m[1] ?? '')?.[1],
    ])
    expect(listed).toEqual(parts.map((p, i) => [i + 1, base64('sha256', p)]))
    // The read-back is the last request, of exactly the object completed.
    expect(sent.at(-1)?.command).toBe('GetObjectCommand')
    expect(sent.at(-1)?.headers['if-match']).toMatch(/^"[0-9a-f-]+"$/)
  })

  it('fails, naming the part, when the server stores a part other than it was sent, and leaves nothing', async () => {
    // S3 would refuse such a part (BadDigest); s3rver stores it and answers with its MD5.
    const { tier } = freshTier(5 * mib)
    tier.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as WireRequest
        if (request.query['partNumber'] === '2' && Buffer.isBuffer(request.body)) {
          const damaged = Buffer.from(request.body)
          damaged[1000] = (damaged[1000] ?? 0) ^ 0xff
          request.body = damaged
        }
        return next(args)
      },
      { step: 'build', name: 'bit-flip-in-transit' },
    )
    const sent = spy(tier)
    const bytes = patterned(12 * mib, 4)
    await expect(tier.put('flipped', Readable.from([bytes]), bytes.length)).rejects.toThrow(
      /flipped part 2: the server's ETag "[0-9a-f]+" is not the MD5 of the part sent/,
    )
    expect(await tier.exists('flipped')).toBeUndefined()
    expectAborted(sent)
  })

  /** What S3 (or a gateway) may answer to a part, given the SHA-256 the part was sent with. */
  const echo = (sent: string) => ({ ChecksumSHA256: sent })
  it.each([
    [
      'a SHA-256 echoed that is not the part’s',
      () => ({ ChecksumSHA256: base64('sha256', Buffer.from('other')) }),
      /judged part \d: the server stored SHA-256 \S+, the part sent has \S+/,
    ],
    [
      'no checksum echoed, an ETag that is no MD5',
      () => ({ ETag: '"not-an-md5"' }),
      /judged part \d: the server's ETag "not-an-md5" is not the MD5 of the part sent/,
    ],
    [
      'the right SHA-256 echoed: the ETag does not matter',
      (sent: string) => ({ ...echo(sent), ETag: '"not-an-md5"' }),
      undefined,
    ],
    // Under SSE-KMS an ETag is no MD5 and some gateways echo no checksum: the read-back decides.
    [
      'SSE-KMS, no checksum echoed',
      () => ({ ServerSideEncryption: 'aws:kms', ETag: '"kms-opaque"' }),
      undefined,
    ],
  ] as const)('judges a part by what the server answers: %s', async (_what, answer, failure) => {
    const { tier, prefix } = freshTier(5 * mib)
    tier.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args)
        if (context.commandName === 'UploadPartCommand') {
          const sent = (args.input as { ChecksumSHA256?: string }).ChecksumSHA256 ?? ''
          Object.assign(result.output as object, answer(sent))
        }
        return result
      },
      { step: 'initialize', name: 'answer-as-another-server' },
    )
    const sent = spy(tier)
    const bytes = patterned(7 * mib, 5)
    const put = tier.put('judged', Readable.from([bytes]), bytes.length)
    if (failure === undefined) {
      await put
      expect(sha256Hex(await read(tier, prefix, 'judged'))).toBe(sha256Hex(bytes))
    } else {
      await expect(put).rejects.toThrow(failure)
      expect(await tier.exists('judged')).toBeUndefined()
      expectAborted(sent)
    }
  })
})

describe('S3Tier read-back: an object is hashed as stored before put resolves', () => {
  const size = 11 * mib + 77
  it.each([
    [
      'one request',
      'a flipped byte',
      undefined,
      /bytes 0–11534412 read back with SHA-256 [0-9a-f]{64}, were sent with [0-9a-f]{64}/,
    ],
    ['multipart', 'a flipped byte', 5 * mib, /bytes 5242880–10485759 read back with SHA-256/],
    ['one request', 'a lost tail', undefined, /read back 9437184 bytes, 11534413 were sent/],
    ['multipart', 'a lost tail', 5 * mib, /read back 9437184 bytes, 11534413 were sent/],
  ] as const)(
    '(%s) %s on the server’s disk fails the put and deletes the object',
    async (_how, damage, multipartFrom, message) => {
      const { tier, prefix } = freshTier(multipartFrom)
      const key = 'damaged/rank-1.pt'
      const file = s3rverObjectFile(directory, s3.bucket, prefix + key)
      // Between the upload's answer and the read-back, the stored bytes change: what a server
      // that acknowledged bytes it did not keep (or a disk that lost them) would show.
      tier.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'GetObjectCommand') {
            if (damage === 'a lost tail') {
              await truncate(file, 9 * mib)
            } else {
              const handle = await open(file, 'r+')
              await handle.write(Buffer.from([0xee]), 0, 1, 6 * mib + 3)
              await handle.close()
            }
          }
          return next(args)
        },
        { step: 'initialize', name: 'damage-on-disk' },
      )
      const bytes = patterned(size, 6)
      const put = tier.put(key, Readable.from([bytes]), bytes.length)
      await expect(put).rejects.toThrow(message)
      await expect(put).rejects.toThrow(`${prefix}${key}: `)
      expect(await tier.exists(key)).toBeUndefined()
    },
  )

  it('compares a whole object with the SHA-256 its ShardHasher source made, not hashing it again', async () => {
    const { tier, prefix } = freshTier()
    const bytes = patterned(3 * mib + 9, 8)
    const hasher = new ShardHasher(bytes.length, 'rank-2.pt')
    pipeline(Readable.from([bytes]), hasher, () => undefined)
    const digest = vi.spyOn(hasher, 'digest')
    await tier.put('hashed/rank-2.pt', hasher, bytes.length)
    expect(digest).toHaveBeenCalledTimes(1)
    expect(sha256Hex(await read(tier, prefix, 'hashed/rank-2.pt'))).toBe(sha256Hex(bytes))
  })

  it('writes over the partial object a killed PutObject left, and what it reads back is whole', async () => {
    const { tier, prefix } = freshTier()
    const bytes = patterned(3 * mib + 5, 7)
    await leaveKilledPut(directory, s3.bucket, `${prefix}left/rank-0.pt`, bytes.subarray(0, mib))
    // s3rver's leniency, which nothing may rely on: a torn request is an object to it.
    expect(await tier.exists('left/rank-0.pt')).toEqual({ size: mib })
    await tier.put('left/rank-0.pt', Readable.from([bytes]), bytes.length)
    expect(sha256Hex(await read(tier, prefix, 'left/rank-0.pt'))).toBe(sha256Hex(bytes))
  })
})
