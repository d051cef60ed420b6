import { LRUCache } from 'lru-cache'
import { ZhisuanError } from '@zhisuan/domain'
import type { Tenant, TenantLimits } from '@zhisuan/store'

/**
 * What one tenant may do to the control plane when its record sets no limit of its own.
 * - `maxPendingJobs` 10,000: Slurm's `MaxJobCount` default (slurm.conf(5)), there for the whole
 *   cluster; here for each tenant, so one tenant's sweep cannot fill the queue for all.
 * - 100 submissions a second, bursts of 1,000: Slurm's own limiter (`SlurmctldParameters=
 *   rl_enable`, slurm.conf(5) since 23.02) defaults to a bucket of 30 refilled at 2 a second per
 *   user; we allow more (an ESTIMATE of what a pipeline submitting a sweep needs: a 1,000-job
 *   array at once, then 100/s), and an operator lowers them per tenant.
 */
export const defaultTenantLimits: Required<TenantLimits> = {
  maxPendingJobs: 10_000,
  submitsPerS: 100,
  submitBurst: 1_000,
}

/** The limits that hold for a tenant: its own, else the server's defaults. */
export function effectiveLimits(
  tenant: Tenant | undefined,
  defaults: Required<TenantLimits> = defaultTenantLimits,
): Required<TenantLimits> {
  return { ...defaults, ...tenant?.limits }
}

/**
 * A token bucket: `burst` tokens at most, `rate` a second added back. Time in seconds from any
 * origin the caller keeps (the buckets never read a clock).
 */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst
    this.at = now
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * this.rate)
      this.at = now
    }
  }

  /** Whether a token is there now (none taken). */
  has(now: number): boolean {
    this.refill(now)
    return this.tokens >= 1
  }

  /** Takes a token: 0 when there was one, else the seconds until there will be (none taken). */
  take(now: number): number {
    this.refill(now)
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return this.rate > 0 ? (1 - this.tokens) / this.rate : Number.POSITIVE_INFINITY
  }

  /** Takes a token whether or not one is there (a debt the refill pays back). */
  charge(now: number): void {
    this.refill(now)
    this.tokens = Math.max(this.tokens - 1, -this.burst)
  }
}

/** A 429 asking to wait `waitS` (whole seconds; 60, an ESTIMATE, where no token ever comes: rate 0). */
const tooMany = (message: string, waitS: number): ZhisuanError =>
  new ZhisuanError('too-many-requests', message, {
    retryAfterS: Math.max(1, Math.ceil(Number.isFinite(waitS) ? waitS : 60)),
  })

/** Each tenant's submission rate, as its limits say; a bucket per tenant, in this process. */
export class SubmitRate {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(private readonly now: () => number = () => performance.now() / 1000) {}

  /** @throws ZhisuanError `too-many-requests`, with the wait, when the tenant's bucket is empty. */
  admit(tenant: string, limits: Required<TenantLimits>): void {
    let bucket = this.buckets.get(tenant)
    if (bucket?.rate !== limits.submitsPerS || bucket.burst !== limits.submitBurst) {
      bucket = new TokenBucket(limits.submitsPerS, limits.submitBurst, this.now())
      this.buckets.set(tenant, bucket)
    }
    const wait = bucket.take(this.now())
    if (wait > 0) {
      throw tooMany(
        `tenant ${tenant} submits faster than its limit (limits.submitsPerS ${limits.submitsPerS}, limits.submitBurst ${limits.submitBurst}); retry in ${wait.toFixed(2)} s`,
        wait,
      )
    }
  }
}

/** Failed token lookups allowed, from one address and from all. */
export interface AuthFailureLimits {
  readonly perAddressPerS: number
  readonly perAddressBurst: number
  readonly globalPerS: number
  readonly globalBurst: number
}

/**
 * An ESTIMATE: a person mistyping a token fails a few times; a client with a revoked token
 * retries with backoff. 2 a second per address (bursts of 20) and 200 a second over all
 * addresses keep a token spray from putting every guess on the database.
 */
export const defaultAuthFailureLimits: AuthFailureLimits = {
  perAddressPerS: 2,
  perAddressBurst: 20,
  globalPerS: 200,
  globalBurst: 1_000,
}

/**
 * Bearer tokens that were not found, per client address and over all: once either bucket is
 * empty, a token not already known is refused with 429 before it is looked up (tokens in the
 * cache still work). Addresses in an LRU of 10,000.
 */
export class AuthFailures {
  private readonly perAddress = new LRUCache<string, TokenBucket>({ max: 10_000 })
  private readonly global: TokenBucket

  constructor(
    private readonly limits: AuthFailureLimits = defaultAuthFailureLimits,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    this.global = new TokenBucket(limits.globalPerS, limits.globalBurst, now())
  }

  private bucket(address: string): TokenBucket {
    let b = this.perAddress.get(address)
    if (b === undefined) {
      b = new TokenBucket(this.limits.perAddressPerS, this.limits.perAddressBurst, this.now())
      this.perAddress.set(address, b)
    }
    return b
  }

  /** @throws ZhisuanError `too-many-requests` when this address or everyone failed too often. */
  check(address: string): void {
    const now = this.now()
    if (!this.bucket(address).has(now)) {
      throw tooMany(
        `too many unknown or revoked tokens from ${address}; wait before trying again`,
        1 / this.limits.perAddressPerS,
      )
    }
    if (!this.global.has(now)) {
      throw tooMany(
        'too many unknown or revoked tokens from all clients; wait before trying again',
        1 / this.limits.globalPerS,
      )
    }
  }

  /** Counts a failed lookup against the address and the whole. */
  failed(address: string): void {
    const now = this.now()
    this.bucket(address).charge(now)
    this.global.charge(now)
  }
}
