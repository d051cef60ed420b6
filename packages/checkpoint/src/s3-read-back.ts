import { createHash, type Hash } from 'node:crypto'
import { Readable } from 'node:stream'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { ZhisuanError } from '@zhisuan/domain'

/** What was sent to an object, to be compared with what it holds. */
export interface SentObject {
  readonly client: S3Client
  readonly bucket: string
  readonly key: string
  /** The ETag the upload was answered with: the object read back must be that one. */
  readonly etag: string | undefined
  readonly size: number
  /** `sha256s[i]` is the hex SHA-256 of bytes `i × partSize` up to the next part. */
  readonly partSize: number
  readonly sha256s: readonly string[]
}

/**
 * Reads an object just uploaded back from the server (one streamed GET, `If-Match` its ETag)
 * and hashes it, part by part as it was sent: the bytes a restore will read are the bytes that
 * were sent, whatever the server acknowledged.
 * @throws ZhisuanError `unavailable` naming the object and the first part that differs, or
 * the size it holds when that differs; whatever the GET throws otherwise.
 */
export async function readBack(sent: SentObject): Promise<void> {
  const answer = await sent.client.send(
    new GetObjectCommand({
      Bucket: sent.bucket,
      Key: sent.key,
      ...(sent.etag === undefined ? {} : { IfMatch: sent.etag }),
    }),
  )
  const body = answer.Body
  if (!(body instanceof Readable)) {
    throw new ZhisuanError('internal', `${sent.key}: the GET answered no readable body`)
  }
  const read = await hashParts(body, Math.max(1, sent.partSize), sent.size)
  if (read.bytes !== sent.size) {
    throw new ZhisuanError(
      'unavailable',
      `${sent.key}: read back ${read.bytes}${read.bytes > sent.size ? ' or more' : ''} bytes, ${sent.size} were sent`,
    )
  }
  const differs = sent.sha256s.findIndex((sha256, i) => read.sha256s[i] !== sha256)
  if (differs >= 0 || read.sha256s.length !== sent.sha256s.length) {
    const at = Math.max(0, differs)
    const from = at * sent.partSize
    const to = Math.min(sent.size, from + sent.partSize) - 1
    throw new ZhisuanError(
      'unavailable',
      `${sent.key}: bytes ${from}–${to} read back with SHA-256 ${read.sha256s[at] ?? 'none'}, were sent with ${sent.sha256s[at] ?? 'none'}`,
    )
  }
}

/**
 * The hex SHA-256 of each `partSize` bytes of `body` (one for an empty body), and its length;
 * stops reading once it holds more than `limit` bytes.
 */
async function hashParts(
  body: Readable,
  partSize: number,
  limit: number,
): Promise<{ readonly bytes: number; readonly sha256s: string[] }> {
  const sha256s: string[] = []
  let hash: Hash = createHash('sha256')
  let inPart = 0
  let bytes = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let rest = chunk
    while (rest.length > 0) {
      const take = Math.min(rest.length, partSize - inPart)
      hash.update(rest.subarray(0, take))
      inPart += take
      bytes += take
      rest = rest.subarray(take)
      if (inPart === partSize) {
        sha256s.push(hash.digest('hex'))
        hash = createHash('sha256')
        inPart = 0
      }
    }
    if (bytes > limit) {
      // Leaving the loop destroys the body: the rest of a wrong object is not worth reading.
      return { bytes, sha256s }
    }
  }
  if (inPart > 0 || sha256s.length === 0) {
    sha256s.push(hash.digest('hex'))
  }
  return { bytes, sha256s }
}
