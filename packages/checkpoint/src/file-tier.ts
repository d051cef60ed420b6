import { createWriteStream } from 'node:fs'
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { ZhisuanError } from '@zhisuan/domain'
import { checkKey, exactLength, type DurableTier, type PutFileOptions } from './durable-tier.js'
import { hashFile } from './hash-pool.js'

const errnoCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException | undefined)?.code

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
    return this.writeAndCommit(key, async (partial) => {
      await pipeline(exactLength(source, size, key, onBytes), createWriteStream(partial))
    })
  }

  /**
   * The kernel copies (`copyFile`: `copy_file_range` on Linux, no byte through user space);
   * then the copy itself is read back and hashed in a worker thread ({@link hashFile}), while
   * it is fsynced: the SHA-256 is of the bytes stored, not of what was meant to be stored.
   * Shards in flight are hashed on several cores; the main thread neither copies nor hashes.
   * An abort stops the hashing at once, but waits for a copy under way (it cannot be cut).
   */
  async putFile(
    key: string,
    file: string,
    size: number,
    options: PutFileOptions = {},
  ): Promise<{ readonly location: string; readonly sha256: string }> {
    const label = options.label ?? file
    let sha256 = ''
    const { location } = await this.writeAndCommit(
      key,
      async (partial) => {
        // No COPYFILE_FICLONE: a durable copy must not share blocks with the local one.
        await copyFile(file, partial).catch((error: unknown) => {
          throw errnoCode(error) === 'ENOENT'
            ? new ZhisuanError('invalid-input', `${label}: missing`)
            : error
        })
        options.signal?.throwIfAborted()
        // The kernel copied what the file held when the copy began: a file that grew or shrank
        // meanwhile shows only here.
        const after = (await stat(file)).size
        if (after !== size) {
          throw new ZhisuanError(
            'conflict',
            `${label}: ${after} bytes on disk after the copy, expected ${size} (changed while uploading?)`,
          )
        }
        const hashing = hashFile({
          path: partial,
          size,
          label,
          ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.onBytes === undefined ? {} : { onBytes: options.onBytes }),
        })
        const [digest] = await Promise.all([hashing, this.sync(partial, 'r+')])
        sha256 = digest
      },
      false,
    )
    return { location, sha256 }
  }

  /**
   * `write(partial)` fills `<key>.partial`; then it is fsynced (unless `sync` is false: `write`
   * did), renamed into place and its directory fsynced. On any failure the partial file is
   * deleted and the key left as it was.
   */
  private async writeAndCommit(
    key: string,
    write: (partial: string) => Promise<void>,
    sync = true,
  ): Promise<{ readonly location: string }> {
    const target = join(this.root, checkKey(key))
    const partial = `${target}.partial`
    await mkdir(dirname(target), { recursive: true })
    try {
      await write(partial)
      if (sync) {
        await this.sync(partial, 'r+')
      }
      await rename(partial, target)
    } catch (error) {
      await rm(partial, { force: true })
      throw error
    }
    await this.sync(dirname(target), 'r')
    return { location: pathToFileURL(target).href }
  }

  private async sync(path: string, flags: 'r' | 'r+'): Promise<void> {
    if (this.options.fsync !== false) {
      await fsyncPath(path, flags)
    }
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
