import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { ZhisuanError } from '@zhisuan/domain'
import {
  makeShards,
  measure,
  median,
  run,
  s3Child,
  sync,
  timed,
  type BenchServer,
  type Phases,
} from './bench-support.js'
import { startS3Server } from './s3-server.js'
import { MemoryRegistry } from './testing.js'
import { FileTier, S3Tier, type DurableTier } from './tiers.js'
import { Uploader } from './uploader.js'

/** What {@link benchCheckpoint} copies, where, and how. */
export interface CheckpointBenchOptions {
  /** Bytes over all shards; default 1 GiB. */
  readonly totalBytes?: number
  /** Shard files; default 8. */
  readonly shards?: number
  /** Scratch directory (every copy goes to the same disk); default the OS temp directory. */
  readonly dir?: string
  /** Shards in flight; default 4. */
  readonly concurrency?: number
  /** S3 multipart part size; default 8 MiB. */
  readonly partSizeBytes?: number
  /** S3 parts in flight per shard; default S3Tier's (2). */
  readonly queueSize?: number
  /** Shards up to this go as one streamed PutObject, bigger ones multipart; default S3Tier's. */
  readonly multipartThresholdBytes?: number
  /** Runs of each phase (the median counts); default 3. */
  readonly repeats?: number
  /** Pause after the `sync` before each timed phase; default 2 s. */
  readonly settleMs?: number
  /** s3rver in a process of its own (default, needs the build) or in this one (tests). */
  readonly s3Server?: 'child-process' | 'in-process'
  /** Progress lines. */
  readonly log?: (line: string) => void
}

/** Seconds are wall time; ratios above 1 mean the uploader was faster. */
export interface CheckpointBenchResult {
  readonly totalBytes: number
  readonly shards: number
  readonly repeats: number
  /** `cp -r` of the shard directory (page cache; no fsync). */
  readonly cpSeconds: number
  /** `cp -r` then `sync`: the same bytes made durable. */
  readonly cpSyncSeconds: number
  /**
   * The `sync` alone in that phase: the disk writing back the whole checkpoint from page cache
   * with its queue full. A copy that makes the bytes durable has the same bytes to write to the
   * same disk and cannot be much faster; `cp -r` alone, which leaves them in page cache, can.
   */
  readonly syncSeconds: number
  /**
   * The uploader to a FileTier in another directory of the same disk: kernel copy, SHA-256 of
   * the copy in worker threads, fsync.
   */
  readonly fileTierSeconds: number
  /** `cpSeconds / fileTierSeconds`; target ≥ 0.9. */
  readonly fsRatioToCp: number
  /** `cpSyncSeconds / fileTierSeconds`. */
  readonly fsRatioToCpSync: number
  /**
   * `cpSeconds / syncSeconds`: about the highest fsRatioToCp a copy that makes the bytes
   * durable can reach on this disk. Where the disk writes slower than `cp -r` copies in memory
   * it is below 1, and it may be below fsRatioToCp's target.
   */
  readonly fsRatioCeiling: number
  /** One `PutObject` per shard, one after another, no hashing. */
  readonly s3SingleStreamSeconds: number
  /** One `PutObject` per shard, all at once, no hashing: what concurrency alone buys. */
  readonly s3ConcurrentSingleStreamSeconds: number
  /**
   * The uploader (SHA-256 on the way; `concurrency` shards at once, each one streamed PutObject
   * at the default threshold, multipart above it).
   */
  readonly s3UploaderSeconds: number
  /** `s3SingleStreamSeconds / s3UploaderSeconds`; target > 1. */
  readonly s3RatioToSingleStream: number
  /** The uploader's throughput, MB/s (10^6 bytes). */
  readonly fileTierMBps: number
  readonly s3UploaderMBps: number
  /** s3rver's CPU seconds for the same bytes: one-at-a-time PutObject, the uploader's multipart. */
  readonly s3ServerCpuSeconds: { readonly singleStream: number; readonly uploader: number } | null
  /** RSS before the uploads, and its peak while the uploader ran (s3rver excluded). */
  readonly baselineRssMB: number
  readonly peakRssMB: number
}

const mib = 1024 * 1024
const s3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

const bucket = 'bench'

/** The shard files, the server and the measuring instruments of one benchmark. */
class BenchRig {
  private readonly client: S3Client
  private readonly s3Tier: S3Tier
  private readonly rss = { baseline: process.memoryUsage().rss, peak: 0, sampling: false }
  private readonly sampler: NodeJS.Timeout
  readonly serverCpu = { single: [] as number[], uploader: [] as number[] }
  /** The `sync` part of each `cp -r && sync`: the disk writing back the whole checkpoint. */
  readonly syncSeconds: number[] = []

  constructor(
    private readonly options: CheckpointBenchOptions,
    private readonly scratch: string,
    private readonly names: readonly string[],
    private readonly shardBytes: number,
    private readonly server: BenchServer,
  ) {
    this.rss.peak = this.rss.baseline
    this.sampler = setInterval(() => {
      if (this.rss.sampling) {
        this.rss.peak = Math.max(this.rss.peak, process.memoryUsage().rss)
      }
    }, 20)
    const common = { endpoint: server.endpoint, forcePathStyle: true, credentials: s3Credentials }
    this.client = new S3Client({
      ...common,
      region: 'us-east-1',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    this.s3Tier = new S3Tier({
      ...common,
      bucket,
      prefix: 'uploader/',
      ...(options.partSizeBytes === undefined ? {} : { partSizeBytes: options.partSizeBytes }),
      ...(options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
      ...(options.multipartThresholdBytes === undefined
        ? {}
        : { multipartThresholdBytes: options.multipartThresholdBytes }),
    })
  }

  get local(): string {
    return join(this.scratch, 'local')
  }

  get source(): string {
    return join(this.local, 'ckpt-0001')
  }

  get rssMB(): { readonly baseline: number; readonly peak: number } {
    return { baseline: this.rss.baseline / mib, peak: this.rss.peak / mib }
  }

  phases(): Phases {
    const settle = this.options.settleMs ?? 2000
    const out = join(this.scratch, 'out')
    const scrap = (): Promise<void> => rm(out, { recursive: true, force: true })
    const warmDir = join(this.scratch, 'warm')
    // As much page cache as a phase writes, written and freed just before it (see `timed`).
    const warm = (): void => {
      run('cp', ['-r', this.source, warmDir])
      rmSync(warmDir, { recursive: true, force: true })
    }
    const time = (work: () => Promise<void> | void): Promise<number> => timed(work, settle, warm)
    return {
      cp: () =>
        time(() => {
          run('cp', ['-r', this.source, out])
        }).finally(scrap),
      cpSync: () =>
        time(() => {
          run('cp', ['-r', this.source, out])
          const start = performance.now()
          sync()
          this.syncSeconds.push((performance.now() - start) / 1000)
        }).finally(scrap),
      fileTier: () => this.upload(new FileTier(out), time).finally(scrap),
      s3Single: () =>
        this.onServer(this.serverCpu.single, () =>
          time(async () => {
            for (const name of this.names) {
              await this.putShard(name, 'single')
            }
          }),
        ),
      s3Concurrent: () =>
        time(async () => {
          await Promise.all(this.names.map((name) => this.putShard(name, 'concurrent')))
        }),
      s3Uploader: () =>
        this.onServer(this.serverCpu.uploader, () => this.upload(this.s3Tier, time)),
    }
  }

  close(): void {
    clearInterval(this.sampler)
    this.client.destroy()
  }

  private putShard(name: string, prefix: string): Promise<unknown> {
    return this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}/${name}`,
        Body: createReadStream(join(this.source, name), { highWaterMark: mib }),
        ContentLength: this.shardBytes,
      }),
    )
  }

  /** One uploader pass over the checkpoint, into `tier`, with a fresh registry. */
  private async upload(
    tier: DurableTier,
    time: (work: () => Promise<void>) => Promise<number>,
  ): Promise<number> {
    const uploader = new Uploader({
      jobId: 'bench',
      root: this.local,
      registry: new MemoryRegistry(),
      tier,
      concurrency: this.options.concurrency ?? 4,
    })
    this.rss.sampling = true
    const seconds = await time(() => uploader.pass())
    this.rss.sampling = false
    this.rss.peak = Math.max(this.rss.peak, process.memoryUsage().rss)
    if (uploader.stats().committed !== 1) {
      throw new ZhisuanError('internal', `the upload to ${tier.name} did not commit`)
    }
    return seconds
  }

  /** Runs `work`, noting the CPU seconds the S3 server spent meanwhile. */
  private async onServer(into: number[], work: () => Promise<number>): Promise<number> {
    const before = this.server.cpuSeconds()
    const seconds = await work()
    const after = this.server.cpuSeconds()
    if (before !== undefined && after !== undefined) {
      into.push(after - before)
    }
    return seconds
  }
}

/**
 * Times the checkpoint uploader against `cp -r` (to a FileTier on the same disk) and against
 * one-at-a-time `PutObject` (to s3rver), on the same freshly written shard files. Every phase
 * runs `repeats` times, round-robin, each after a `sync` and a pause; each figure is a median.
 * @example
 * const r = await benchCheckpoint({ totalBytes: 1024 ** 3 })
 * console.log(r.fsRatioToCp, r.s3RatioToSingleStream)
 */
export async function benchCheckpoint(
  options: CheckpointBenchOptions = {},
): Promise<CheckpointBenchResult> {
  const shards = options.shards ?? 8
  const shardBytes = Math.ceil((options.totalBytes ?? 1024 * mib) / shards)
  const totalBytes = shardBytes * shards
  const repeats = options.repeats ?? 3
  const log = options.log ?? (() => undefined)
  const scratch = mkdtempSync(join(options.dir ?? tmpdir(), 'zhisuan-ckpt-bench-'))
  let server: BenchServer | undefined
  let rig: BenchRig | undefined
  try {
    const source = join(scratch, 'local', 'ckpt-0001')
    log(`writing ${shards} shards of ${(shardBytes / mib).toFixed(0)} MiB under ${scratch}`)
    const names = await makeShards(source, shards, shardBytes)
    const manifest = { step: 1, shards: names.map((path) => ({ path, size: shardBytes })) }
    await writeFile(join(source, 'manifest.json'), JSON.stringify(manifest))
    const s3Dir = join(scratch, 's3')
    server =
      options.s3Server === 'in-process'
        ? { ...(await startS3Server(s3Dir, bucket)), cpuSeconds: () => undefined }
        : await s3Child(s3Dir, bucket)
    rig = new BenchRig(options, scratch, names, shardBytes, server)
    const m = await measure(rig.phases(), repeats, log)
    const cpu = rig.serverCpu
    const syncSeconds = median(rig.syncSeconds)
    const mb = totalBytes / 1e6
    return {
      totalBytes,
      shards,
      repeats,
      cpSeconds: m.cp,
      cpSyncSeconds: m.cpSync,
      syncSeconds,
      fileTierSeconds: m.fileTier,
      fsRatioToCp: m.cp / m.fileTier,
      fsRatioToCpSync: m.cpSync / m.fileTier,
      fsRatioCeiling: m.cp / syncSeconds,
      s3SingleStreamSeconds: m.s3Single,
      s3ConcurrentSingleStreamSeconds: m.s3Concurrent,
      s3UploaderSeconds: m.s3Uploader,
      s3RatioToSingleStream: m.s3Single / m.s3Uploader,
      fileTierMBps: mb / m.fileTier,
      s3UploaderMBps: mb / m.s3Uploader,
      s3ServerCpuSeconds:
        cpu.single.length === 0
          ? null
          : { singleStream: median(cpu.single), uploader: median(cpu.uploader) },
      baselineRssMB: rig.rssMB.baseline,
      peakRssMB: rig.rssMB.peak,
    }
  } finally {
    rig?.close()
    await server?.close()
    await rm(scratch, { recursive: true, force: true })
  }
}
