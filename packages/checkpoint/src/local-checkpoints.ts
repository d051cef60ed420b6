import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ZhisuanError } from '@zhisuan/domain'

/** The file a training job writes last into a checkpoint directory: it is finished locally. */
export const manifestFile = 'manifest.json'

/** One shard a manifest declares; `sha256` (hex) when the job computed it. */
export interface ManifestShard {
  readonly path: string
  readonly size: number
  readonly sha256?: string
}

/** `<root>/<dir>/manifest.json`: `{ step, shards: [{ path, size, sha256? }], tag? }`. */
export interface CheckpointManifest {
  readonly step: number
  readonly shards: readonly ManifestShard[]
  readonly tag?: string
}

/** A checkpoint directory as the scan found it. */
export type LocalCheckpoint =
  | { readonly kind: 'finished'; readonly dir: string; readonly manifest: CheckpointManifest }
  | { readonly kind: 'invalid'; readonly dir: string; readonly reason: string }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isSize = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

function shardOf(value: unknown, index: number): ManifestShard {
  const where = `shards[${index}]`
  if (!isRecord(value) || typeof value.path !== 'string' || !isSize(value.size)) {
    throw new ZhisuanError('invalid-input', `${where}: needs a path and a whole-number size`)
  }
  const parts = value.path.split('/')
  if (parts.some((p) => p === '' || p === '.' || p === '..') || value.path === manifestFile) {
    throw new ZhisuanError('invalid-input', `${where}.path: "${value.path}" is not a plain path`)
  }
  if (value.sha256 === undefined) {
    return { path: value.path, size: value.size }
  }
  if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(value.sha256)) {
    throw new ZhisuanError('invalid-input', `${where}.sha256: not a hex SHA-256`)
  }
  return { path: value.path, size: value.size, sha256: value.sha256.toLowerCase() }
}

/**
 * Reads a manifest's JSON text.
 * @throws ZhisuanError `invalid-input` naming the field that is wrong.
 */
export function parseManifest(text: string): CheckpointManifest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new ZhisuanError('invalid-input', `not JSON: ${(cause as Error).message}`, { cause })
  }
  if (!isRecord(value) || !isSize(value.step) || !Array.isArray(value.shards)) {
    throw new ZhisuanError('invalid-input', 'needs a whole-number step and a shards list')
  }
  const shards = value.shards.map(shardOf)
  const paths = new Set(shards.map((s) => s.path))
  if (paths.size !== shards.length) {
    throw new ZhisuanError('invalid-input', 'shards: a path appears twice')
  }
  if (value.tag !== undefined && typeof value.tag !== 'string') {
    throw new ZhisuanError('invalid-input', 'tag: not a string')
  }
  return { step: value.step, shards, ...(value.tag === undefined ? {} : { tag: value.tag }) }
}

/**
 * The checkpoint directories under `root` that have a manifest, sorted by step (oldest first);
 * directories still being written (no manifest yet) are left out, and a missing root is empty.
 */
export async function scanCheckpoints(root: string): Promise<LocalCheckpoint[]> {
  let entries
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return []
    }
    throw error
  }
  const found: LocalCheckpoint[] = []
  for (const entry of entries) {
    if (!entry.isDirectory()) {
      continue
    }
    let text: string
    try {
      text = await readFile(join(root, entry.name, manifestFile), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        continue
      }
      throw error
    }
    try {
      found.push({ kind: 'finished', dir: entry.name, manifest: parseManifest(text) })
    } catch (error) {
      found.push({ kind: 'invalid', dir: entry.name, reason: (error as Error).message })
    }
  }
  const step = (c: LocalCheckpoint): number => (c.kind === 'finished' ? c.manifest.step : -1)
  return found.sort((a, b) => step(a) - step(b) || (a.dir < b.dir ? -1 : 1))
}
