import type { Kysely } from 'kysely'
import { ZhisuanError } from '@zhisuan/domain'
import type { AuditEntry } from './records.js'
import type { Database, JobTable } from './schema.js'

/** A job to insert and the audit entry that goes with it. */
export interface Submission {
  readonly row: JobTable
  readonly audit: AuditEntry | undefined
  /** The tenant's cap on pending jobs, counted in the transaction that inserts this one. */
  readonly maxPending: number | undefined
}

/**
 * Tenants' caps on pending jobs, checked in the transaction that inserts a batch (its jobs
 * already inserted). Counting a tenant's pending jobs costs a walk over them (an index range,
 * as long as its cap for a busy tenant), so a count is remembered for `freshMs`: jobs leave
 * `pending` only, so within this process the count plus what it inserted since is an upper
 * bound, and a batch that fits under it needs no count. On PostgreSQL, submissions another API
 * server accepts in that time are not seen: the cap may be passed by what they accept in
 * `freshMs`.
 */
export class PendingCaps {
  private readonly known = new Map<string, { n: number; at: number }>()

  constructor(
    private readonly freshMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Per submission of a batch, in order: an error when its tenant already had `maxPending` jobs
   * waiting (those of the batch accepted before it included), else undefined.
   */
  async check(
    tx: Kysely<Database>,
    batch: readonly Submission[],
  ): Promise<(ZhisuanError | undefined)[]> {
    const inBatch = new Map<string, { n: number; cap: number }>()
    for (const b of batch) {
      if (b.maxPending !== undefined) {
        const seen = inBatch.get(b.row.tenant)
        inBatch.set(b.row.tenant, {
          n: (seen?.n ?? 0) + 1,
          cap: Math.min(seen?.cap ?? Number.POSITIVE_INFINITY, b.maxPending),
        })
      }
    }
    const now = this.now()
    const waiting = new Map<string, number>()
    const toCount: string[] = []
    for (const [tenant, { n, cap }] of inBatch) {
      const known = this.known.get(tenant)
      if (known !== undefined && now - known.at < this.freshMs && known.n + n <= cap) {
        waiting.set(tenant, known.n)
      } else {
        toCount.push(tenant)
      }
    }
    if (toCount.length > 0) {
      const rows = await tx
        .selectFrom('jobs')
        .select((eb) => ['tenant', eb.fn.countAll<string | number>().as('n')])
        .where('state', '=', 'pending')
        .where('tenant', 'in', toCount)
        .groupBy('tenant')
        .execute()
      const counted = new Map(rows.map((r) => [r.tenant, Number(r.n)]))
      for (const tenant of toCount) {
        // the count includes this batch's jobs of the tenant, inserted just before
        const n = (counted.get(tenant) ?? 0) - batch.filter((b) => b.row.tenant === tenant).length
        waiting.set(tenant, n)
        this.known.set(tenant, { n, at: now })
      }
    }
    const refused = batch.map((b) => {
      const n = waiting.get(b.row.tenant)
      if (b.maxPending === undefined || n === undefined) {
        return undefined
      }
      if (n >= b.maxPending) {
        // Retry-After 10 s: an ESTIMATE of how soon a pending job starts or is cancelled (no
        // source; a scheduler pass is a second, a queue drains slower)
        return new ZhisuanError(
          'too-many-requests',
          `tenant ${b.row.tenant} has ${n} jobs pending, its limit (limits.maxPendingJobs ${b.maxPending}); submit again when some have started or been cancelled`,
          { retryAfterS: 10 },
        )
      }
      waiting.set(b.row.tenant, n + 1)
      return undefined
    })
    // every tenant of the batch is known now: counted, or known fresh
    for (const [tenant, n] of waiting) {
      const known = this.known.get(tenant)
      if (known !== undefined) {
        known.n = n
      }
    }
    return refused
  }
}
