import type { JobTable } from './schema.js'

/** Job states. `pending` waits for the scheduler; the last three are final. */
export const jobStates = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type JobState = (typeof jobStates)[number]
export const finalStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled']

/** `node`: an agent's token, which may only report for its own node (tenant `node:<name>`). */
export type Role = 'admin' | 'member' | 'viewer' | 'node'

/** A tenant and its guaranteed SCU per workload class (absent: no guarantee). */
export interface Tenant {
  readonly name: string
  readonly quotas: Readonly<
    Record<string, { readonly guaranteed: number; readonly borrowingLimit?: number }>
  >
  /** What this tenant may submit; a limit left out is the server's default. */
  readonly limits?: TenantLimits
}

/** A tenant's submission limits (issue #19): what one token of it can do to the control plane. */
export interface TenantLimits {
  /** Jobs of the tenant waiting at once; a submission beyond it is refused (HTTP 429). */
  readonly maxPendingJobs?: number
  /** Submissions a second, sustained (a token bucket's refill rate). */
  readonly submitsPerS?: number
  /** Submissions at once above the sustained rate (the bucket's size). */
  readonly submitBurst?: number
}

export interface TokenRecord {
  readonly id: string
  readonly hash: string
  readonly tenant: string
  readonly role: Role
  readonly label: string
  readonly createdAt: number
  readonly revokedAt: number | null
}

export interface NewJob {
  readonly id: string
  readonly tenant: string
  readonly name: string
  readonly queue: string
  readonly priority: number
  readonly spec: unknown
  readonly idempotencyKey?: string
  readonly createdAt: number
}

/** A job as the store keeps it. */
export interface JobRecord {
  readonly id: string
  readonly tenant: string
  readonly name: string
  readonly queue: string
  readonly state: JobState
  readonly priority: number
  readonly spec: unknown
  readonly createdAt: number
  readonly updatedAt: number
  readonly startedAt: number | null
  readonly endedAt: number | null
  readonly attempt: number
  readonly attemptStartedAt: number | null
  readonly restarts: number
  readonly lostS: number
  readonly doneS: number
  readonly placement: readonly string[] | null
  readonly family: string | null
  readonly reason: unknown
  readonly message: string
  readonly version: number
}

export interface JobEvent {
  readonly jobId: string
  readonly at: number
  readonly kind: string
  readonly detail: Readonly<Record<string, unknown>>
}

export interface JobsQuery {
  readonly tenant?: string
  readonly states?: readonly string[]
  readonly queue?: string
  /**
   * Jobs placed on this chip family, or not placed yet and asking for it: the stored spec's
   * `body.chip` names it (`family`, or among `anyOf`), names `any`, or asks for SCU. Case does
   * not matter.
   */
  readonly family?: string
  /** Only ids after this one (the previous page's last id). */
  readonly after?: string
  /** Skip this many matching jobs first (to open a page far down the list). */
  readonly offset?: number
  readonly limit: number
}

export interface AllocationOpen {
  readonly family: string
  readonly workloadClass: string
  readonly accelerators: number
  readonly scu: number
  readonly startAt: number
}

export interface UsageRow {
  readonly tenant: string
  readonly workloadClass: string
  readonly family: string
  readonly acceleratorSeconds: number
  readonly scuSeconds: number
}

export type NodeHealthState = 'healthy' | 'degraded' | 'failed'

export interface NodeState {
  readonly name: string
  readonly adminState: 'active' | 'drained'
  readonly health: NodeHealthState
  readonly reason: string
  readonly updatedAt: number
  /** `none` without an agent; `unreachable` once its heartbeats stopped. */
  readonly agentState?: 'none' | 'reporting' | 'unreachable'
  readonly lastSeenAt?: number | null
}

export interface AuditEntry {
  readonly at: number
  /** Token id of who did it. */
  readonly actor: string
  readonly tenant: string
  readonly action: string
  readonly target: string
  readonly detail: Readonly<Record<string, unknown>>
}

export interface TwinRunRecord {
  readonly jobId: string
  readonly attempt: number
  readonly nodes: readonly string[]
  readonly startedAt: number
  readonly endsAt: number
}

const states = new Set<string>(jobStates)

export function toJob(row: JobTable): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    queue: row.queue,
    state: (states.has(row.state) ? row.state : 'failed') as JobState,
    priority: row.priority,
    spec: JSON.parse(row.spec) as unknown,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    attempt: row.attempt,
    attemptStartedAt: row.attempt_started_at,
    restarts: row.restarts,
    lostS: row.lost_s,
    doneS: row.done_s,
    placement: row.placement === null ? null : (JSON.parse(row.placement) as string[]),
    family: row.family,
    reason: row.reason === null ? null : (JSON.parse(row.reason) as unknown),
    message: row.message,
    version: row.version,
  }
}
