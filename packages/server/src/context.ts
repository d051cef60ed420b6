import type { FastifyRequest } from 'fastify'
import type { Catalog, Cluster } from '@zhisuan/domain'
import type { Store, TenantLimits } from '@zhisuan/store'
import type { Caller, TokenCache } from './auth.js'
import type { SubmitRate } from './limits.js'
import type { Metrics } from './metrics.js'
import type { ReconcileLoop } from './reconcile-loop.js'

/** What the routes share. */
export interface ServerContext {
  readonly store: Store
  readonly cluster: Cluster
  readonly catalog: Catalog
  readonly reconciler: ReconcileLoop
  readonly metrics: Metrics
  readonly tokens: TokenCache
  /** Each tenant's submissions a second (its limits, else `tenantDefaults`). */
  readonly submitRate: SubmitRate
  /** The limits of a tenant whose record sets none. */
  readonly tenantDefaults: Required<TenantLimits>
  /** Unix seconds. */
  readonly clock: () => number
  auth(request: FastifyRequest): Promise<Caller>
  audit(
    caller: Caller,
    action: string,
    target: string,
    detail: Record<string, unknown>,
  ): Promise<void>
  /** Asks the reconcile loop for a pass soon. */
  wake(): void
}
