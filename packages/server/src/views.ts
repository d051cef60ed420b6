import { Type, type Static } from '@sinclair/typebox'
import type { JobRecord } from '@zhisuan/store'
import { JobBody, type StoredSpec } from './job-spec.js'

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
    }),
  },
  { $id: 'Error' },
)

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()])

/** A job's checkpoint advice: Young/Daly on its measured save time and the fleet's failures. */
export const CheckpointAdviceView = Type.Object({
  recommendedIntervalS: Nullable(Type.Number()),
  expectedEttr: Type.Number(),
  saveSeconds: Type.Number(),
  saveSecondsSource: Type.Union([Type.Literal('measured'), Type.Literal('assumed')]),
  failuresPer1000PerDay: Type.Number(),
  failureRateSource: Type.Union([Type.Literal('observed'), Type.Literal('assumed')]),
  mtbfHours: Nullable(Type.Number()),
  latestCommitted: Type.Union([
    Type.Object({ id: Type.String(), step: Type.Integer(), committedAt: Nullable(Type.Number()) }),
    Type.Null(),
  ]),
})

/** A job as the API answers. Times are Unix seconds. */
export const JobView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tenant: Type.String(),
  queue: Type.String(),
  state: Type.Union(
    ['pending', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)),
  ),
  priority: Type.Integer(),
  replicas: Type.Integer(),
  acceleratorsPerReplica: Type.Integer(),
  spec: JobBody,
  durationS: Type.Number({ description: 'Job-time seconds the twin runs it' }),
  durationSource: Type.String(),
  submittedAt: Type.Number(),
  startedAt: Nullable(Type.Number()),
  endedAt: Nullable(Type.Number()),
  attempt: Type.Integer({ description: 'Launches so far' }),
  restarts: Type.Integer(),
  lostAcceleratorSeconds: Type.Number(),
  nodes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  family: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Unknown({ description: "The scheduler's structured reason while pending" }),
  message: Type.String(),
  warnings: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Submission only: why a job an admin admitted anyway cannot run on the cluster as it is',
    }),
  ),
  checkpoint: Type.Optional(
    Type.Object(CheckpointAdviceView.properties, {
      description:
        'One job only: the latest committed checkpoint, the recommended interval (Young/Daly) and the expected ETTR',
    }),
  ),
})
export type JobView = Static<typeof JobView>

export function jobView(job: JobRecord): JobView {
  const spec = job.spec as StoredSpec
  return {
    id: job.id,
    name: job.name,
    tenant: job.tenant,
    queue: job.queue,
    state: job.state,
    priority: job.priority,
    replicas: spec.replicas,
    acceleratorsPerReplica: spec.body.acceleratorsPerReplica,
    spec: spec.body,
    durationS: spec.durationS,
    durationSource: spec.durationSource,
    submittedAt: job.createdAt,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    attempt: job.attempt,
    restarts: job.restarts,
    lostAcceleratorSeconds: job.lostS,
    nodes: job.placement === null ? null : [...job.placement],
    family: job.family,
    reason: job.state === 'pending' ? job.reason : null,
    message: job.message,
  }
}

export const QuotaSchema = Type.Object(
  {
    guaranteed: Type.Number({ minimum: 0, maximum: 1e9 }),
    borrowingLimit: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })),
  },
  { additionalProperties: false },
)

export const Quotas = Type.Object(
  {
    'llm-train': Type.Optional(QuotaSchema),
    'llm-prefill': Type.Optional(QuotaSchema),
    'llm-decode': Type.Optional(QuotaSchema),
  },
  { additionalProperties: false },
)

export const TenantView = Type.Object({ name: Type.String(), quotas: Quotas })

export const TenantName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9-]*$',
})

/** A shard of a checkpoint as the API answers it. */
export const ShardView = Type.Object({
  path: Type.String(),
  size: Type.Integer(),
  sha256: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union(['expected', 'local', 'durable', 'corrupt'].map((s) => Type.Literal(s))),
  location: Type.Union([Type.String(), Type.Null()]),
})

/** A checkpoint of a job with its shards. Times are Unix seconds. */
export const CheckpointView = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  step: Type.Integer(),
  state: Type.Union(['pending', 'committed', 'failed', 'deleted'].map((s) => Type.Literal(s))),
  tag: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number(),
  committedAt: Nullable(Type.Number()),
  totalBytes: Type.Integer(),
  shards: Type.Array(ShardView),
})

/** An entry of the audit log. */
export const AuditEntryView = Type.Object({
  at: Type.Number(),
  actor: Type.String({ description: 'Token id of who did it' }),
  tenant: Type.String(),
  action: Type.String(),
  target: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
})

/** `GET /api/v1/cluster/summary`: capacity, utilization, failure rate, ETTR of running jobs. */
export const SummaryView = Type.Object({
  accelerators: Type.Object({
    total: Type.Integer(),
    allocated: Type.Integer(),
    byFamily: Type.Record(
      Type.String(),
      Type.Object({ total: Type.Integer(), allocated: Type.Integer(), healthy: Type.Integer() }),
    ),
  }),
  utilization: Type.Number({ description: 'Allocated over total accelerators, 0…1' }),
  failures: Type.Object({
    windowS: Type.Number(),
    count: Type.Integer(),
    per1000AcceleratorDays: Type.Number(),
  }),
  runningJobs: Type.Integer(),
  ettrRunning: Type.Number({ description: 'Productive over held accelerator time, 0…1' }),
})
