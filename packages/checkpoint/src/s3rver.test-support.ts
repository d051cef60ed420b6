// What the S3 tests need to know of s3rver's files, and to make test data. Not built into dist.
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

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
