import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { hashFile } from './hash-pool.js'

const scratch = mkdtempSync(join(tmpdir(), 'zhisuan-hash-pool-'))
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})
let counter = 0
const write = async (bytes: Buffer): Promise<string> => {
  const path = join(scratch, `f-${++counter}`)
  await writeFile(path, bytes)
  return path
}
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

describe('hashing files in worker threads', () => {
  it('agrees with node:crypto on random bytes of any size, read in any chunk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 70_000 })),
        fc.integer({ min: 1, max: 20_000 }),
        async (size, chunkBytes) => {
          const bytes = randomBytes(size)
          let counted = 0
          const digest = await hashFile({
            path: await write(bytes),
            size,
            chunkBytes,
            onBytes: (n) => (counted += n),
          })
          expect(digest).toBe(sha256(bytes))
          expect(counted).toBe(size)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('hashes many files at once, each with its own digest', async () => {
    const files = await Promise.all(
      [0, 1, 7, 65_536, 1_048_577, 3_000_001].map(async (size) => {
        const bytes = randomBytes(size)
        return { path: await write(bytes), size, bytes }
      }),
    )
    const digests = await Promise.all(files.map((f) => hashFile({ ...f, chunkBytes: 4096 })))
    expect(digests).toEqual(files.map((f) => sha256(f.bytes)))
  })

  it('fails a file longer or shorter than declared, and a missing one', async () => {
    const path = await write(randomBytes(1000))
    await expect(hashFile({ path, size: 999, label: 'a' })).rejects.toThrow(
      /a: expected 999 bytes, read 1000 or more/,
    )
    await expect(hashFile({ path, size: 1001, label: 'b' })).rejects.toThrow(
      /b: expected 1001 bytes, read 1000 \(changed/,
    )
    const missing = hashFile({ path: `${path}-gone`, size: 1, label: 'c' })
    await expect(missing).rejects.toThrow(ZhisuanError)
    await expect(missing).rejects.toMatchObject({ code: 'invalid-input', message: 'c: missing' })
    await expect(hashFile({ path, size: 999 })).rejects.toMatchObject({ code: 'conflict' })
  })

  it('stops mid-file when aborted, and does not start when aborted before', async () => {
    const size = 32 * 1024 * 1024
    const path = await write(Buffer.alloc(size, 7))
    const stop = new AbortController()
    let counted = 0
    const hashing = hashFile({
      path,
      size,
      chunkBytes: 64 * 1024,
      signal: stop.signal,
      onBytes: (n) => {
        counted += n
        stop.abort(new Error('stopped'))
      },
    })
    await expect(hashing).rejects.toThrow('stopped')
    expect(counted).toBeGreaterThan(0)
    expect(counted).toBeLessThan(size)
    await expect(hashFile({ path, size, signal: stop.signal })).rejects.toThrow('stopped')
  })
})
