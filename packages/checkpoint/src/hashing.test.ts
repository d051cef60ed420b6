import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ShardHasher } from './hashing.js'

const drain = async (hasher: ShardHasher, pieces: readonly Uint8Array[]): Promise<Buffer> => {
  const out: Buffer[] = []
  await pipeline(Readable.from(pieces.map((p) => Buffer.from(p))), hasher, async function* (src) {
    for await (const chunk of src) {
      out.push(chunk as Buffer)
      yield* []
    }
  })
  return Buffer.concat(out)
}

describe('hashing a shard on its way through', () => {
  it('passes the bytes unchanged and hashes them, however they are cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        async (pieces) => {
          const whole = Buffer.concat(pieces)
          const hasher = new ShardHasher(whole.length)
          expect(await drain(hasher, pieces)).toEqual(whole)
          expect(hasher.digest()).toBe(createHash('sha256').update(whole).digest('hex'))
        },
      ),
      { numRuns: 100 },
    )
  })

  it('fails a source that is longer or shorter than declared, and says so', async () => {
    const long = new ShardHasher(4, 'model/rank-0.pt')
    await expect(drain(long, [Buffer.from('hello')])).rejects.toThrow(
      'model/rank-0.pt: expected 4 bytes, read 5 or more',
    )
    expect(long.sizeMismatch).toBe(true)
    const short = new ShardHasher(6)
    await expect(drain(short, [Buffer.from('hello')])).rejects.toThrow('expected 6 bytes, read 5')
    expect(short.sizeMismatch).toBe(true)
  })

  it('has no digest before the end', () => {
    expect(() => new ShardHasher(1).digest()).toThrow('before the stream ended')
  })
})
