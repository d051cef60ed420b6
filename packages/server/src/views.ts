import { Type, type Static } from '@sinclair/typebox'
import type { JobRecord, TwinRunRecord } from '@zhisuan/store'
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

/**
 * A running job's progress as the twin runs it: the twin's estimate, not a measurement. The run
 * was launched with the work the job had left; the share of its wall time that has passed is
 * counted as that share of the work (a restart delay and checkpoint stalls count as work).
 */
export const JobProgressView = Type.Object({
  source: Type.Literal('twin', { description: 'Who estimates it: the digital twin' }),
  at: Type.Number({ description: 'Unix seconds when the estimate was made' }),
  doneS: Type.Number({ description: 'Job-time seconds of work done (kept before, plus this run)' }),
  totalS: Type.Number({ description: 'Job-time seconds of work the whole job needs' }),
  remainingS: Type.Number({ description: 'Wall seconds until the twin ends this run' }),
  endsAt: Type.Number({ description: 'Unix seconds when the twin ends this run' }),
  speed: Type.Number({
    description:
      'Job-time seconds of work per wall second on this run (the twin speed, less a restart delay and stalls)',
  }),
})
export type JobProgressView = Static<typeof JobProgressView>

/**
 * The twin's estimate of a running job's progress from its run in the twin's journal; null when
 * the job is not running or the twin has no run of its current attempt (another backend).
 * @example
 * // 600 s of work left at launch, a run of 10 wall seconds, 4 of them past
 * twinProgress(job, { jobId, attempt: 1, nodes, startedAt: 100, endsAt: 110 }, 104)
 * // { doneS: 240, totalS: 600, remainingS: 6, speed: 60, … }
 */
export function twinProgress(
  job: JobRecord,
  run: TwinRunRecord | undefined,
  now: number,
): JobProgressView | null {
  if (job.state !== 'running' || run === undefined || run.attempt !== job.attempt) {
    return null
  }
  const totalS = (job.spec as StoredSpec).durationS
  const leftS = Math.max(0, totalS - job.doneS)
  const wallS = run.endsAt - run.startedAt
  const share = wallS > 0 ? Math.min(1, Math.max(0, (now - run.startedAt) / wallS)) : 1
  return {
    source: 'twin',
    at: now,
    doneS: Math.min(totalS, job.doneS + leftS * share),
    totalS,
    remainingS: Math.max(0, run.endsAt - now),
    endsAt: run.endsAt,
    speed: wallS > 0 ? leftS / wallS : 0,
  }
}

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
  progress: Type.Optional(
    Type.Union([Type.Object(JobProgressView.properties), Type.Null()], {
      description:
        'One job only: work done and time left while it runs on the twin (the twin’s estimate); null otherwise',
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

/** A tenant's submission limits (issue #19); each left out is the server's default. */
export const Limits = Type.Object(
  {
    maxPendingJobs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000_000,
        description: 'jobs waiting at once; a submission beyond is refused with 429',
      }),
    ),
    submitsPerS: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1_000_000,
        description: 'submissions a second, sustained (beyond: 429 with Retry-After)',
      }),
    ),
    submitBurst: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000_000,
        description: 'submissions at once above the sustained rate',
      }),
    ),
  },
  { additionalProperties: false },
)

export const TenantView = Type.Object({
  name: Type.String(),
  quotas: Quotas,
  limits: Type.Object(
    {
      maxPendingJobs: Type.Integer(),
      submitsPerS: Type.Number(),
      submitBurst: Type.Integer(),
    },
    { description: 'the limits that hold: the tenant’s own, else the server’s defaults' },
  ),
})

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
