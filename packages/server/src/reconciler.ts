import { ZhisuanError, type Catalog, type Cluster } from '@zhisuan/domain'
import { Scheduler } from '@zhisuan/scheduler'
import { lifecycleDefaults } from '@zhisuan/engine'
import { storeUnavailable } from './errors.js'
import { applyDecisions } from './job-writes.js'
import { releaseHolds } from './launch-holds.js'
import {
  LoopBackend,
  fenced,
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
  readFabric,
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
 * Most seconds between two tries of a failing pass (less when a third of the lease is less): an
 * ESTIMATE, as long as a 503 asks clients to wait (`retryAfterS`).
 */
const maxRetryS = 5

/** Failed passes in a row between two log lines about them, after the first (an ESTIMATE). */
const failuresPerLog = 20

/**
 * The reconcile loop: new and cancelled jobs, node changes and backend events go to the
 * scheduler; its decisions go to the store (one transaction per job change, with its events)
 * and then to the backend. Level-triggered and idempotent: after a crash (or when another
 * process takes the lease) it rebuilds the scheduler from the store, adopts what the backend
 * runs, launches what the store says should run and the backend lacks, and stops what the
 * backend runs that should not. Only the holder of the lease runs it.
 *
 * The lease fences the leader: it renews it each pass (and every third of its life during a long
 * pass), and a little before it may have ended the loop's store and backend refuse every call,
 * so a leader cut off from the store (a cut network, a stalled pass) acts no more once another
 * process may have taken over. A failed pass (the store or the backend gone half-way) drops the
 * scheduler: the next one rebuilds it from the store, after a wait that doubles from `tickMs` to
 * at most 5 s (a third of the lease, so a leader whose store is fine keeps its lease while the
 * backend is away). What it polled from the backend comes again (see `LoopBackend`).
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
  /** Whether the last pass ended holding the lease with a scheduler (what `leader` says). */
  private leading = false
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = true
  private again = false
  private timerDue = 0
  private lastEnd = 0
  /** The loop's view of the backend: fenced, and keeping a failed pass's events. */
  private readonly backend: LoopBackend
  /** When (performance.now(), ms) the renewal of the lease held now was sent. */
  private leaseSentAt = Number.NEGATIVE_INFINITY
  /** A renewal in flight, sent during a long pass. */
  private renewal: Promise<void> | undefined
  /** Failed passes in a row, and when the first of them failed (performance.now(), ms). */
  private failures = 0
  private failingSince = 0

  constructor(private readonly options: ReconcilerOptions) {
    this.nodeList = nodeListOf(options.cluster, options.catalog)
    const fence = () => {
      this.fence()
    }
    this.backend = new LoopBackend(options.backend, fence)
    this.state = newLoopState(
      { ...options, store: fenced(options.store, fence), backend: this.backend },
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
    // as of the last pass's end, as the loop's thread reports it: not half-way through a rebuild
    return this.leading
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
        .then(
          () => {
            this.passed()
          },
          (error: unknown) => {
            this.failed(error)
          },
        )
        .finally(() => {
          this.running = undefined
          this.lastEnd = performance.now()
          if (!this.stopped) {
            const tickMs = this.options.tickMs ?? 500
            this.schedule(this.failures > 0 ? this.retryMs() : this.again ? this.gapMs() : tickMs)
            this.again = false
          }
        })
    }, ms)
  }

  /** The wait before the next try of a failing pass: from `tickMs`, doubling, to its cap. */
  private retryMs(): number {
    const ttlS = this.ttlS()
    const capMs = 1000 * (ttlS > 0 ? Math.min(maxRetryS, ttlS / 3) : maxRetryS)
    return Math.min(capMs, (this.options.tickMs ?? 500) * 2 ** Math.min(this.failures - 1, 16))
  }

  private failed(error: unknown): void {
    this.failures++
    if (this.failures === 1) {
      this.failingSince = performance.now()
    }
    if (this.failures % failuresPerLog !== 1) {
      return
    }
    const detail = { error: String(error), failures: this.failures, retryInMs: this.retryMs() }
    const message =
      error instanceof ZhisuanError && error.code === 'unavailable'
        ? `the reconcile loop waits: ${error.message}`
        : storeUnavailable(error)
          ? 'the store is unreachable; the reconcile loop waits'
          : 'reconcile pass failed; the loop tries again'
    this.options.log('error', message, detail)
  }

  private passed(): void {
    if (this.failures > 0) {
      const s = ((performance.now() - this.failingSince) / 1000).toFixed(1)
      this.options.log(
        'warn',
        `the reconcile loop runs again after ${this.failures} failed passes (${s} s)`,
      )
      this.failures = 0
    }
  }

  /** Stops the loop after the pass in flight, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
    }
    await this.running
    await this.renewal
    if (this.state.scheduler !== undefined || this.leaseSentAt > Number.NEGATIVE_INFINITY) {
      this.state.scheduler = undefined
      this.leaseSentAt = Number.NEGATIVE_INFINITY
      await this.options.store.releaseLease(leaseName, this.options.holder).catch(() => undefined)
    }
    this.noticeLeadership()
  }

  private noticeLeadership(): void {
    const leader = this.state.scheduler !== undefined
    if (leader !== this.leading) {
      this.leading = leader
      this.state.observer?.leadership?.(leader)
    }
  }

  /**
   * One pass: hold the lease, then reconcile. Exposed for tests.
   * @throws what the store or the backend threw; the next pass rebuilds from the store.
   */
  async pass(): Promise<void> {
    // a long pass (a backend slow to answer) keeps its lease while the store answers
    const ttlMs = this.ttlS() * 1000
    const keepLease =
      ttlMs > 0
        ? setInterval(() => {
            this.renewSoon()
          }, ttlMs / 3)
        : undefined
    try {
      await this.reconcile()
      this.backend.passed()
    } catch (error) {
      // A pass that failed half-way leaves the scheduler unlike the store (a decision taken,
      // its write lost), and half a rebuild must not schedule: jobs it did not adopt yet would
      // look like free nodes. The next pass starts again from the store.
      this.state.scheduler = undefined
      this.backend.failed()
      throw error
    } finally {
      clearInterval(keepLease)
      this.noticeLeadership()
    }
  }

  private ttlS(): number {
    return this.options.leaseTtlS ?? 6
  }

  /** Whether a lease renewed at `sentAt` (performance.now(), ms) may have ended by `at`. */
  private leaseEnded(sentAt: number, at: number): boolean {
    const ttlS = this.ttlS()
    // a little early: the lease's end in the store is by another host's clock
    return ttlS > 0 && (at - sentAt) / 1000 >= ttlS - Math.min(1, ttlS / 4)
  }

  /**
   * Asked before each call of the loop to the store or the backend.
   * @throws ZhisuanError `unavailable` once the lease may have ended.
   */
  private fence(): void {
    if (this.leaseEnded(this.leaseSentAt, performance.now())) {
      throw new ZhisuanError(
        'unavailable',
        'the reconcile lease may have ended (not renewed in time): this process stops acting until it holds it again',
      )
    }
  }

  /** Renews the lease on the side, during a pass (unless a renewal is under way). */
  private renewSoon(): void {
    if (this.renewal !== undefined || this.stopped) {
      return
    }
    const { store, holder, clock } = this.options
    const sentAt = performance.now()
    const held = this.leaseSentAt
    this.renewal = store
      .tryLease(leaseName, holder, this.ttlS(), clock())
      .then(
        (renewed) => {
          // held without a gap, or not at all: a lease taken again after it ended is the next
          // pass's to notice (it rebuilds)
          if (!renewed) {
            this.leaseSentAt = Number.NEGATIVE_INFINITY
          } else if (this.leaseSentAt === held && !this.leaseEnded(held, sentAt)) {
            this.leaseSentAt = sentAt
          }
        },
        () => undefined, // the store is away: the lease runs out, and the fence says so
      )
      .finally(() => {
        this.renewal = undefined
      })
  }

  /** Takes or renews the lease; false when another process holds it. */
  private async holdLease(): Promise<boolean> {
    const { store, clock, holder } = this.options
    const state = this.state
    const sentAt = performance.now()
    if (!(await store.tryLease(leaseName, holder, this.ttlS(), clock()))) {
      this.leaseSentAt = Number.NEGATIVE_INFINITY
      if (state.scheduler !== undefined) {
        this.options.log('warn', 'lost the reconcile lease; another process runs the loop')
        state.scheduler = undefined
      }
      return false
    }
    if (state.scheduler !== undefined && this.leaseEnded(this.leaseSentAt, sentAt)) {
      // another process may have led in between: what this one knows may be stale
      this.options.log('warn', 'the reconcile lease ran out between two passes; rebuilding')
      state.scheduler = undefined
    }
    this.leaseSentAt = sentAt
    return true
  }

  private async reconcile(): Promise<void> {
    const { clock } = this.options
    const { store, backend } = this.state.options
    const state = this.state
    if (!(await this.holdLease())) {
      return
    }
    const version = await store.tenantsVersion()
    if (state.scheduler === undefined || version !== state.tenantsVersion) {
      await rebuild(state, version)
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
    await readFabric(state)
    await tellDrains(state)
    await evacuate(state)
    await applyBackendEvents(state, await backend.poll())
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
    await this.state.options.store.setPendingReasons(changed, now)
  }
}
