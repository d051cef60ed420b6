import { createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { ZhisuanError } from '@zhisuan/domain'

/**
 * Where committed checkpoints live: a shared filesystem ({@link FileTier}) or an object store
 * ({@link S3Tier}). A key is a relative, `/`-separated path; an object appears under its key
 * only once it is whole, so a crash mid-`put` leaves nothing that `exists` reports.
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
  /** The object's size, or `undefined` when there is none. */
  exists(key: string): Promise<{ readonly size: number } | undefined>
  /** Removes the object (and any half-written copy); no error when there is none. */
  remove(key: string): Promise<void>
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

const mib = 1024 * 1024

const errnoCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException | undefined)?.code

const counting = (onBytes: ((bytes: number) => void) | undefined): Transform =>
  new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes?.(chunk.length)
      done(null, chunk)
    },
  })

async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * A directory on a shared filesystem (NFS, Lustre, CephFS…). Each object is written to
 * `<key>.partial`, fsynced, renamed into place and its directory fsynced: after `put` resolves
 * it survives a power cut, and before that the key does not exist. Streams; never buffers a file.
 */
export class FileTier implements DurableTier {
  readonly name: string
  readonly root: string

  /** @param options.fsync default true; false only where durability does not matter (tests). */
  constructor(
    root: string,
    private readonly options: { readonly fsync?: boolean } = {},
  ) {
    this.root = resolve(root)
    this.name = `file:${this.root}`
  }

  async put(
    key: string,
    source: Readable,
    size: number,
    onBytes?: (bytes: number) => void,
  ): Promise<{ readonly location: string }> {
    const target = join(this.root, checkKey(key))
    const partial = `${target}.partial`
    await mkdir(dirname(target), { recursive: true })
    let written = 0
    try {
      await pipeline(
        source,
        counting((n) => {
          written += n
          onBytes?.(n)
        }),
        createWriteStream(partial),
      )
      if (written !== size) {
        throw new ZhisuanError('conflict', `${key}: expected ${size} bytes, got ${written}`)
      }
      if (this.options.fsync !== false) {
        await fsyncPath(partial, 'r+')
      }
      await rename(partial, target)
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
    if (this.options.fsync !== false) {
      await fsyncPath(dirname(target), 'r')
    }
    return { location: pathToFileURL(target).href }
  }

  async exists(key: string): Promise<{ readonly size: number } | undefined> {
    try {
      const info = await stat(join(this.root, checkKey(key)))
      return info.isFile() ? { size: info.size } : undefined
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        return undefined
      }
      throw error
    }
  }

  async remove(key: string): Promise<void> {
    const target = join(this.root, checkKey(key))
    await rm(target, { force: true })
    await rm(`${target}.partial`, { force: true })
  }
}

/** Where and how {@link S3Tier} uploads. */
export interface S3TierOptions {
  readonly bucket: string
  /** Prepended to every key, e.g. `checkpoints/`. */
  readonly prefix?: string
  /** A ready client; otherwise one is made from the fields below. */
  readonly client?: S3Client
  /** For S3-compatible servers (MinIO, Ceph RGW, s3rver): `http://127.0.0.1:9000`. */
  readonly endpoint?: string
  /** Default `us-east-1`. */
  readonly region?: string
  /** `http://host/bucket/key` rather than `http://bucket.host/key`; most S3-compatible servers. */
  readonly forcePathStyle?: boolean
  /** Default: the SDK's chain (environment, profile, instance role). */
  readonly credentials?: {
    readonly accessKeyId: string
    readonly secretAccessKey: string
    readonly sessionToken?: string
  }
  /** Multipart part size; default 8 MiB, at least 5 MiB (S3's floor). */
  readonly partSizeBytes?: number
  /**
   * Parts in flight per object; default 2. Each holds a part in memory, so an upload buffers
   * about `partSizeBytes × (queueSize + 1)`. An object smaller than a part goes as one request.
   */
  readonly queueSize?: number
  /**
   * The SDK's extra CRC checksums: `when-required` (default) sends them only where S3 demands
   * them. With `when-supported`, streamed single-request uploads use `aws-chunked` trailers,
   * which some S3-compatible servers (s3rver) store as part of the object.
   */
  readonly checksums?: 'when-required' | 'when-supported'
}

/**
 * An S3 (or S3-compatible) bucket. Objects go up as concurrent multipart uploads
 * (`@aws-sdk/lib-storage`); a failed upload is aborted, and a completed one is checked by size
 * with a HEAD before `put` resolves. A multipart upload orphaned by a crash is never completed;
 * a bucket lifecycle rule (`AbortIncompleteMultipartUpload`) reclaims its parts.
 * @example
 * const tier = new S3Tier({ bucket: 'ckpt', endpoint: 'http://minio:9000', forcePathStyle: true })
 */
export class S3Tier implements DurableTier {
  readonly name: string
  readonly client: S3Client
  private readonly prefix: string
  private readonly partSize: number
  private readonly queueSize: number

  /** @throws ZhisuanError `invalid-config` for a part size under 5 MiB or a queue under 1. */
  constructor(private readonly options: S3TierOptions) {
    this.prefix = options.prefix ?? ''
    this.partSize = options.partSizeBytes ?? 8 * mib
    this.queueSize = options.queueSize ?? 2
    if (this.partSize < 5 * mib || !Number.isInteger(this.queueSize) || this.queueSize < 1) {
      throw new ZhisuanError(
        'invalid-config',
        `S3 part size must be ≥ 5 MiB and queue size ≥ 1 (got ${this.partSize} B, ${this.queueSize})`,
      )
    }
    this.name = `s3://${options.bucket}/${this.prefix}`
    this.client = options.client ?? new S3Client(clientConfig(options))
  }

  async put(
    key: string,
    source: Readable,
    size: number,
    onBytes?: (bytes: number) => void,
  ): Promise<{ readonly location: string }> {
    const objectKey = this.prefix + checkKey(key)
    const sending = new AbortController()
    // A source that fails mid-part must fail the upload, not leave it waiting for data.
    const failed = new Promise<never>((_, reject) => {
      source.once('error', reject)
      source.once('close', () => {
        if (!source.readableEnded) {
          reject(new ZhisuanError('unavailable', `${objectKey}: source closed early`))
        }
      })
    })
    const upload = this.putParts(objectKey, source, sending, onBytes)
    try {
      await Promise.race([upload, failed])
    } catch (error) {
      sending.abort()
      await upload.catch(() => undefined)
      throw error
    }
    const stored = await this.exists(key)
    if (stored?.size !== size) {
      await this.remove(key)
      throw new ZhisuanError(
        'unavailable',
        `${objectKey}: stored ${stored?.size ?? 'nothing'} bytes, expected ${size}`,
      )
    }
    return { location: `s3://${this.options.bucket}/${objectKey}` }
  }

  private async putParts(
    objectKey: string,
    source: Readable,
    sending: AbortController,
    onBytes: ((bytes: number) => void) | undefined,
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: objectKey, Body: source },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      abortController: sending,
    })
    let reported = 0
    upload.on('httpUploadProgress', (progress) => {
      if (progress.loaded !== undefined && progress.loaded > reported) {
        onBytes?.(progress.loaded - reported)
        reported = progress.loaded
      }
    })
    await upload.done()
  }

  async exists(key: string): Promise<{ readonly size: number } | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + checkKey(key) }),
      )
      return { size: head.ContentLength ?? 0 }
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode
      if (status === 404) {
        return undefined
      }
      throw error
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + checkKey(key) }),
    )
  }
}

function clientConfig(options: S3TierOptions): S3ClientConfig {
  const checksums = options.checksums === 'when-supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED'
  return {
    region: options.region ?? 'us-east-1',
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  }
}
