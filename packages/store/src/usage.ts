import type { Kysely } from 'kysely'
import type { UsageRow } from './records.js'
import type { Database } from './schema.js'

/** Allocations (a job's hold on accelerators while it runs), read for accounting. */
export class UsageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Open allocations (running jobs): accelerators held per family. */
  async allocatedByFamily(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('allocations')
      .select(['family', (eb) => eb.fn.sum<string | number>('accelerators').as('n')])
      .where('end_at', 'is', null)
      .groupBy('family')
      .execute()
    return Object.fromEntries(rows.map((r) => [r.family, Number(r.n)]))
  }

  /** Accelerator-seconds and SCU-seconds per tenant, class and family within [from, to). */
  async usage(from: number, to: number): Promise<UsageRow[]> {
    const rows = await this.db
      .selectFrom('allocations')
      .selectAll()
      .where('start_at', '<', to)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', from)]))
      .execute()
    const sums = new Map<string, UsageRow>()
    for (const r of rows) {
      const seconds = Math.max(0, Math.min(to, r.end_at ?? to) - Math.max(from, r.start_at))
      const key = `${r.tenant}|${r.workload_class}|${r.family}`
      const row = sums.get(key) ?? {
        tenant: r.tenant,
        workloadClass: r.workload_class,
        family: r.family,
        acceleratorSeconds: 0,
        scuSeconds: 0,
      }
      sums.set(key, {
        ...row,
        acceleratorSeconds: row.acceleratorSeconds + seconds * r.accelerators,
        scuSeconds: row.scuSeconds + seconds * r.scu,
      })
    }
    return [...sums.values()].sort((a, b) =>
      `${a.tenant}|${a.workloadClass}|${a.family}` < `${b.tenant}|${b.workloadClass}|${b.family}`
        ? -1
        : 1,
    )
  }
}
