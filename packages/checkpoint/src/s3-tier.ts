import { createHash, type Hash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { ZhisuanError } from '@zhisuan/domain'
import { checkKey, exactLength, type DurableTier } from './durable-tier.js'
import { ShardHasher } from './hashing.js'
import { putMultipart, type SentParts } from './s3-parts.js'
import { readBack } from './s3-read-back.js'

const mib = 1024 * 1024

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
  /**
   * Objects up to this size go as one streamed `PutObject` (nothing buffered, one connection
   * each; raise the uploader's `concurrency` for more connections); bigger ones as multipart
   * uploads. Default 1 GiB; at most 5 GiB (S3's limit for one request). Multipart buffers parts
   * in memory and, on servers that reassemble parts by copying them (s3rver, some gateways),
   * costs the server every byte twice; its gain is parallel connections for one big object.
   */
  readonly multipartThresholdBytes?: number
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
   * which some S3-compatible servers (s3rver) store as part of the object (the read-back then
   * fails the upload). Multipart parts carry their SHA-256 and MD5 either way.
   */
  readonly checksums?: 'when-required' | 'when-supported'
}

/**
 * An S3 (or S3-compatible) bucket. An object up to `multipartThresholdBytes` goes up as one
 * streamed `PutObject` held to its exact length; a bigger one as a multipart upload whose every
 * part carries its `Content-MD5` and SHA-256 checksum, checked against the server's answer, and
 * whose completion lists every part's SHA-256 ({@link putMultipart}). A failed upload is
 * aborted. Before `put` resolves — and so before the uploader reports the shard to the registry
 * — the object is read back with one streamed GET and hashed, and must hold the bytes sent
 * ({@link readBack}); one that does not is deleted and `put` fails. Nothing here trusts that an
 * object exists: s3rver, unlike S3, keeps the bytes of a `PutObject` cut off by a killed
 * uploader as an object. A multipart upload orphaned by a crash is never completed; a bucket
 * lifecycle rule (`AbortIncompleteMultipartUpload`) reclaims its parts.
 * @example
 * const tier = new S3Tier({ bucket: 'ckpt', endpoint: 'http://minio:9000', forcePathStyle: true })
 */
export class S3Tier implements DurableTier {
  readonly name: string
  readonly client: S3Client
  private readonly prefix: string
  private readonly partSize: number
  private readonly queueSize: number
  private readonly multipartThreshold: number

  /**
   * @throws ZhisuanError `invalid-config` for a part size under 5 MiB, a queue under 1, or a
   * multipart threshold outside 0…5 GiB.
   */
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
    this.multipartThreshold = options.multipartThresholdBytes ?? 1024 * mib
    if (!(this.multipartThreshold >= 0 && this.multipartThreshold <= 5 * 1024 * mib)) {
      throw new ZhisuanError(
        'invalid-config',
        `S3 multipart threshold must be within 0…5 GiB (got ${this.multipartThreshold} B)`,
      )
    }
    this.name = `s3://${options.bucket}/${this.prefix}`
    this.client = options.client ?? new S3Client(clientConfig(options))
  }

  /**
   * Uploads, then reads the object back and compares it with what was sent.
   * @throws ZhisuanError `conflict` when `source` delivers other than `size` bytes;
   * `unavailable` when a part's answer or the object read back differs from what was sent (the
   * object is deleted), or the source closes early; whatever the server throws otherwise.
   */
  async put(
    key: string,
    source: Readable,
    size: number,
    onBytes?: (bytes: number) => void,
  ): Promise<{ readonly location: string }> {
    const objectKey = this.prefix + checkKey(key)
    const whole = size <= this.multipartThreshold
    let parts: SentParts
    try {
      // A multipart upload hashes each part for its checksum, and the read-back compares those.
      parts = whole
        ? await this.putWhole(objectKey, source, size, onBytes)
        : await putMultipart({
            client: this.client,
            bucket: this.options.bucket,
            key: objectKey,
            body: exactLength(source, size, objectKey, undefined),
            size,
            partSize: this.partSize,
            queueSize: this.queueSize,
            onBytes,
          })
    } catch (error) {
      if (whole) {
        await this.removeTorn(key)
      }
      throw error
    }
    try {
      await readBack({
        client: this.client,
        bucket: this.options.bucket,
        key: objectKey,
        size,
        ...parts,
      })
    } catch (error) {
      await this.remove(key).catch(() => undefined)
      throw error
    }
    return { location: `s3://${this.options.bucket}/${objectKey}` }
  }

  /**
   * S3, MinIO and Ceph RGW keep nothing of a `PutObject` cut off mid-body, but some servers
   * (s3rver) write its bytes in place as they come, and may still be opening the file when the
   * cut-off request is gone: delete, look again a moment later, delete again.
   */
  private async removeTorn(key: string): Promise<void> {
    for (let look = 0; look < 3; look++) {
      await this.remove(key).catch(() => undefined)
      await sleep(25 * (look + 1))
      if ((await this.exists(key).catch(() => undefined)) === undefined) {
        return
      }
    }
  }

  /** One streamed `PutObject`; the whole object is one "part" for the read-back. */
  private async putWhole(
    objectKey: string,
    source: Readable,
    size: number,
    onBytes: ((bytes: number) => void) | undefined,
  ): Promise<SentParts> {
    const sent = sentDigest(source, size)
    const body = exactLength(source, size, objectKey, onBytes, sent.hash)
    const sending = new AbortController()
    const request = this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: objectKey,
        Body: body,
        ContentLength: size,
      }),
      { abortSignal: sending.signal },
    )
    // A source that fails mid-request must fail the upload, not leave it waiting for data.
    const failed = Promise.race([cutOff(source, objectKey), cutOff(body, objectKey)])
    try {
      const answer = await Promise.race([request, failed])
      return { etag: answer.ETag, partSize: size, sha256s: [sent.digest()] }
    } catch (error) {
      sending.abort()
      await request.catch(() => undefined)
      throw error
    }
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

/**
 * The SHA-256 of a whole object as sent, for its read-back: `source`'s own when it is a
 * ShardHasher held to `size` (copyShard's), so that the bytes are not hashed twice on their way
 * out; else that of a `hash` for `exactLength` to update.
 */
function sentDigest(source: Readable, size: number): { readonly hash?: Hash; digest(): string } {
  if (source instanceof ShardHasher && source.expectedSize === size) {
    return { digest: () => source.digest() }
  }
  const hash = createHash('sha256')
  return { hash, digest: () => hash.digest('hex') }
}

/** Rejects when `stream` fails or closes before its end. */
const cutOff = (stream: Readable, objectKey: string): Promise<never> =>
  new Promise<never>((_, reject) => {
    stream.once('error', reject)
    stream.once('close', () => {
      if (!stream.readableEnded) {
        reject(new ZhisuanError('unavailable', `${objectKey}: source closed early`))
      }
    })
  })

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
