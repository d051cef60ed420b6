import type { Hash } from 'node:crypto'
import { Transform, pipeline, type Readable } from 'node:stream'
import { ZhisuanError } from '@zhisuan/domain'

/**
 * Where committed checkpoints live: a shared filesystem ({@link FileTier}) or an object store
 * ({@link S3Tier}). A key is a relative, `/`-separated path; an object appears under its key
 * only once it is whole, so a crash mid-`put` leaves nothing that `exists` reports. (Except on
 * an S3 server that stores a `PutObject` body as it arrives, as s3rver does; S3, MinIO and Ceph
 * RGW do not. Either way only a `put` that resolved is ever reported to the registry, and an
 * object's existence is never taken as proof of anything: the registry says what is durable.)
 */
export interface DurableTier {
  /** For logs: `file:/mnt/ckpt`, `s3://bucket/prefix`. */
  readonly name: string
  /**
   * Streams `source` (exactly `size` bytes) to `key`, replacing what was there.
   * `onBytes(n)` is called as bytes go out. Rejects, leaving no object, when the source fails
   * or is destroyed, or delivers other than `size` bytes.
   */
  put(
    key: string,
    source: Readable,
    size: number,
    onBytes?: (bytes: number) => void,
  ): Promise<{ readonly location: string }>
  /**
   * Optional, for tiers that can do better than a stream: copies the local `file` (exactly
   * `size` bytes) to `key` and returns the SHA-256 of exactly the bytes stored, read once.
   * Same guarantees as {@link put}; `copyShard` prefers it where a tier has it.
   * @throws ZhisuanError `invalid-input` when the file is missing, `conflict` when it holds
   * other than `size` bytes; the signal's reason when aborted.
   */
  putFile?(
    key: string,
    file: string,
    size: number,
    options?: PutFileOptions,
  ): Promise<{ readonly location: string; readonly sha256: string }>
  /** The object's size, or `undefined` when there is none. */
  exists(key: string): Promise<{ readonly size: number } | undefined>
  /** Removes the object (and any half-written copy); no error when there is none. */
  remove(key: string): Promise<void>
}

/** How {@link DurableTier.putFile} reads and reports. */
export interface PutFileOptions {
  /** Stops the copy (leaving no object). */
  readonly signal?: AbortSignal
  /** Read size; default 64 KiB (see `hashFile`). */
  readonly chunkBytes?: number
  /** Named in errors; default the file's path. */
  readonly label?: string
  /** Called as bytes are stored (the FileTier: as the stored copy is verified). */
  readonly onBytes?: (bytes: number) => void
}

/**
 * @throws ZhisuanError `invalid-input` for an empty, absolute or `..`-climbing key.
 */
export function checkKey(key: string): string {
  const parts = key.split('/')
  if (key === '' || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw new ZhisuanError('invalid-input', `bad object key "${key}"`)
  }
  return key
}

/**
 * `source` passed on, counted (`onBytes`), and held to exactly `size` bytes: what a tier stores
 * must be what it was told (an S3 body with a `Content-Length` must not run short, or the server
 * waits; a file must not end up longer or shorter). Fails with ZhisuanError `conflict` naming
 * `key` as soon as more arrive, or at the end when fewer did. `hash`, when given, is updated
 * with every byte passed on.
 */
export function exactLength(
  source: Readable,
  size: number,
  key: string,
  onBytes: ((bytes: number) => void) | undefined,
  hash?: Hash,
): Readable {
  let seen = 0
  const mismatch = (): ZhisuanError =>
    new ZhisuanError('conflict', `${key}: expected ${size} bytes, got ${seen}`)
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > size) {
        done(mismatch())
        return
      }
      hash?.update(chunk)
      onBytes?.(chunk.length)
      done(null, chunk)
    },
    flush(done) {
      done(seen === size ? null : mismatch())
    },
  })
  pipeline(source, body, () => undefined)
  return body
}
