import type { Generated } from 'kysely'

/**
 * The control plane's tables. Times are Unix seconds (double precision); structured values are
 * JSON text, so one schema serves SQLite and PostgreSQL alike.
 */
export interface Database {
  tenants: TenantTable
  tokens: TokenTable
  jobs: JobTable
  job_events: JobEventTable
  node_states: NodeStateTable
  allocations: AllocationTable
  audit_log: AuditTable
  leases: LeaseTable
  twin_runs: TwinRunTable
  checkpoints: CheckpointTable
  checkpoint_shards: CheckpointShardTable
  cluster_samples: ClusterSampleTable
  services: ServiceTable
  service_samples: ServiceSampleTable
  network_episodes: NetworkEpisodeTable
}

/** A service at one moment: what it wanted and ran, the load and SLO attainment reported. */
export interface ServiceSampleTable {
  name: string
  at: number
  desired: number
  running: number
  load_rps: number
  slo_attainment: number | null
}

/** A model service: its body and plan (JSON) and the replicas it wants (its jobs are `NAME.rK`). */
export interface ServiceTable {
  name: string
  tenant: string
  spec: string
  desired: number
  load_rps: number
  low_since: number | null
  /** Bumped by every update (optimistic concurrency). */
  version: Generated<number>
  created_at: number
  updated_at: number
}

export interface CheckpointTable {
  id: string
  job_id: string
  step: number
  /** `pending` (shards on their way), `committed`, `failed` (a shard corrupt), `deleted`. */
  state: string
  tag: string | null
  created_at: number
  committed_at: number | null
  total_bytes: number
}

export interface CheckpointShardTable {
  checkpoint_id: string
  path: string
  size: number
  /** SHA-256 the job declared when it registered the checkpoint, if it did. */
  expected_sha256: string | null
  /** SHA-256 the uploader computed while copying it to the durable tier. */
  sha256: string | null
  /** `expected`, `local`, `durable` (verified), `corrupt`. */
  state: string
  location: string | null
  updated_at: number
}

export interface TenantTable {
  name: string
  /** JSON: SCU quotas per workload class. */
  quotas: string
  /** JSON `TenantLimits`; null: the server's defaults. */
  limits: string | null
  created_at: number
  updated_at: number
}

export interface TokenTable {
  id: string
  /** SHA-256 of the token, hex; the token itself is never stored. */
  hash: string
  tenant: string
  role: string
  label: string
  created_at: number
  revoked_at: number | null
}

export interface JobTable {
  id: string
  tenant: string
  name: string
  queue: string
  state: string
  priority: number
  /** JSON: the submitted spec. */
  spec: string
  idempotency_key: string | null
  created_at: number
  updated_at: number
  started_at: number | null
  ended_at: number | null
  /** Launches so far: the current attempt number. */
  attempt: number
  /** When the current attempt started. */
  attempt_started_at: number | null
  restarts: number
  /** Accelerator-seconds of work lost to failures and preemptions. */
  lost_s: number
  /** Productive seconds kept by checkpoints before the current attempt. */
  done_s: number
  /** JSON: node names of the current placement, or null. */
  placement: string | null
  family: string | null
  /** JSON: the scheduler's reason while pending, or null. */
  reason: string | null
  message: string
  version: number
}

export interface JobEventTable {
  /** A number in SQLite; PostgreSQL's bigserial arrives as a string. */
  id: Generated<number | string>
  job_id: string
  at: number
  kind: string
  /** JSON. */
  detail: string
}

export interface NodeStateTable {
  name: string
  /** `drained` by an operator, or `healthy`. */
  admin_state: string
  health: string
  reason: string
  updated_at: number
  /** `none` (no agent), `reporting`, or `unreachable` (heartbeats stopped). */
  agent_state: Generated<string>
  last_seen_at: number | null
  /** JSON: the agent's last report (inventories and verdict). */
  report: string | null
}

export interface AllocationTable {
  id: Generated<number>
  job_id: string
  tenant: string
  family: string
  workload_class: string
  accelerators: number
  scu: number
  start_at: number
  end_at: number | null
}

export interface AuditTable {
  id: Generated<number>
  at: number
  actor: string
  tenant: string
  action: string
  target: string
  /** JSON. */
  detail: string
}

export interface LeaseTable {
  name: string
  holder: string
  expires_at: number
}

export interface TwinRunTable {
  job_id: string
  attempt: number
  /** JSON: node names. */
  nodes: string
  started_at: number
  ends_at: number
}

export interface ClusterSampleTable {
  at: number
  total: number
  allocated: number
  healthy: number
  pending: number
  running: number
  scu_total: number
  scu_allocated: number
}

export interface NetworkEpisodeTable {
  /** A number in SQLite; PostgreSQL's bigserial arrives as a string. */
  id: Generated<number | string>
  node: string
  leaf: number
  device: string
  port: number
  kind: string
  health: string
  loss_rate: number
  start_at: number
  end_at: number | null
}
