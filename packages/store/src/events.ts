import type { Kysely, Selectable } from 'kysely'
import type { JobEvent } from './records.js'
import type { Database, JobEventTable } from './schema.js'

/** Jobs' events, oldest first: each job's history, and the reconcile loop's change feed. */
export class JobEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The newest job event's id (0 when none): where a change feed starts. */
  async lastEventId(): Promise<number> {
    const row = await this.db
      .selectFrom('job_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst()
    return Number(row?.id ?? 0)
  }

  /** Events of these kinds after an id, oldest first: the reconcile loop's change feed. */
  async eventsAfter(
    id: number,
    kinds: readonly string[],
    limit: number,
  ): Promise<(JobEvent & { readonly id: number })[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('id', '>', id)
      .where('kind', 'in', [...kinds])
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ id: Number(r.id), ...eventOf(r) }))
  }

  /** One job's events, oldest first. */
  async events(jobId: string): Promise<JobEvent[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('id')
      .execute()
    return rows.map(eventOf)
  }
}

function eventOf(row: Selectable<JobEventTable>): JobEvent {
  return {
    jobId: row.job_id,
    at: row.at,
    kind: row.kind,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  }
}
