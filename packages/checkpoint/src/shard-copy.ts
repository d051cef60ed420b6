import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { ZhisuanError } from '@zhisuan/domain'
import { ShardHasher } from './hashing.js'
import type { ManifestShard } from './local-checkpoints.js'
import type { DurableTier } from './tiers.js'

/**
 * Copies one local shard file to `key` on the tier with its SHA-256: the local file is read
 * once, and the checksum is of exactly the bytes the tier stored. A tier with `putFile` (the
 * FileTier: a kernel copy, then the stored copy hashed in a worker thread) takes the file
 * itself; any other gets a stream through a {@link ShardHasher}. Aborting `signal` cuts the
 * copy off (the tier leaves nothing).
 * @throws ZhisuanError `invalid-input` when the file is missing, `conflict` when its size is
 * not the manifest's (before or during the read); whatever the tier throws otherwise.
 */
export async function copyShard(input: {
  readonly file: string
  readonly shard: ManifestShard
  readonly key: string
  readonly tier: DurableTier
  readonly signal: AbortSignal
  readonly readChunkBytes?: number
  readonly onBytes?: (bytes: number) => void
}): Promise<{ readonly sha256: string; readonly location: string }> {
  const { shard, signal } = input
  const size = await stat(input.file).then(
    (info) => info.size,
    (error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? new ZhisuanError('invalid-input', `${shard.path}: missing`)
        : error
    },
  )
  if (size !== shard.size) {
    throw new ZhisuanError(
      'conflict',
      `${shard.path}: ${size} bytes on disk, the manifest says ${shard.size}`,
    )
  }
  signal.throwIfAborted()
  if (input.tier.putFile !== undefined) {
    return input.tier.putFile(input.key, input.file, shard.size, {
      signal,
      label: shard.path,
      ...(input.readChunkBytes === undefined ? {} : { chunkBytes: input.readChunkBytes }),
      ...(input.onBytes === undefined ? {} : { onBytes: input.onBytes }),
    })
  }
  const hasher = new ShardHasher(shard.size, shard.path)
  const source = createReadStream(input.file, { highWaterMark: input.readChunkBytes ?? 2 ** 20 })
  const cut = (): void => {
    hasher.destroy(signal.reason as Error)
  }
  signal.addEventListener('abort', cut, { once: true })
  // Errors on either side destroy both; the tier sees them through `hasher`.
  pipeline(source, hasher, () => undefined)
  try {
    const { location } = await input.tier.put(input.key, hasher, shard.size, input.onBytes)
    return { sha256: hasher.digest(), location }
  } catch (error) {
    throw hasher.sizeMismatch
      ? new ZhisuanError('conflict', error instanceof Error ? error.message : String(error))
      : error
  } finally {
    signal.removeEventListener('abort', cut)
    // A tier that failed without reading lets go of the file here.
    hasher.destroy()
  }
}
