import { createHash, type Hash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { ZhisuanError } from '@zhisuan/domain'

/**
 * A pass-through stream that computes the SHA-256 of what flows through it and holds the
 * stream to an exact length, so a shard is read once: the bytes that reach the tier are the
 * bytes that were hashed. It fails with ZhisuanError `conflict` as soon as more than
 * `expectedSize` bytes arrive, or at the end when fewer did (the file changed under us).
 * @example
 * const hasher = new ShardHasher(size)
 * pipeline(createReadStream(file), hasher, () => {})
 * await tier.put(key, hasher, size)
 * const sha256 = hasher.digest()
 */
export class ShardHasher extends Transform {
  private readonly hash: Hash = createHash('sha256')
  private hex: string | undefined
  /** Bytes seen so far. */
  bytes = 0
  /** Whether the stream failed because the source was longer or shorter than expected. */
  sizeMismatch = false

  constructor(
    readonly expectedSize: number,
    /** Named in errors; usually the shard path. */
    readonly label = 'shard',
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.expectedSize) {
      done(this.sizeError())
      return
    }
    this.hash.update(chunk)
    done(null, chunk)
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.expectedSize) {
      done(this.sizeError())
      return
    }
    this.hex = this.hash.digest('hex')
    done()
  }

  /**
   * The hex SHA-256 of everything that passed.
   * @throws ZhisuanError `internal` before the stream has ended.
   */
  digest(): string {
    if (this.hex === undefined) {
      throw new ZhisuanError('internal', `${this.label}: digest asked before the stream ended`)
    }
    return this.hex
  }

  private sizeError(): ZhisuanError {
    this.sizeMismatch = true
    return sizeMismatchError(this.label, this.expectedSize, this.bytes)
  }
}

/**
 * A local shard that held other than `expected` bytes while it was read (`read` so far: more
 * than expected means it stopped there): ZhisuanError `conflict`.
 */
export function sizeMismatchError(label: string, expected: number, read: number): ZhisuanError {
  const more = read > expected ? ' or more' : ''
  return new ZhisuanError(
    'conflict',
    `${label}: expected ${expected} bytes, read ${read}${more} (changed while uploading?)`,
  )
}
