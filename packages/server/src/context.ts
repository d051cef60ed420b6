import type { FastifyRequest } from 'fastify'
import type { Catalog, Cluster } from '@zhisuan/domain'
import type { Store } from '@zhisuan/store'
import type { Caller, TokenCache } from './auth.js'
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
