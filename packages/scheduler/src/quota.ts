import type { WorkloadClass } from '@zhisuan/perf'
import type { Quota, SchedulerConfig, Tenant } from './types.js'

/** Result of asking whether a tenant may use more SCU of a class. */
export type Admission =
  | { readonly ok: true; readonly borrowing: boolean }
  | { readonly ok: false; readonly usedScu: number; readonly limitScu: number }

/**
 * SCU in use per tenant and class, and the admission rule (Kueue-style cohort): a tenant may
 * always use its guarantee; beyond it, it borrows — up to its borrowing limit, and only from
 * what is idle: capacity nobody is guaranteed plus what other tenants lend of their unused
 * guarantees (up to their lending limits).
 */
export class QuotaLedger {
  private readonly used = new Map<string, number>()
  /** Every tenant that has used anything, listed or not (listed first, in config order). */
  private readonly known: string[]
  private readonly tenants: ReadonlyMap<string, Tenant>

  constructor(
    private readonly config: SchedulerConfig,
    /** Total SCU of the usable cluster per class; `setCapacity` follows node health. */
    private capacity: Readonly<Record<WorkloadClass, number>>,
  ) {
    this.tenants = new Map(config.tenants.map((t) => [t.name, t]))
    this.known = config.tenants.map((t) => t.name)
  }

  /** Updates the usable capacity (nodes failed, drained, promoted from spare). */
  setCapacity(capacity: Readonly<Record<WorkloadClass, number>>): void {
    this.capacity = capacity
  }

  /** A tenant's guarantee; 0 for tenants not listed. */
  private guarantee(tenant: string, cls: WorkloadClass): number {
    return this.tenants.get(tenant)?.quotas[cls]?.guaranteed ?? 0
  }

  private key(tenant: string, cls: WorkloadClass): string {
    return `${tenant}\u0000${cls}`
  }

  /** SCU a tenant uses in a class. */
  usage(tenant: string, cls: WorkloadClass): number {
    return this.used.get(this.key(tenant, cls)) ?? 0
  }

  /** The quota of a tenant, or `undefined` when quotas do not apply to it. */
  quota(tenant: string, cls: WorkloadClass): Quota | undefined {
    const t = this.tenants.get(tenant)
    if (t === undefined) {
      return this.config.strictTenants ? { guaranteed: 0 } : undefined
    }
    return t.quotas[cls] ?? { guaranteed: 0 }
  }

  add(tenant: string, cls: WorkloadClass, scu: number): void {
    if (!this.tenants.has(tenant) && !this.known.includes(tenant)) {
      this.known.push(tenant)
    }
    this.used.set(this.key(tenant, cls), this.usage(tenant, cls) + scu)
  }

  /**
   * Whether the tenant is beyond its guarantee in this class — and so may be preempted to give
   * a guarantee back. Tenants not listed have no guarantee: all they use is borrowed.
   */
  borrowing(tenant: string, cls: WorkloadClass): boolean {
    return this.usage(tenant, cls) > this.guarantee(tenant, cls) + 1e-9
  }

  /** Whether `scu` more fits the tenant's guarantee alone (no borrowing needed). */
  withinGuarantee(tenant: string, cls: WorkloadClass, scu: number): boolean {
    const q = this.quota(tenant, cls)
    return q === undefined || this.usage(tenant, cls) + scu <= q.guaranteed + 1e-9
  }

  /** Whether the tenant may add `scu` of the class now. */
  admit(tenant: string, cls: WorkloadClass, scu: number): Admission {
    const q = this.quota(tenant, cls)
    if (q === undefined) {
      return { ok: true, borrowing: false }
    }
    const used = this.usage(tenant, cls)
    const after = used + scu
    if (after <= q.guaranteed + 1e-9) {
      return { ok: true, borrowing: false }
    }
    const limit = q.guaranteed + (q.borrowingLimit ?? Number.POSITIVE_INFINITY)
    if (after > limit + 1e-9) {
      return { ok: false, usedScu: used, limitScu: limit }
    }
    const borrowedAfter =
      this.totalBorrowed(cls) - Math.max(0, used - q.guaranteed) + (after - q.guaranteed)
    const pool = this.lendable(cls, tenant)
    if (borrowedAfter > pool + 1e-9) {
      return {
        ok: false,
        usedScu: used,
        limitScu: q.guaranteed + Math.max(0, pool - (borrowedAfter - (after - q.guaranteed))),
      }
    }
    return { ok: true, borrowing: true }
  }

  private totalBorrowed(cls: WorkloadClass): number {
    let sum = 0
    for (const name of this.known) {
      sum += Math.max(0, this.usage(name, cls) - this.guarantee(name, cls))
    }
    return sum
  }

  /** Idle capacity others may borrow: the unguaranteed part of the cluster plus what is lent. */
  private lendable(cls: WorkloadClass, borrower: string): number {
    let guaranteed = 0
    let lent = 0
    for (const t of this.tenants.values()) {
      const q = t.quotas[cls] ?? { guaranteed: 0 }
      guaranteed += q.guaranteed
      if (t.name !== borrower) {
        const idle = Math.max(0, q.guaranteed - this.usage(t.name, cls))
        lent += Math.min(q.lendingLimit ?? q.guaranteed, idle)
      }
    }
    return Math.max(0, this.capacity[cls] - guaranteed) + lent
  }
}
