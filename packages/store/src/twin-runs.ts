import type { Kysely } from 'kysely'
import type { TwinRunRecord } from './records.js'
import type { Database } from './schema.js'

/** The twin backend's journal: the runs it has in flight, one per job. */
export class TwinRunRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every journalled run, by job id. */
  async twinRuns(): Promise<TwinRunRecord[]> {
    const rows = await this.db.selectFrom('twin_runs').selectAll().orderBy('job_id').execute()
    return rows.map((r) => ({
      jobId: r.job_id,
      attempt: r.attempt,
      nodes: JSON.parse(r.nodes) as string[],
      startedAt: r.started_at,
      endsAt: r.ends_at,
    }))
  }

  /** Journals a run, replacing the job's earlier one. */
  async putTwinRun(run: TwinRunRecord): Promise<void> {
    const values = {
      job_id: run.jobId,
      attempt: run.attempt,
      nodes: JSON.stringify(run.nodes),
      started_at: run.startedAt,
      ends_at: run.endsAt,
    }
    await this.db
      .insertInto('twin_runs')
      .values(values)
      .onConflict((oc) =>
        oc.column('job_id').doUpdateSet({
          attempt: values.attempt,
          nodes: values.nodes,
          started_at: values.started_at,
          ends_at: values.ends_at,
        }),
      )
      .execute()
  }

  /** Forgets a job's run. */
  async removeTwinRun(jobId: string): Promise<void> {
    await this.db.deleteFrom('twin_runs').where('job_id', '=', jobId).execute()
  }
}
