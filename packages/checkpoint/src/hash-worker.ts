import type * as Crypto from 'node:crypto'
import type * as Fs from 'node:fs'
import type { MessagePort } from 'node:worker_threads'

/** One file for a hash worker: its SHA-256, and that it holds exactly `size` bytes. */
export interface HashJob {
  readonly id: number
  readonly path: string
  readonly size: number
  readonly chunkBytes: number
  /** One Int32 on a SharedArrayBuffer; non-zero asks the worker to stop at the next chunk. */
  readonly abort: Int32Array
}

/** What a hash worker says about a job: progress, then exactly one outcome. */
export type HashReply =
  | { readonly id: number; readonly kind: 'bytes'; readonly bytes: number }
  | { readonly id: number; readonly kind: 'done'; readonly sha256: string }
  | { readonly id: number; readonly kind: 'aborted' }
  | {
      readonly id: number
      readonly kind: 'failed'
      /** `missing`: no such file; `size`: other than `size` bytes; `io`: anything else. */
      readonly reason: 'missing' | 'size' | 'io'
      /** For `size`: the bytes read before it stopped. */
      readonly bytes: number
      readonly message: string
    }

/** A reply without its id, for each kind (a plain `Omit` would merge the union). */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never
type Outcome = WithoutId<Exclude<HashReply, { kind: 'bytes' }>>

/**
 * The body of a hash worker (see `hash-pool.ts`). It runs in a worker thread from its own
 * source text (`hashWorkerMain.toString()`), the same from `dist/` and under vitest, so it
 * must use nothing but its parameters and the globals every thread has (`Buffer`, `Atomics`).
 * It reads with blocking calls into one reused buffer: memory is one chunk whatever the size.
 */
export function hashWorkerMain(fs: typeof Fs, crypto: typeof Crypto, port: MessagePort): void {
  let buffer = Buffer.alloc(0)
  const hash = (job: HashJob, fd: number): Outcome => {
    if (buffer.length < job.chunkBytes) {
      buffer = Buffer.allocUnsafe(job.chunkBytes)
    }
    const digest = crypto.createHash('sha256')
    let total = 0
    // Progress goes out a mebibyte at a time, not per chunk: at 64 KiB a chunk that would be
    // 16,384 messages per GiB for the main thread to take.
    let unreported = 0
    const report = (): void => {
      if (unreported > 0) {
        port.postMessage({ id: job.id, kind: 'bytes', bytes: unreported } satisfies HashReply)
        unreported = 0
      }
    }
    for (;;) {
      if (Atomics.load(job.abort, 0) !== 0) {
        return { kind: 'aborted' }
      }
      const n = fs.readSync(fd, buffer, 0, job.chunkBytes, null)
      if (n === 0) {
        break
      }
      total += n
      if (total > job.size) {
        return { kind: 'failed', reason: 'size', bytes: total, message: 'longer' }
      }
      digest.update(buffer.subarray(0, n))
      unreported += n
      if (unreported >= 1024 * 1024) {
        report()
      }
    }
    report()
    if (total !== job.size) {
      return { kind: 'failed', reason: 'size', bytes: total, message: 'shorter' }
    }
    return { kind: 'done', sha256: digest.digest('hex') }
  }
  port.on('message', (job: HashJob) => {
    let outcome: Outcome
    let fd = -1
    try {
      fd = fs.openSync(job.path, 'r')
      outcome = hash(job, fd)
    } catch (error) {
      const missing = fd < 0 && (error as { code?: string }).code === 'ENOENT'
      outcome = {
        kind: 'failed',
        reason: missing ? 'missing' : 'io',
        bytes: 0,
        message: String(error),
      }
    }
    if (fd >= 0) {
      try {
        fs.closeSync(fd)
      } catch {
        // Read-only: nothing to lose.
      }
    }
    port.postMessage({ id: job.id, ...outcome } satisfies HashReply)
  })
}
