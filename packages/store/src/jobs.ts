import { sql, type Kysely, type Transaction } from 'kysely'
import { filterJobs } from './job-filters.js'
import type { Dialect } from './migrations.js'
import {
  toJob,
  type AllocationOpen,
  type JobEvent,
  type JobRecord,
  type JobsQuery,
} from './records.js'
import type { Database, JobTable } from './schema.js'

/** What a state change writes besides the job row: its events and allocation changes. */
export interface Transition {
  /** The job must be in one of these states, or nothing changes. */
  readonly from: readonly string[]
  readonly patch: Partial<Omit<JobTable, 'id' | 'version'>>
  readonly events: readonly Omit<JobEvent, 'jobId'>[]
  /** Close the job's open allocation at this time. */
  readonly closeAllocationAt?: number
  readonly openAllocation?: AllocationOpen
}

/**
 * Jobs once submitted: reads, the scheduler's pending reasons, and state changes that write
 * their events and allocations in the same transaction.
 */
export class JobRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Several jobs by id, in one query. */
  async getJobs(ids: readonly string[]): Promise<Map<string, JobRecord>> {
    if (ids.length === 0) {
      return new Map()
    }
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute()
    return new Map(rows.map((r) => [r.id, toJob(r)]))
  }

  /**
   * Records the scheduler's reasons for pending jobs, in one transaction (a cycle may explain
   * thousands of jobs; one write each would hold the database that long).
   */
  async setPendingReasons(
    reasons: readonly { readonly id: string; readonly reason: string; readonly message: string }[],
    now: number,
  ): Promise<void> {
    if (reasons.length === 0) {
      return
    }
    await this.db.transaction().execute(async (tx) => {
      for (const r of reasons) {
        await tx
          .updateTable('jobs')
          .set({ reason: r.reason, message: r.message, updated_at: now })
          .where('id', '=', r.id)
          .where('state', '=', 'pending')
          .execute()
      }
    })
  }

  /** One job by id. */
  async getJob(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toJob(row)
  }

  /** Jobs by id order (ids sort by submission), after a cursor or an offset, filtered. */
  async listJobs(q: JobsQuery): Promise<JobRecord[]> {
    let query = filterJobs(this.db.selectFrom('jobs').selectAll(), q, this.dialect)
    if (q.after !== undefined) {
      query = query.where('id', '>', q.after)
    }
    query = query.orderBy('id').limit(q.limit)
    if (q.offset !== undefined && q.offset > 0) {
      query = query.offset(q.offset)
    }
    return (await query.execute()).map(toJob)
  }

  /** How many jobs match the filters of a query (its cursor, offset and limit aside). */
  async countJobs(q: Omit<JobsQuery, 'after' | 'offset' | 'limit'>): Promise<number> {
    const row = await filterJobs(this.db.selectFrom('jobs'), q, this.dialect)
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  /** How many jobs are in each state (states with none are absent). */
  async countJobsByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<string | number>().as('n')])
      .groupBy('state')
      .execute()
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
  }

  /**
   * Changes a job if it is in one of `t.from`, with its events and allocation changes, in one
   * transaction. Returns the job as it is now, or undefined when it was not in those states.
   */
  async transition(id: string, t: Transition): Promise<JobRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('jobs')
        .set({ ...t.patch, version: sql<number>`version + 1` })
        .where('id', '=', id)
        .where('state', 'in', [...t.from])
        .returningAll()
        .executeTakeFirst()
      if (updated === undefined) {
        return undefined
      }
      await writeSideEffects(tx, updated, t)
      return toJob(updated)
    })
  }
}

async function writeSideEffects(
  tx: Transaction<Database>,
  job: JobTable,
  t: Transition,
): Promise<void> {
  if (t.events.length > 0) {
    await tx
      .insertInto('job_events')
      .values(
        t.events.map((e) => ({
          job_id: job.id,
          at: e.at,
          kind: e.kind,
          detail: JSON.stringify(e.detail),
        })),
      )
      .execute()
  }
  if (t.closeAllocationAt !== undefined) {
    await tx
      .updateTable('allocations')
      .set({ end_at: t.closeAllocationAt })
      .where('job_id', '=', job.id)
      .where('end_at', 'is', null)
      .execute()
  }
  if (t.openAllocation !== undefined) {
    const a = t.openAllocation
    await tx
      .insertInto('allocations')
      .values({
        job_id: job.id,
        tenant: job.tenant,
        family: a.family,
        workload_class: a.workloadClass,
        accelerators: a.accelerators,
        scu: a.scu,
        start_at: a.startAt,
        end_at: null,
      })
      .execute()
  }
}
