import type { CheckpointManifest, ManifestShard } from './local-checkpoints.js'
import type {
  CheckpointRecord,
  CheckpointState,
  RegisterCheckpointBody,
} from './registry-client.js'

/** Where one shard of a tracked checkpoint is. */
export type ShardProgress = 'todo' | 'queued' | 'uploading' | 'durable' | 'rejected' | 'unreadable'

export interface TrackedShard {
  readonly shard: ManifestShard
  state: ShardProgress
}

/** A local checkpoint with a manifest, as the uploader follows it. */
export interface Tracked {
  readonly dir: string
  readonly manifest: CheckpointManifest
  /** Registry id; `undefined` until registered. */
  id: string | undefined
  /** The registry's state; `undefined` until registered, `failed` when the registry refused it. */
  state: CheckpointState | undefined
  readonly shards: Map<string, TrackedShard>
  /** Aborted when back-pressure drops it or its directory goes: its uploads stop. */
  readonly abort: AbortController
  readonly jobs: Set<Promise<void>>
  dropped: boolean
  firstUploadAt: number | undefined
}

export function track(dir: string, manifest: CheckpointManifest): Tracked {
  return {
    dir,
    manifest,
    id: undefined,
    state: undefined,
    shards: new Map(manifest.shards.map((shard) => [shard.path, { shard, state: 'todo' }])),
    abort: new AbortController(),
    jobs: new Set(),
    dropped: false,
    firstUploadAt: undefined,
  }
}

/** The registration body for a manifest: its step, shards (with declared checksums) and tag. */
export function registration(manifest: CheckpointManifest): RegisterCheckpointBody {
  return {
    step: manifest.step,
    shards: manifest.shards.map((s) => ({ ...s })),
    ...(manifest.tag === undefined ? {} : { tag: manifest.tag }),
  }
}

/** Whether the registry's record declares the same shards (paths and sizes) as the manifest. */
export function sameShards(cp: Tracked, record: CheckpointRecord): boolean {
  return (
    record.shards.length === cp.shards.size &&
    record.shards.every((s) => cp.shards.get(s.path)?.shard.size === s.size)
  )
}
