import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { ZhisuanError } from '@zhisuan/domain'
import type { Store } from '@zhisuan/store'
import type { LoopObserver, NodeInfo } from './reconcile-loop.js'
import { portsOf } from './port-reports.js'

/** The control plane's Prometheus metrics (one registry per server). */
export class Metrics implements LoopObserver {
  readonly registry = new Registry()
  readonly requests: Histogram<'method' | 'route' | 'status'>
  private readonly scheduling: Histogram
  private readonly failures: Counter
  /** Requests refused by a limit: `pending` (a tenant's cap), `rate` (its submissions a second), `auth` (failed token lookups). */
  private readonly limited: Counter<'limit' | 'tenant'>

  constructor(store: Store, nodes: readonly NodeInfo[]) {
    const registry = this.registry
    this.requests = new Histogram({
      name: 'zhisuan_api_request_seconds',
      help: 'API request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers: [registry],
    })
    this.scheduling = new Histogram({
      name: 'zhisuan_scheduling_cycle_seconds',
      help: 'Time one scheduling cycle takes',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    })
    this.limited = new Counter({
      name: 'zhisuan_limited_requests_total',
      help: 'Requests answered 429 by a limit: pending (a tenant at its cap of pending jobs), rate (its submissions a second), auth (too many failed token lookups; tenant "")',
      labelNames: ['limit', 'tenant'],
      registers: [registry],
    })
    this.failures = new Counter({
      name: 'zhisuan_node_failures_total',
      help: 'Node failures the backend reported to this process',
      registers: [registry],
    })
    new Gauge({
      name: 'zhisuan_jobs',
      help: 'Jobs by state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset()
        for (const [state, n] of Object.entries(await store.countJobsByState())) {
          this.set({ state }, n)
        }
      },
    })
    new Gauge({
      name: 'zhisuan_queue_length',
      help: 'Jobs pending',
      registers: [registry],
      async collect() {
        this.set((await store.countJobsByState())['pending'] ?? 0)
      },
    })
    new Gauge({
      name: 'zhisuan_service_replicas',
      help: 'Replica jobs of each model service by state (pending, running), and the replicas it wants (desired)',
      labelNames: ['service', 'state'],
      registers: [registry],
      async collect() {
        this.reset()
        for (const svc of await store.services.list()) {
          const counts: Record<string, number> = { pending: 0, running: 0 }
          for (const j of await store.services.liveReplicas(svc.tenant, svc.name)) {
            if (j.state in counts) {
              counts[j.state] = (counts[j.state] ?? 0) + 1
            }
          }
          for (const [state, n] of Object.entries(counts)) {
            this.set({ service: svc.name, state }, n)
          }
          this.set({ service: svc.name, state: 'desired' }, svc.desired)
        }
      },
    })
    new Gauge({
      name: 'zhisuan_service_load_rps',
      help: 'Requests per second each model service last reported',
      labelNames: ['service'],
      registers: [registry],
      async collect() {
        this.reset()
        for (const svc of await store.services.list()) {
          this.set({ service: svc.name }, svc.loadRps)
        }
      },
    })
    new Gauge({
      name: 'zhisuan_nic_port_health',
      help: 'Each RDMA port of a node by its agent’s latest report: 0 healthy, 1 degraded, 2 failed',
      labelNames: ['node', 'device', 'port'],
      registers: [registry],
      async collect() {
        this.reset()
        for (const [node, report] of await store.nodeReports()) {
          for (const p of portsOf(report.body)) {
            const value = portHealthValue[p.health]
            if (value !== undefined) {
              this.set({ node, device: p.device, port: String(p.port) }, value)
            }
          }
        }
      },
    })
    const totals = new Map<string, number>()
    const byName = new Map<string, NodeInfo>()
    for (const n of nodes) {
      totals.set(n.family, (totals.get(n.family) ?? 0) + n.accelerators)
      byName.set(n.name, n)
    }
    new Gauge({
      name: 'zhisuan_accelerators',
      help: 'Accelerators by state (allocated, free, unavailable) and family',
      labelNames: ['state', 'family'],
      registers: [registry],
      async collect() {
        this.reset()
        const allocated = await store.allocatedByFamily()
        const down = new Map<string, number>()
        for (const n of await store.nodeStates()) {
          const node = byName.get(n.name)
          if (node !== undefined && (n.health === 'failed' || n.adminState === 'drained')) {
            down.set(node.family, (down.get(node.family) ?? 0) + node.accelerators)
          }
        }
        for (const [family, total] of totals) {
          const busy = allocated[family] ?? 0
          const unavailable = down.get(family) ?? 0
          this.set({ state: 'allocated', family }, busy)
          this.set({ state: 'unavailable', family }, unavailable)
          this.set({ state: 'free', family }, Math.max(0, total - busy - unavailable))
        }
      },
    })
  }

  scheduled(seconds: number): void {
    this.scheduling.observe(seconds)
  }

  nodeFailed(): void {
    this.failures.inc()
  }

  /** Runs `act`, counting a 429 it ends in as refused by `limit` (for `tenant`; `auth`: ''). */
  async limitedAs<T>(
    limit: 'pending' | 'rate' | 'auth',
    tenant: string,
    act: () => T | Promise<T>,
  ): Promise<T> {
    try {
      return await act()
    } catch (error) {
      if (error instanceof ZhisuanError && error.code === 'too-many-requests') {
        this.limited.inc({ limit, tenant })
      }
      throw error
    }
  }

  /** Token cache figures: lookups answered from it and from the store, and entries held. */
  watchTokens(tokens: {
    readonly counts: { hits: number; misses: number }
    readonly size: number
  }): void {
    new Counter({
      name: 'zhisuan_token_cache_lookups_total',
      help: 'Bearer token lookups, answered from the cache (hit) or the store (miss)',
      labelNames: ['result'],
      registers: [this.registry],
      collect() {
        this.reset()
        this.inc({ result: 'hit' }, tokens.counts.hits)
        this.inc({ result: 'miss' }, tokens.counts.misses)
      },
    })
    new Gauge({
      name: 'zhisuan_token_cache_entries',
      help: 'Bearer tokens held in the cache, known and unknown',
      registers: [this.registry],
      collect() {
        this.set(tokens.size)
      },
    })
  }
}

const portHealthValue: Readonly<Record<string, number>> = { healthy: 0, degraded: 1, failed: 2 }
