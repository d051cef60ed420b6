import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { ZhisuanError } from '@zhisuan/domain'
import { sizeMismatchError } from './hashing.js'
import { hashWorkerMain, type HashJob, type HashReply } from './hash-worker.js'

const defaultChunkBytes = 64 * 1024

/** What {@link hashFile} reads, and how. */
export interface HashFileInput {
  readonly path: string
  /** The bytes the file must hold. */
  readonly size: number
  /**
   * Read size; default 64 KiB. Memory per file in flight is one chunk. A chunk that stays in
   * the core's L2 cache between the kernel's copy into it and the hash's read of it makes the
   * read 3–4× cheaper than a 1 MiB one (1 GiB from page cache: 0.14 CPU-s against 0.5–0.6).
   */
  readonly chunkBytes?: number
  /** Named in errors; default `path`. */
  readonly label?: string
  /** Stops at the next chunk (or before it starts); rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Called as chunks are hashed. */
  readonly onBytes?: (bytes: number) => void
}

interface Task {
  readonly job: HashJob
  readonly input: HashFileInput
  readonly resolve: (sha256: string) => void
  readonly reject: (error: Error) => void
}

// The worker runs from the body's own text: one source for `dist/` and for vitest (which
// runs the .ts sources, which a plain worker thread could not load).
const workerSource = `'use strict';(${hashWorkerMain.toString()})(require('node:fs'), require('node:crypto'), require('node:worker_threads').parentPort)`

/** Why `signal` aborted, as an Error (what `AbortSignal.abort()` gives is one already). */
const abortReason = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error
    ? signal.reason
    : new ZhisuanError('unavailable', `aborted: ${String(signal?.reason)}`)

/** Worker threads that hash files, one file each at a time; made as needed. */
class HashPool {
  private readonly idle: Worker[] = []
  private readonly running = new Map<Worker, Task>()
  private readonly queue: Task[] = []
  private nextId = 1

  constructor(private readonly maxWorkers: number) {}

  run(input: HashFileInput): Promise<string> {
    return new Promise((resolve, reject) => {
      const signal = input.signal
      if (signal?.aborted === true) {
        reject(abortReason(signal))
        return
      }
      const abort = new Int32Array(new SharedArrayBuffer(4))
      const job: HashJob = {
        id: this.nextId++,
        path: input.path,
        size: input.size,
        chunkBytes: input.chunkBytes ?? defaultChunkBytes,
        abort,
      }
      const cut = (): void => {
        const queued = this.queue.indexOf(task)
        if (queued >= 0) {
          this.queue.splice(queued, 1)
          reject(abortReason(signal))
        } else {
          Atomics.store(abort, 0, 1)
        }
      }
      signal?.addEventListener('abort', cut, { once: true })
      const task: Task = {
        job,
        input,
        resolve: (sha256) => {
          signal?.removeEventListener('abort', cut)
          resolve(sha256)
        },
        reject: (error) => {
          signal?.removeEventListener('abort', cut)
          reject(error)
        },
      }
      this.queue.push(task)
      this.pump()
    })
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.size() < this.maxWorkers ? this.spawn() : undefined)
      const task = worker === undefined ? undefined : this.queue.shift()
      if (worker === undefined || task === undefined) {
        return
      }
      this.running.set(worker, task)
      // A worker with work keeps the process alive; an idle one does not.
      worker.ref()
      worker.postMessage(task.job)
    }
  }

  private size(): number {
    return this.idle.length + this.running.size
  }

  private spawn(): Worker {
    const worker = new Worker(workerSource, { eval: true })
    worker.on('message', (reply: HashReply) => {
      const task = this.running.get(worker)
      if (task === undefined || reply.id !== task.job.id) {
        return
      }
      if (reply.kind === 'bytes') {
        task.input.onBytes?.(reply.bytes)
        return
      }
      this.running.delete(worker)
      worker.unref()
      this.idle.push(worker)
      settle(task, reply)
      this.pump()
    })
    const lost = (error: unknown): void => {
      const task = this.running.get(worker)
      this.running.delete(worker)
      const at = this.idle.indexOf(worker)
      if (at >= 0) {
        this.idle.splice(at, 1)
      }
      task?.reject(new ZhisuanError('unavailable', `hash worker stopped: ${String(error)}`))
      this.pump()
    }
    worker.on('error', lost)
    worker.on('exit', (code) => {
      lost(`exit code ${code}`)
    })
    return worker
  }
}

function settle(task: Task, reply: Exclude<HashReply, { kind: 'bytes' }>): void {
  const label = task.input.label ?? task.input.path
  switch (reply.kind) {
    case 'done':
      task.resolve(reply.sha256)
      return
    case 'aborted':
      task.reject(abortReason(task.input.signal))
      return
    case 'failed':
      task.reject(failure(label, task.job.size, reply))
      return
  }
}

function failure(
  label: string,
  size: number,
  reply: Extract<HashReply, { kind: 'failed' }>,
): ZhisuanError {
  switch (reply.reason) {
    case 'missing':
      return new ZhisuanError('invalid-input', `${label}: missing`)
    case 'size':
      return sizeMismatchError(label, size, reply.bytes)
    case 'io':
      return new ZhisuanError('unavailable', `${label}: ${reply.message}`)
  }
}

let pool: HashPool | undefined

/**
 * The SHA-256 (hex) of the file at `path`, computed in a worker thread, which also holds the
 * file to exactly `size` bytes. Files are hashed in a shared pool of up to one worker per CPU
 * (at most 8), so several shards are hashed at once and the main thread stays free.
 * @throws ZhisuanError `invalid-input` when the file is missing, `conflict` when it holds
 * other than `size` bytes, `unavailable` for an I/O error or a lost worker; the signal's
 * reason when aborted.
 * @example
 * const sha256 = await hashFile({ path: 'durable/rank-0.pt.partial', size, label: 'rank-0.pt' })
 */
export function hashFile(input: HashFileInput): Promise<string> {
  pool ??= new HashPool(Math.max(1, Math.min(availableParallelism(), 8)))
  return pool.run(input)
}
