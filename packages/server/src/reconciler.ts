import type { Catalog, Cluster } from '@zhisuan/domain'
import { Scheduler } from '@zhisuan/scheduler'
import { lifecycleDefaults } from '@zhisuan/engine'
import { applyDecisions } from './job-writes.js'
import { releaseHolds } from './launch-holds.js'
import {
  newLoopState,
  yieldToRequests,
  type LoopState,
  type ReconcilerOptions,
} from './loop-state.js'
import type { LoopObserver, NodeInfo, ReconcileLoop } from './reconcile-loop.js'
import {
  applyBackendEvents,
  evacuate,
  readFeed,
  readNodes,
  tellDrains,
} from './reconcile-inputs.js'
import { rebuild } from './reconcile-rebuild.js'

export type { ReconcilerOptions } from './loop-state.js'

/** The cluster's nodes as the API lists them: what the loop's scheduler sees, in fabric order. */
export function nodeListOf(cluster: Cluster, catalog: Catalog): NodeInfo[] {
  const probe = new Scheduler(cluster, catalog, {
    tenants: [],
    preemptionWindowS: lifecycleDefaults.preemptionWindowS,
    strictTenants: false,
  })
  return probe.state.nodes.map((n, i) => ({
    name: n.name,
    family: n.family,
    accelerators: n.accelerators,
    block: probe.state.fabric.nodeBlock[i] ?? 0,
    pod: probe.state.fabric.nodePod[i] ?? 0,
  }))
}

const leaseName = 'reconcile-loop'

/**
 * The reconcile loop: new and cancelled jobs, node changes and backend events go to the
 * scheduler; its decisions go to the store (one transaction per job change, with its events)
 * and then to the backend. Level-triggered and idempotent: after a crash (or when another
 * process takes the lease) it rebuilds the scheduler from the store, adopts what the backend
 * runs, launches what the store says should run and the backend lacks, and stops what the
 * backend runs that should not. Only the holder of the lease runs it.
 *
 * This class holds the lease and times the passes; a pass's phases are plain functions over
 * one `LoopState`: the rebuild (reconcile-rebuild.ts), the inputs (reconcile-inputs.ts),
 * launch holds (launch-holds.ts) and the job writes with their accounts (job-writes.ts,
 * job-accounts.ts).
 */
export class Reconciler implements ReconcileLoop {
  private readonly state: LoopState
  /** Every node: name, chip family, accelerators, in fabric order. */
  readonly nodeList: readonly NodeInfo[]
  private wasLeader = false
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = true
  private again = false
  private timerDue = 0
  private lastEnd = 0

  constructor(private readonly options: ReconcilerOptions) {
    this.nodeList = nodeListOf(options.cluster, options.catalog)
    this.state = newLoopState(
      options,
      this.nodeList.map((n) => n.name),
    )
  }

  /** Where cycle times and node failures are reported. */
  observe(observer: LoopObserver): void {
    this.state.observer = observer
  }

  /** Node names, in fabric order. */
  get nodes(): readonly string[] {
    return this.state.nodeNames
  }

  /** Whether this process runs the loop now. */
  get leader(): boolean {
    return this.state.scheduler !== undefined
  }

  /** Starts passing: the first pass at once, then every `tickMs`. */
  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  /** Runs a pass soon (after a submission, a cancel, a drain). */
  wake(): void {
    if (this.stopped) {
      return
    }
    if (this.running !== undefined) {
      this.again = true
      return
    }
    if (this.timer === undefined || this.timerDue > performance.now() + this.gapMs()) {
      this.schedule(Math.max(0, this.lastEnd + this.gapMs() - performance.now()))
    }
  }

  /**
   * Least time between two passes: a burst of submissions wakes the loop for each one, and
   * back-to-back passes would take the event loop from the API.
   */
  private gapMs(): number {
    return Math.min(100, this.options.tickMs ?? 500)
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
    }
    this.timerDue = performance.now() + ms
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.running = this.pass()
        .catch((error: unknown) => {
          this.options.log('error', 'reconcile pass failed', { error: String(error) })
        })
        .finally(() => {
          this.running = undefined
          this.lastEnd = performance.now()
          if (!this.stopped) {
            this.schedule(this.again ? this.gapMs() : (this.options.tickMs ?? 500))
            this.again = false
          }
        })
    }, ms)
  }

  /** Stops the loop after the pass in flight, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
    }
    await this.running
    if (this.state.scheduler !== undefined) {
      this.state.scheduler = undefined
      await this.options.store.releaseLease(leaseName, this.options.holder).catch(() => undefined)
    }
    this.noticeLeadership()
  }

  private noticeLeadership(): void {
    if (this.leader !== this.wasLeader) {
      this.wasLeader = this.leader
      this.state.observer?.leadership?.(this.leader)
    }
  }

  /** One pass: hold the lease, then reconcile. Exposed for tests. */
  async pass(): Promise<void> {
    try {
      await this.reconcile()
    } finally {
      this.noticeLeadership()
    }
  }

  private async reconcile(): Promise<void> {
    const { store, clock, holder } = this.options
    const state = this.state
    const leader = await store.tryLease(leaseName, holder, this.options.leaseTtlS ?? 6, clock())
    if (!leader) {
      if (state.scheduler !== undefined) {
        this.options.log('warn', 'lost the reconcile lease; another process runs the loop')
        state.scheduler = undefined
      }
      return
    }
    const version = await store.tenantsVersion()
    if (state.scheduler === undefined || version !== state.tenantsVersion) {
      try {
        await rebuild(state, version)
      } catch (error) {
        // half a rebuild (say, the backend went away mid-way) must not schedule: jobs it did
        // not adopt yet would look like free nodes. The next pass starts again from the store.
        state.scheduler = undefined
        throw error
      }
    }
    await readFeed(state)
    // better-sqlite3 answers synchronously: let waiting requests in between the phases
    await yieldToRequests()
    const silent = await store.markUnreachable(
      clock() - (this.options.heartbeatTimeoutS ?? 60),
      clock(),
    )
    for (const name of silent) {
      this.options.log('warn', `node ${name}: no agent heartbeat; cordoned`)
    }
    await readNodes(state)
    await tellDrains(state)
    await evacuate(state)
    await applyBackendEvents(state, await this.options.backend.poll())
    await releaseHolds(state)
    await yieldToRequests()
    await this.cycle()
  }

  /** A scheduling cycle: its decisions written and carried out, then the pending reasons that changed. */
  private async cycle(): Promise<void> {
    const state = this.state
    const scheduler = state.scheduler
    if (scheduler === undefined) {
      return
    }
    const now = this.options.clock()
    const started = performance.now()
    const result = scheduler.schedule(now)
    state.observer?.scheduled((performance.now() - started) / 1000, result.decisions.length)
    await applyDecisions(state, result.decisions, now)
    await yieldToRequests()
    const changed: { id: string; reason: string; message: string }[] = []
    for (const [id, reason] of result.pending) {
      const text = JSON.stringify(reason)
      if (state.reasons.get(id) !== text) {
        state.reasons.set(id, text)
        changed.push({ id, reason: text, message: reason.message })
      }
    }
    await this.options.store.setPendingReasons(changed, now)
  }
}
