import {
  manifestFile,
  type CheckpointManifest,
  type LocalCheckpoint,
  type ManifestShard,
} from './local-checkpoints.js'
import type {
  CheckpointRecord,
  CheckpointState,
  RegisterCheckpointBody,
} from './registry-client.js'
import type { LocalCheckpointStatus } from './uploader-types.js'

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

/** Tracked checkpoints, oldest step first. */
export function byStep(tracked: Iterable<Tracked>): Tracked[] {
  return [...tracked].sort((a, b) => a.manifest.step - b.manifest.step)
}

/** Those neither dropped nor committed: what back-pressure counts. */
export function pendingOf(tracked: Iterable<Tracked>): Tracked[] {
  return byStep(tracked).filter((cp) => !cp.dropped && cp.state !== 'committed')
}

/** A tracked checkpoint as `Uploader.checkpoints()` reports it. */
export function statusOf(cp: Tracked): LocalCheckpointStatus {
  return {
    dir: cp.dir,
    step: cp.manifest.step,
    checkpointId: cp.id,
    state: cp.dropped ? 'dropped' : (cp.state ?? 'unregistered'),
    shards: cp.shards.size,
    shardsDurable: [...cp.shards.values()].filter((s) => s.state === 'durable').length,
  }
}

/**
 * A scan against what is tracked: tracked directories that are gone, new checkpoints to track,
 * and directories that are not (a bad manifest, or a step another directory already has).
 */
export function compareScan(
  tracked: ReadonlyMap<string, Tracked>,
  found: readonly LocalCheckpoint[],
): { gone: Tracked[]; added: Tracked[]; invalid: { dir: string; reason: string }[] } {
  const seen = new Set(found.map((c) => c.dir))
  const gone = [...tracked.values()].filter((cp) => !seen.has(cp.dir))
  const steps = new Map(
    byStep(tracked.values())
      .filter((cp) => seen.has(cp.dir))
      .map((cp) => [cp.manifest.step, cp.dir]),
  )
  const added: Tracked[] = []
  const invalid: { dir: string; reason: string }[] = []
  for (const local of found) {
    if (tracked.has(local.dir)) {
      continue
    }
    if (local.kind === 'invalid') {
      invalid.push({ dir: local.dir, reason: `${manifestFile}: ${local.reason}` })
      continue
    }
    const twin = steps.get(local.manifest.step)
    if (twin !== undefined) {
      invalid.push({ dir: local.dir, reason: `step ${local.manifest.step} is already in ${twin}` })
      continue
    }
    steps.set(local.manifest.step, local.dir)
    added.push(track(local.dir, local.manifest))
  }
  return { gone, added, invalid }
}
