import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ZhisuanError } from '@zhisuan/domain'
import { withRetry, type BackoffPolicy } from './backoff.js'
import { manifestFile, scanCheckpoints } from './local-checkpoints.js'
import type { CheckpointRecord, CheckpointState, ShardReportBody } from './registry-client.js'
import { copyShard } from './shard-copy.js'
import { isFinal, messageOf } from './errors.js'
import { UploadStats } from './upload-stats.js'
import {
  byStep,
  compareScan,
  pendingOf,
  registration,
  sameShards,
  statusOf,
  type Tracked,
  type TrackedShard,
} from './tracked.js'
import type {
  LocalCheckpointStatus,
  UploaderEvent,
  UploaderOptions,
  UploaderStats,
} from './uploader-types.js'

/**
 * Copies a job's finished local checkpoints to a durable tier and records them in the registry.
 * It scans `<root>` every `pollIntervalMs` (polling, not `fs.watch`, which misses events on
 * network filesystems); a directory counts once its `manifest.json` exists. Each checkpoint is
 * registered (or found by step), and its shards are streamed, `concurrency` at a time, through
 * a SHA-256 hasher into the tier and then reported with checksum and location: the registry
 * commits the checkpoint when every shard is durable.
 *
 * A restart asks the registry which shards are durable and skips them; a shard cut off
 * mid-stream is sent again whole. Tier and registry failures are retried with exponential
 * backoff; a shard is reported only after the tier's `put` resolved. When more than
 * `maxPendingLocal` checkpoints wait uncommitted, the oldest of them is deleted locally.
 * @example
 * const uploader = new Uploader({ jobId, root: '/local/ckpt', registry, tier })
 * uploader.start()
 * // … on shutdown
 * await uploader.stop()
 */
export class Uploader {
  private readonly tracked = new Map<string, Tracked>()
  private readonly reported = new Set<string>()
  private readonly queue: { readonly cp: Tracked; readonly entry: TrackedShard }[] = []
  private readonly jobs = new Set<Promise<void>>()
  private readonly abort = new AbortController()
  private readonly policy: BackoffPolicy
  private chain: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private running = false
  private readonly tally = new UploadStats()

  constructor(private readonly options: UploaderOptions) {
    this.policy = { baseMs: 500, maxMs: 60_000, ...options.backoff }
  }

  /** Scans now and then every `pollIntervalMs` until {@link stop}. */
  start(): void {
    if (this.running || this.abort.signal.aborted) {
      return
    }
    this.running = true
    const loop = (): void => {
      this.tick()
        .catch((error: unknown) => {
          if (!this.abort.signal.aborted) {
            this.emit({ kind: 'error', reason: messageOf(error) })
          }
        })
        .finally(() => {
          if (this.running) {
            this.timer = setTimeout(loop, this.options.pollIntervalMs ?? 2000)
          }
        })
        .catch(() => undefined)
    }
    loop()
  }

  /**
   * Stops scanning and cuts off the uploads in flight (they are redone by the next uploader);
   * resolves when all have let go. An uploader does not start again after this.
   */
  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    this.abort.abort(new ZhisuanError('unavailable', 'uploader stopped'))
    await this.chain
    await this.settle()
  }

  /**
   * One scan, then waits until every shard it queued is durable, rejected or given up.
   * @throws ZhisuanError when the directory cannot be read or the registry cannot be reached
   * after a few tries.
   */
  async pass(): Promise<void> {
    await this.tick()
    await this.settle()
  }

  /** Counters since the uploader was made. */
  stats(): UploaderStats {
    return this.tally.snapshot(pendingOf(this.tracked.values()).length)
  }

  /** The local checkpoints being tracked, oldest first. */
  checkpoints(): LocalCheckpointStatus[] {
    return byStep(this.tracked.values()).map(statusOf)
  }

  private emit(event: UploaderEvent): void {
    this.options.onEvent?.(event)
  }

  private async settle(): Promise<void> {
    while (this.jobs.size > 0) {
      await Promise.all(this.jobs)
    }
  }

  /** Scans are one at a time: the timer's and `pass`'s queue behind each other. */
  private tick(): Promise<void> {
    const run = this.chain.then(() => this.scan())
    this.chain = run.catch(() => undefined)
    return run
  }

  private async scan(): Promise<void> {
    this.abort.signal.throwIfAborted()
    const found = await scanCheckpoints(this.options.root)
    const { gone, added, invalid } = compareScan(this.tracked, found)
    for (const cp of gone) {
      // Deleted under us (the job's own retention): stop caring.
      cp.abort.abort(new ZhisuanError('not-found', `${cp.dir} was deleted`))
      this.tracked.delete(cp.dir)
    }
    for (const { dir, reason } of invalid) {
      this.invalid(dir, reason)
    }
    for (const cp of added) {
      this.reported.delete(cp.dir)
      this.tracked.set(cp.dir, cp)
    }
    await this.relieve()
    await this.resolve()
    this.enqueue()
  }

  /** Says once per directory why it is not uploaded. */
  private invalid(dir: string, reason: string): void {
    if (!this.reported.has(dir)) {
      this.reported.add(dir)
      this.emit({ kind: 'invalid', dir, reason })
    }
  }

  /** Back-pressure: deletes the oldest uncommitted local checkpoints past `maxPendingLocal`. */
  private async relieve(): Promise<void> {
    const limit = this.options.maxPendingLocal ?? 2
    for (;;) {
      const waiting = pendingOf(this.tracked.values())
      const oldest = waiting[0]
      if (oldest === undefined || waiting.length <= limit) {
        return
      }
      // Either deletes it or learns that it committed: `pending()` shrinks each time.
      await this.drop(oldest)
    }
  }

  private async drop(cp: Tracked): Promise<void> {
    cp.abort.abort(new ZhisuanError('unavailable', `${cp.dir} dropped by back-pressure`))
    await Promise.all(cp.jobs)
    if (cp.state !== 'committed' && !(await this.committedInRegistry(cp))) {
      cp.dropped = true
      // The manifest goes first: should the rest fail to go, the directory is unfinished.
      await rm(join(this.options.root, cp.dir, manifestFile), { force: true })
      await rm(join(this.options.root, cp.dir), { recursive: true, force: true })
      this.tracked.delete(cp.dir)
      this.tally.dropped.push({ step: cp.manifest.step, dir: cp.dir })
      this.emit({ kind: 'dropped', step: cp.manifest.step, dir: cp.dir })
    }
  }

  /** A last look before deleting; when the registry cannot say, the local view stands. */
  private async committedInRegistry(cp: Tracked): Promise<boolean> {
    try {
      const records = await this.options.registry.list(this.options.jobId)
      const record = records.find((r) => r.step === cp.manifest.step)
      if (record?.state === 'committed') {
        cp.state = 'committed'
        return true
      }
    } catch {
      // Unreachable: nothing this uploader reported can have committed it unseen.
    }
    return false
  }

  /** Registers (or finds by step) every tracked checkpoint the registry has not answered for. */
  private async resolve(): Promise<void> {
    const unknown = byStep(this.tracked.values()).filter((cp) => cp.state === undefined)
    if (unknown.length === 0) {
      return
    }
    const { registry, jobId } = this.options
    const attempts = { ...this.policy, attempts: 4 }
    const records = await withRetry(() => registry.list(jobId), attempts, this.retrying('list'))
    const recordOf = new Map(records.map((r) => [r.step, r]))
    for (const cp of unknown) {
      const found = recordOf.get(cp.manifest.step)
      if (found !== undefined) {
        this.adopt(cp, found, true)
        continue
      }
      try {
        const record = await withRetry(
          () => registry.register(jobId, registration(cp.manifest)),
          attempts,
          { ...this.retrying('register'), retryable: (error) => !isFinal(error) },
        )
        this.adopt(cp, record, false)
      } catch (error) {
        if (!isFinal(error)) {
          throw error
        }
        this.refuse(cp, `the registry refused step ${cp.manifest.step}: ${messageOf(error)}`)
      }
    }
  }

  private adopt(cp: Tracked, record: CheckpointRecord, existing: boolean): void {
    if (!sameShards(cp, record)) {
      this.refuse(cp, `the registry has step ${cp.manifest.step} with other shards`)
      return
    }
    cp.id = record.id
    cp.state = record.state
    this.emit({ kind: 'registered', step: cp.manifest.step, checkpointId: record.id, existing })
    for (const shard of record.shards) {
      const entry = cp.shards.get(shard.path)
      if (entry !== undefined && shard.state === 'durable') {
        entry.state = 'durable'
        this.tally.counts.shardsSkipped++
        this.emit({ kind: 'shard-skipped', step: cp.manifest.step, path: shard.path })
      } else if (entry !== undefined && shard.state === 'corrupt') {
        entry.state = 'rejected'
      }
    }
  }

  /**
   * A checkpoint the registry will not take is never uploaded; it stays, uncommitted, for
   * back-pressure to drop in its turn.
   */
  private refuse(cp: Tracked, reason: string): void {
    cp.state = 'failed'
    this.invalid(cp.dir, reason)
  }

  private enqueue(): void {
    for (const cp of byStep(this.tracked.values())) {
      if (cp.state !== 'pending' || cp.dropped) {
        continue
      }
      for (const entry of cp.shards.values()) {
        if (entry.state === 'todo') {
          entry.state = 'queued'
          this.queue.push({ cp, entry })
        }
      }
    }
    this.pump()
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4
    while (this.tally.active < limit && this.queue.length > 0 && !this.abort.signal.aborted) {
      const next = this.queue.shift()
      if (next === undefined) {
        break
      }
      const { cp, entry } = next
      if (cp.abort.signal.aborted || cp.state !== 'pending') {
        entry.state = 'todo'
        continue
      }
      this.tally.begin()
      const job = this.upload(cp, entry).finally(() => {
        this.tally.end()
        this.jobs.delete(job)
        cp.jobs.delete(job)
        this.pump()
      })
      this.jobs.add(job)
      cp.jobs.add(job)
    }
  }

  /** Copies one shard and reports it; never rejects (the outcome is the shard's state). */
  private async upload(cp: Tracked, entry: TrackedShard): Promise<void> {
    const { registry, jobId } = this.options
    const { path, size } = entry.shard
    const step = cp.manifest.step
    const signal = AbortSignal.any([this.abort.signal, cp.abort.signal])
    const started = performance.now()
    cp.firstUploadAt ??= started
    entry.state = 'uploading'
    try {
      const copy = (): ReturnType<typeof copyShard> =>
        copyShard({
          file: join(this.options.root, cp.dir, path),
          shard: entry.shard,
          key: `${encodeURIComponent(jobId)}/step-${step}/${path}`,
          tier: this.options.tier,
          signal,
          ...(this.options.readChunkBytes === undefined
            ? {}
            : { readChunkBytes: this.options.readChunkBytes }),
          onBytes: (n) => {
            this.tally.counts.bytesSent += n
          },
        })
      const copied = await withRetry(copy, this.policy, {
        signal,
        retryable: (error) => !isFinal(error),
        onRetry: this.retrying('upload').onRetry,
      })
      const id = cp.id ?? ''
      const body: ShardReportBody = { path, size, tier: 'durable', ...copied }
      const result = await withRetry(() => registry.reportShard(jobId, id, body), this.policy, {
        signal,
        onRetry: this.retrying('report').onRetry,
      })
      if (result.shard.state === 'durable') {
        entry.state = 'durable'
        this.tally.counts.shardsDurable++
        this.tally.counts.bytesDurable += size
        const seconds = (performance.now() - started) / 1000
        this.emit({ kind: 'shard-durable', step, path, bytes: size, seconds, ...copied })
      } else {
        entry.state = 'rejected'
        this.tally.counts.shardsRejected++
        const state = result.shard.state
        this.emit({ kind: 'shard-rejected', step, path, sha256: copied.sha256, state })
      }
      this.noteState(cp, result.checkpoint.state)
    } catch (error) {
      if (signal.aborted) {
        entry.state = 'todo'
      } else if (isFinal(error)) {
        entry.state = 'unreadable'
        this.tally.counts.shardsUnreadable++
        this.emit({ kind: 'shard-unreadable', step, path, reason: messageOf(error) })
      } else {
        entry.state = 'todo'
        this.emit({ kind: 'error', reason: `${cp.dir}/${path}: ${messageOf(error)}` })
      }
    }
  }

  private noteState(cp: Tracked, state: CheckpointState): void {
    const was = cp.state
    cp.state = state
    if (state === 'committed' && was !== 'committed') {
      this.tally.counts.committed++
      const bytes = cp.manifest.shards.reduce((sum, s) => sum + s.size, 0)
      const seconds = (performance.now() - (cp.firstUploadAt ?? performance.now())) / 1000
      this.emit({
        kind: 'committed',
        step: cp.manifest.step,
        checkpointId: cp.id ?? '',
        bytes,
        bytesPerSecond: seconds > 0 ? bytes / seconds : 0,
      })
    }
  }

  private retrying(operation: 'upload' | 'report' | 'list' | 'register'): {
    readonly signal: AbortSignal
    readonly onRetry: (error: unknown, attempt: number, delayMs: number) => void
  } {
    return {
      signal: this.abort.signal,
      onRetry: (error, attempt, delayMs) => {
        this.tally.counts.retries++
        this.emit({ kind: 'retry', operation, attempt, delayMs, reason: messageOf(error) })
      },
    }
  }
}
