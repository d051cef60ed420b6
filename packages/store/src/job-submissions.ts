import type { Kysely } from 'kysely'
import { ZhisuanError } from '@zhisuan/domain'
import { auditRow } from './audit.js'
import { GroupCommit } from './group-commit.js'
import { PendingCaps, type Submission } from './pending-caps.js'
import { toJob, type AuditEntry, type JobRecord, type NewJob } from './records.js'
import type { Database, JobTable } from './schema.js'

/** What a submission may be held to: its tenant's cap on pending jobs. */
export interface SubmissionLimits {
  readonly maxPending?: number
}

/**
 * New jobs: each inserted with its `submitted` event (and audit entry) in one transaction,
 * submissions of the same moment batched together.
 */
export class JobSubmissions {
  private readonly pending: GroupCommit<Submission>
  private readonly caps = new PendingCaps()

  constructor(private readonly db: Kysely<Database>) {
    this.pending = new GroupCommit((batch) => this.write(batch))
  }

  /**
   * Inserts a job with its `submitted` event. With an idempotency key already used by the
   * tenant, returns that job instead (`created: false`).
   */
  async insertJob(
    job: NewJob,
    audit?: AuditEntry,
    limits: SubmissionLimits = {},
  ): Promise<{ job: JobRecord; created: boolean }> {
    // Without an idempotency key nothing can collide: batch it with the other submissions of
    // this moment into one transaction (group commit). With a key, look it up first.
    const submission: Submission = { row: newJobRow(job), audit, maxPending: limits.maxPending }
    if (job.idempotencyKey === undefined) {
      await this.pending.add(submission)
      return { job: toJob(submission.row), created: true }
    }
    return this.insertKeyedJob(submission, job.idempotencyKey)
  }

  private async insertKeyedJob(
    submission: Submission,
    key: string,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const tenant = submission.row.tenant
    const existing = await this.byIdempotencyKey(tenant, key)
    if (existing !== undefined) {
      return { job: existing, created: false }
    }
    try {
      const [refused] = await this.write([submission])
      if (refused !== undefined) {
        throw refused
      }
    } catch (cause) {
      // a concurrent retry with the same key won the race: answer with its job
      if (isUniqueViolation(cause)) {
        const winner = await this.byIdempotencyKey(tenant, key)
        if (winner !== undefined) {
          return { job: winner, created: false }
        }
      }
      throw cause
    }
    return { job: toJob(submission.row), created: true }
  }

  private async byIdempotencyKey(tenant: string, key: string): Promise<JobRecord | undefined> {
    const row = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('idempotency_key', '=', key)
      .executeTakeFirst()
    return row === undefined ? undefined : toJob(row)
  }

  /**
   * Jobs, their `submitted` events and audit entries of one batch: one transaction, 3 inserts.
   * A submission over its tenant's pending cap is refused, the others written. The jobs are
   * inserted first and counted after: on SQLite a transaction that reads before it writes fails at
   * once (SQLITE_BUSY_SNAPSHOT) when another connection wrote in between; writing first takes the
   * write lock (waiting its busy timeout) and makes the count exact. On PostgreSQL two API servers
   * committing at once may each take the last place.
   */
  private async write(batch: readonly Submission[]): Promise<(ZhisuanError | undefined)[]> {
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('jobs')
        .values(batch.map((b) => b.row))
        .execute()
      const refused = await this.caps.check(tx, batch)
      const dropped = batch.flatMap((b, i) => (refused[i] === undefined ? [] : [b.row.id]))
      if (dropped.length > 0) {
        await tx.deleteFrom('jobs').where('id', 'in', dropped).execute()
      }
      const accepted = batch.filter((_, i) => refused[i] === undefined)
      if (accepted.length > 0) {
        await tx
          .insertInto('job_events')
          .values(
            accepted.map((b) => ({
              job_id: b.row.id,
              at: b.row.created_at,
              kind: 'submitted',
              detail: '{}',
            })),
          )
          .execute()
        const audits = accepted.flatMap((b) => (b.audit === undefined ? [] : [b.audit]))
        if (audits.length > 0) {
          await tx.insertInto('audit_log').values(audits.map(auditRow)).execute()
        }
      }
      return refused
    })
  }
}

/** A new job's row: pending, no attempt yet. */
function newJobRow(job: NewJob): JobTable {
  return {
    id: job.id,
    tenant: job.tenant,
    name: job.name,
    queue: job.queue,
    state: 'pending',
    priority: job.priority,
    spec: JSON.stringify(job.spec),
    idempotency_key: job.idempotencyKey ?? null,
    created_at: job.createdAt,
    updated_at: job.createdAt,
    started_at: null,
    ended_at: null,
    attempt: 0,
    attempt_started_at: null,
    restarts: 0,
    lost_s: 0,
    done_s: 0,
    placement: null,
    family: null,
    reason: null,
    message: 'waiting for the scheduler',
    version: 1,
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown }
  return (
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed'))
  )
}
