import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** What the cluster looked like at one moment: the overview's time series. */
export interface ClusterSample {
  /** Unix seconds. */
  readonly at: number
  readonly total: number
  readonly allocated: number
  readonly healthy: number
  readonly pending: number
  readonly running: number
  /** llm-train standard compute units of all accelerators and of the allocated ones. */
  readonly scuTotal: number
  readonly scuAllocated: number
}

/** SCU held now by running jobs, per tenant and workload class. */
export interface HeldScu {
  readonly tenant: string
  readonly workloadClass: string
  readonly scu: number
  readonly accelerators: number
  readonly jobs: number
}

/** The cluster samples the server records, and the SCU running jobs hold. */
export class ClusterSamples {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records one sample (a second sample at the same `at` replaces the first). */
  async record(sample: ClusterSample): Promise<void> {
    const row = {
      at: sample.at,
      total: sample.total,
      allocated: sample.allocated,
      healthy: sample.healthy,
      pending: sample.pending,
      running: sample.running,
      scu_total: sample.scuTotal,
      scu_allocated: sample.scuAllocated,
    }
    await this.db
      .insertInto('cluster_samples')
      .values(row)
      .onConflict((oc) => oc.column('at').doUpdateSet(row))
      .execute()
  }

  /** Samples with `from <= at <= to`, oldest first. */
  async range(from: number, to: number): Promise<ClusterSample[]> {
    const rows = await this.db
      .selectFrom('cluster_samples')
      .selectAll()
      .where('at', '>=', from)
      .where('at', '<=', to)
      .orderBy('at')
      .execute()
    return rows.map((r) => ({
      at: r.at,
      total: r.total,
      allocated: r.allocated,
      healthy: r.healthy,
      pending: r.pending,
      running: r.running,
      scuTotal: r.scu_total,
      scuAllocated: r.scu_allocated,
    }))
  }

  /** Deletes samples older than `before`; returns how many. */
  async prune(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('cluster_samples')
      .where('at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** The open allocations (running jobs) summed per tenant and workload class. */
  async held(): Promise<HeldScu[]> {
    const rows = await this.db
      .selectFrom('allocations')
      .select((eb) => [
        'tenant',
        'workload_class',
        eb.fn.sum<number | string>('scu').as('scu'),
        eb.fn.sum<number | string>('accelerators').as('accelerators'),
        eb.fn.count<number | string>('job_id').distinct().as('jobs'),
      ])
      .where('end_at', 'is', null)
      .groupBy(['tenant', 'workload_class'])
      .orderBy('tenant')
      .orderBy('workload_class')
      .execute()
    return rows.map((r) => ({
      tenant: r.tenant,
      workloadClass: r.workload_class,
      scu: Number(r.scu),
      accelerators: Number(r.accelerators),
      jobs: Number(r.jobs),
    }))
  }
}
