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
  checkpoint: Type.Optional(
    Type.Unknown({
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
