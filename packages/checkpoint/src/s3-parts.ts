import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3'
import { ZhisuanError } from '@zhisuan/domain'

/** S3's most parts in one multipart upload. */
const maxParts = 10_000

/** One multipart upload: what to send where, in parts of what size, how many at once. */
export interface MultipartUpload {
  readonly client: S3Client
  readonly bucket: string
  readonly key: string
  /** Exactly `size` bytes; the caller holds it to that. */
  readonly body: Readable
  readonly size: number
  readonly partSize: number
  /** Parts in flight. */
  readonly queueSize: number
  /** Called with a part's length once the server has acknowledged and it checked out. */
  readonly onBytes?: ((bytes: number) => void) | undefined
}

/** What a completed multipart upload sent. */
export interface SentParts {
  /** The completed object's ETag, for reading back exactly that object. */
  readonly etag: string | undefined
  /** The size of every part but the last. */
  readonly partSize: number
  /** The hex SHA-256 of each part, in order. */
  readonly sha256s: readonly string[]
}

/**
 * The part size an upload of `size` bytes uses: `partSize`, raised so that the object fits in
 * S3's 10,000 parts (a 100 GiB shard in 8 MiB parts would not).
 */
export const partSizeFor = (size: number, partSize: number): number =>
  Math.max(partSize, Math.ceil(size / maxParts))

/**
 * Uploads `body` as an S3 multipart upload created with `ChecksumAlgorithm: SHA256`. Each part
 * goes with its `Content-MD5` and `x-amz-checksum-sha256`, so that S3 refuses a part that
 * arrives other than it was sent, and the completion lists every part's SHA-256, so that S3
 * refuses to assemble parts other than those. A server that ignores those headers (s3rver,
 * older gateways) is checked here too: a part's answer must echo its SHA-256, or else carry the
 * part's MD5 as its ETag (unless SSE-KMS or SSE-C make the ETag something else). On any failure
 * the upload is aborted, so S3 keeps none of its parts.
 * @throws ZhisuanError `unavailable` naming the part whose answer does not match what was sent,
 * or when the server answers without an upload id or an ETag; whatever the body or the server
 * threw otherwise.
 */
export async function putMultipart(upload: MultipartUpload): Promise<SentParts> {
  const { client, bucket, key } = upload
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' }),
  )
  const uploadId = created.UploadId
  if (uploadId === undefined) {
    throw new ZhisuanError('unavailable', `${key}: CreateMultipartUpload answered no upload id`)
  }
  try {
    const partSize = partSizeFor(upload.size, upload.partSize)
    const parts = await sendParts(upload, uploadId, partSize)
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: parts.map((p) => ({
            PartNumber: p.PartNumber,
            ETag: p.ETag,
            ChecksumSHA256: p.ChecksumSHA256,
          })),
        },
      }),
    )
    return { etag: done.ETag, partSize, sha256s: parts.map((p) => p.sha256) }
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined)
    throw error
  }
}

type SentPart = CompletedPart & { readonly PartNumber: number; readonly sha256: string }

/**
 * Reads `body` into parts and sends them, `queueSize` at once. The first failure stops the
 * reading; the parts still in flight are cut off and waited for, so that none lands after the
 * upload is aborted.
 */
async function sendParts(
  upload: MultipartUpload,
  uploadId: string,
  partSize: number,
): Promise<SentPart[]> {
  const sending = new AbortController()
  const inFlight = new Set<Promise<void>>()
  const sent: SentPart[] = []
  let failure: { readonly error: unknown } | undefined
  let number = 0
  try {
    for await (const data of partsOf(upload.body, partSize)) {
      if (failure !== undefined) {
        break
      }
      const job: Promise<void> = sendPart(upload, uploadId, ++number, data, sending.signal)
        .then(
          (part) => {
            sent.push(part)
            upload.onBytes?.(data.length)
          },
          (error: unknown) => {
            failure ??= { error }
          },
        )
        .finally(() => inFlight.delete(job))
      inFlight.add(job)
      if (inFlight.size >= upload.queueSize) {
        await Promise.race(inFlight)
      }
    }
  } catch (error) {
    failure ??= { error }
  }
  if (failure !== undefined) {
    sending.abort()
  }
  await Promise.all(inFlight)
  if (failure !== undefined) {
    throw failure.error
  }
  return sent.sort((a, b) => a.PartNumber - b.PartNumber)
}

async function sendPart(
  upload: MultipartUpload,
  uploadId: string,
  number: number,
  data: Buffer,
  signal: AbortSignal,
): Promise<SentPart> {
  const md5 = createHash('md5').update(data).digest()
  const sha256 = createHash('sha256').update(data).digest()
  const sha256Base64 = sha256.toString('base64')
  const answer = await upload.client.send(
    new UploadPartCommand({
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: uploadId,
      PartNumber: number,
      Body: data,
      ContentLength: data.length,
      ContentMD5: md5.toString('base64'),
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: sha256Base64,
    }),
    { abortSignal: signal },
  )
  const label = `${upload.key} part ${number}`
  const etag = checkPart(label, answer, md5.toString('hex'), sha256Base64)
  return {
    PartNumber: number,
    ETag: etag,
    ChecksumSHA256: sha256Base64,
    sha256: sha256.toString('hex'),
  }
}

/**
 * Whether the server's answer to a part says it stored the bytes sent; the part's ETag.
 * @throws ZhisuanError `unavailable` when it does not.
 */
function checkPart(
  label: string,
  answer: UploadPartCommandOutput,
  md5Hex: string,
  sha256Base64: string,
): string {
  const etag = answer.ETag
  if (etag === undefined) {
    throw new ZhisuanError('unavailable', `${label}: the server answered no ETag`)
  }
  if (answer.ChecksumSHA256 !== undefined) {
    if (answer.ChecksumSHA256 !== sha256Base64) {
      throw new ZhisuanError(
        'unavailable',
        `${label}: the server stored SHA-256 ${answer.ChecksumSHA256}, the part sent has ${sha256Base64}`,
      )
    }
    return etag
  }
  // Under SSE-KMS or SSE-C an ETag is not the MD5 of the data: the read-back has to tell.
  const opaque =
    answer.SSECustomerAlgorithm !== undefined ||
    (answer.ServerSideEncryption ?? '').startsWith('aws:kms')
  if (!opaque && etag.replaceAll('"', '').toLowerCase() !== md5Hex) {
    throw new ZhisuanError(
      'unavailable',
      `${label}: the server's ETag ${etag} is not the MD5 of the part sent (${md5Hex})`,
    )
  }
  return etag
}

/** `body` cut into parts of exactly `partSize` bytes, the last one shorter. */
async function* partsOf(body: Readable, partSize: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let length = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let rest = chunk
    while (length + rest.length >= partSize) {
      const take = partSize - length
      pending.push(rest.subarray(0, take))
      yield Buffer.concat(pending, partSize)
      pending = []
      length = 0
      rest = rest.subarray(take)
    }
    if (rest.length > 0) {
      pending.push(rest)
      length += rest.length
    }
  }
  if (length > 0) {
    yield Buffer.concat(pending, length)
  }
}
