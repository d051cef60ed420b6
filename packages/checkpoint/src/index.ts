export { backoffDelay, withRetry, type BackoffPolicy } from './backoff.js'
export { ShardHasher } from './hashing.js'
export {
  manifestFile,
  parseManifest,
  scanCheckpoints,
  type CheckpointManifest,
  type LocalCheckpoint,
  type ManifestShard,
} from './local-checkpoints.js'
export {
  HttpRegistryClient,
  type CheckpointRecord,
  type CheckpointState,
  type RegisterCheckpointBody,
  type RegistryClient,
  type ShardRecord,
  type ShardReportBody,
  type ShardReportResult,
  type ShardState,
} from './registry-client.js'
export {
  checkKey,
  FileTier,
  S3Tier,
  type DurableTier,
  type PutFileOptions,
  type S3TierOptions,
} from './tiers.js'
export { Uploader } from './uploader.js'
export type {
  LocalCheckpointStatus,
  UploaderEvent,
  UploaderOptions,
  UploaderStats,
} from './uploader-types.js'
