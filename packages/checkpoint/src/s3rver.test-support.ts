// What the S3 tests need: a server per test file, tiers on it, what to know of s3rver's files,
// and test data. Not built into dist.
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { startS3Server, type S3Server } from './s3-server.js'
import { S3Tier } from './s3-tier.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const mib = 1024 * 1024

/**
 * s3rver for the test file that calls this (at its top level): a fresh `scratch` directory
 * (`name` starts its name), the server's objects under `directory` (`<scratch>/s3`), started
 * before the file's tests and closed after them, `scratch` then removed. `s3` stands for the
 * server from the first test on.
 */
export function s3rverForTests(name: string): {
  readonly scratch: string
  readonly directory: string
  readonly s3: S3Server
} {
  const scratch = mkdtempSync(join(tmpdir(), name))
  const directory = join(scratch, 's3')
  let server: S3Server | undefined
  beforeAll(async () => {
    server = await startS3Server(directory)
  })
  afterAll(async () => {
    await server?.close()
    await rm(scratch, { recursive: true, force: true })
  })
  const started = (): S3Server => {
    if (server === undefined) {
      throw new ZhisuanError('internal', `${name}: s3rver is started before the tests`)
    }
    return server
  }
  const s3: S3Server = {
    get endpoint() {
      return started().endpoint
    },
    get bucket() {
      return started().bucket
    },
    get credentials() {
      return started().credentials
    },
    close: () => started().close(),
  }
  return { scratch, directory, s3 }
}

/**
 * A tier on `s3` under `prefix`, in 5 MiB parts, 2 in flight. `multipartFrom`: objects over it
 * go multipart; default S3Tier's (1 GiB: one request).
 */
export const tierOn = (s3: S3Server, prefix: string, multipartFrom?: number): S3Tier =>
  new S3Tier({
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    partSizeBytes: 5 * mib,
    queueSize: 2,
    ...(multipartFrom === undefined ? {} : { multipartThresholdBytes: multipartFrom }),
  })

/** Bytes that differ from one offset to the next, so a misplaced or damaged part shows. */
export const patterned = (size: number, seed = 1): Buffer => {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i < size; i++) {
    bytes[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff
  }
  return bytes
}

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/**
 * The file s3rver keeps an object's bytes in: `<directory>/<bucket>/<key>._S3rver_object`,
 * beside `._S3rver_metadata.json` and `._S3rver_object.md5`, which it writes once a `PutObject`
 * body has ended.
 */
export const s3rverObjectFile = (directory: string, bucket: string, key: string): string =>
  join(directory, bucket, `${key}._S3rver_object`)

/**
 * What s3rver keeps of a `PutObject` whose uploader was killed mid-body: it writes the body in
 * place as it arrives, so the bytes that had come are an object, with neither metadata nor MD5
 * file (it makes the MD5 on the first read). S3 keeps nothing of such a request.
 */
export async function leaveKilledPut(
  directory: string,
  bucket: string,
  key: string,
  arrived: Buffer,
): Promise<void> {
  const file = s3rverObjectFile(directory, bucket, key)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, arrived)
}
