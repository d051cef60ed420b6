import type { BackoffPolicy } from './backoff.js'
import type { CheckpointState, RegistryClient, ShardState } from './registry-client.js'
import type { DurableTier } from './tiers.js'

/** What an {@link Uploader} works on, and how hard. */
export interface UploaderOptions {
  readonly jobId: string
  /** The job's local checkpoint directory: `<root>/<checkpoint dir>/<shard path>`. */
  readonly root: string
  readonly registry: RegistryClient
  readonly tier: DurableTier
  /** Shards streamed at once, across checkpoints; default 4. */
  readonly concurrency?: number
  /**
   * Checkpoints finished locally but not committed that may wait; past this the oldest
   * uncommitted one is deleted (a committed one never is). Default 2.
   */
  readonly maxPendingLocal?: number
  /** How often the directory is scanned; default 2 s. */
  readonly pollIntervalMs?: number
  /** Waits between retries of the tier and the registry; default 0.5 s doubling to 60 s. */
  readonly backoff?: Partial<BackoffPolicy>
  /** Read size for shard files; default 64 KiB for the FileTier's check of its copy, 1 MiB for streams. */
  readonly readChunkBytes?: number
  /** Hears what happens, for logs and progress. */
  readonly onEvent?: (event: UploaderEvent) => void
}

/** Something worth a log line. */
export type UploaderEvent =
  | {
      readonly kind: 'registered'
      readonly step: number
      readonly checkpointId: string
      /** True when the registry had it already (a restart). */
      readonly existing: boolean
    }
  | { readonly kind: 'shard-skipped'; readonly step: number; readonly path: string }
  | {
      readonly kind: 'shard-durable'
      readonly step: number
      readonly path: string
      readonly bytes: number
      readonly sha256: string
      readonly location: string
      readonly seconds: number
    }
  | {
      readonly kind: 'shard-rejected'
      readonly step: number
      readonly path: string
      readonly sha256: string
      readonly state: ShardState
    }
  | {
      readonly kind: 'shard-unreadable'
      readonly step: number
      readonly path: string
      readonly reason: string
    }
  | {
      readonly kind: 'committed'
      readonly step: number
      readonly checkpointId: string
      readonly bytes: number
      /** The checkpoint's bytes over the time from its first upload to its commit. */
      readonly bytesPerSecond: number
    }
  | { readonly kind: 'dropped'; readonly step: number; readonly dir: string }
  | {
      readonly kind: 'retry'
      readonly operation: 'upload' | 'report' | 'list' | 'register'
      readonly attempt: number
      readonly delayMs: number
      readonly reason: string
    }
  | { readonly kind: 'invalid'; readonly dir: string; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string }

/** Counters since the uploader was made. */
export interface UploaderStats {
  /** Bytes handed to the tier, retried ones included. */
  readonly bytesSent: number
  /** Bytes of shards the registry accepted as durable. */
  readonly bytesDurable: number
  /** `bytesSent` over the time at least one shard was in flight. */
  readonly bytesPerSecond: number
  readonly shardsDurable: number
  /** Shards the registry already had as durable (a restart). */
  readonly shardsSkipped: number
  /** Shards the registry did not accept (checksum or size differs from what was declared). */
  readonly shardsRejected: number
  /** Shards missing, or of another size than the manifest says. */
  readonly shardsUnreadable: number
  readonly committed: number
  readonly retries: number
  /** Checkpoints finished locally, not committed and not dropped. */
  readonly pendingLocal: number
  /** Local checkpoints deleted by back-pressure, oldest first. */
  readonly dropped: readonly { readonly step: number; readonly dir: string }[]
}

/** Where one local checkpoint stands. */
export interface LocalCheckpointStatus {
  readonly dir: string
  readonly step: number
  readonly checkpointId: string | undefined
  readonly state: CheckpointState | 'unregistered' | 'dropped'
  readonly shards: number
  readonly shardsDurable: number
}
