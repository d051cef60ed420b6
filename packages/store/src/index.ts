export { Store } from './store.js'
export { redact, type Durability } from './connection.js'
export type { Transition } from './jobs.js'
export {
  CheckpointRegistry,
  type CheckpointRecord,
  type CheckpointState,
  type RetentionPolicy,
  type ShardRecord,
  type ShardState,
} from './checkpoints.js'
export { ClusterSamples, type ClusterSample, type HeldScu } from './cluster-samples.js'
export { migrate, type Dialect } from './migrations.js'
export {
  finalStates,
  jobStates,
  type AllocationOpen,
  type AuditEntry,
  type JobEvent,
  type JobRecord,
  type JobState,
  type JobsQuery,
  type NewJob,
  type NodeHealthState,
  type NodeState,
  type Role,
  type Tenant,
  type TenantLimits,
  type TokenRecord,
  type TwinRunRecord,
  type UsageRow,
} from './records.js'
export type { Database } from './schema.js'
export type { SubmissionLimits } from './job-submissions.js'
export { ServiceRegistry, type ServiceRecord, type ServiceSample } from './services.js'
export { NetworkEpisodes, type NetworkEpisode, type NewNetworkEpisode } from './network-episodes.js'
