import {
  ZhisuanError,
  type BackendEvent,
  type BackendNode,
  type BackendRun,
  type Catalog,
  type Cluster,
  type ExecutionBackend,
  type PlacedJob,
} from '@zhisuan/domain'
import type { Scheduler } from '@zhisuan/scheduler'
import type { JobRecord, NodeState, Store } from '@zhisuan/store'
import { clusterFamilies, schedulerSpec, type StoredSpec } from './job-spec.js'
import type { LoopObserver } from './reconcile-loop.js'

/** What a `Reconciler` runs against: the store, the backend, the cluster and the clock. */
export interface ReconcilerOptions {
  readonly store: Store
  readonly backend: ExecutionBackend
  readonly cluster: Cluster
  readonly catalog: Catalog
  /** Unix seconds. */
  readonly clock: () => number
  /** This process, as the lease names it. */
  readonly holder: string
  /**
   * Seconds a leader's lease lasts without renewal; default 6 (handover within 10 s). The loop
   * stops acting a little before its lease may have ended. 0 lets any other loop take it at once
   * and fences nothing (tests that hand the loop between two loops by hand).
   */
  readonly leaseTtlS?: number
  /** Milliseconds between loop passes; default 500. */
  readonly tickMs?: number
  /** Seconds without an agent report before a node that had one is unreachable; default 60. */
  readonly heartbeatTimeoutS?: number
  readonly log: (level: 'info' | 'warn' | 'error', message: string, detail?: object) => void
  /**
   * The cluster model of a backend that runs no real code (the twin), as the simulator's: seconds
   * a restarted attempt spends before its work resumes, and seconds each checkpoint stalls a job;
   * both default 0; and its speed, simulated seconds per wall second (the twin's `speed`), by
   * which the loop turns the wall time an attempt has run into the work it did (default 1).
   */
  readonly lifecycle?: {
    readonly restartS?: number
    readonly checkpointStallS?: number
    readonly speed?: number
  }
}

/**
 * A job whose launch the backend refused, kept out of the scheduler until `until` (unix s); see
 * launch-holds.ts.
 */
export interface LaunchHold {
  until: number
  failures: number
  /** Handed back to the scheduler once the wait ended. */
  released: boolean
}

/**
 * What the reconcile loop knows between passes, shared by its phases (rebuild, inputs, job
 * writes): the loop's scheduler and what it remembers beside it. The scheduler is there only
 * while this process holds the lease and its last rebuild went through.
 */
export interface LoopState {
  readonly options: ReconcilerOptions
  scheduler: Scheduler | undefined
  /** Node name to its index in the scheduler's nodes. */
  readonly nodeIndex: ReadonlyMap<string, number>
  /** Node names, in fabric order. */
  readonly nodeNames: readonly string[]
  /** The cluster's chip families, for jobs that take any. */
  readonly families: readonly string[]
  /** The last store event the feed took. */
  cursor: number
  /** The tenants (and quotas) the scheduler was built with: another version rebuilds it. */
  tenantsVersion: string
  /** When node states were last read (unix s). */
  nodesSeenAt: number
  /** Each pending job's reason as last written to the store (JSON). */
  readonly reasons: Map<string, string>
  readonly specs: Map<string, StoredSpec>
  /** Gangs to move off nodes drained with `evacuate`, in the order they were asked. */
  readonly evacuations: { jobId: string; node: string }[]
  /** Drain state the backend was last told, per node (`active`, or `drained:` + reason). */
  readonly drainTold: Map<string, string>
  /** Drains and resumes the backend still has to hear of (retried each pass until it has). */
  readonly drainsToTell: Map<string, NodeState>
  /**
   * Jobs whose launch the backend refused, kept out of the scheduler until `until` (unix s):
   * 5 s after the first refusal, doubling to 5 min, so a backend that refuses (Slurm's
   * partition down) is not asked again every pass. Handed back to the scheduler once when the
   * wait ends (`released`), forgotten on a launch that goes through or a cancel; a rebuild takes
   * them back from the jobs' pending reasons.
   */
  readonly launchHolds: Map<string, LaunchHold>
  observer: LoopObserver | undefined
}

/** Rows a page of the store's feed or job list holds at most. */
export const pageSize = 1000

/** Lets waiting requests in: better-sqlite3 answers synchronously, so a pass yields between its phases. */
export const yieldToRequests = (): Promise<void> =>
  new Promise<void>((resolve) => {
    setImmediate(resolve)
  })

/** A loop's state before its first pass: no scheduler, nothing read yet. */
export function newLoopState(options: ReconcilerOptions, nodeNames: readonly string[]): LoopState {
  return {
    options,
    scheduler: undefined,
    nodeIndex: new Map(nodeNames.map((name, i) => [name, i])),
    nodeNames,
    families: clusterFamilies(options.cluster),
    cursor: 0,
    tenantsVersion: '',
    nodesSeenAt: 0,
    reasons: new Map(),
    specs: new Map(),
    evacuations: [],
    drainTold: new Map(),
    drainsToTell: new Map(),
    launchHolds: new Map(),
    observer: undefined,
  }
}

/** The job's stored spec, read once and kept while the loop knows the job. */
export function specOf(state: LoopState, job: JobRecord): StoredSpec {
  let spec = state.specs.get(job.id)
  if (spec === undefined) {
    spec = job.spec as StoredSpec
    state.specs.set(job.id, spec)
  }
  return spec
}

/**
 * Hands a pending job to the scheduler, unless a launch hold keeps it out; a job the scheduler
 * knows already is left as it is.
 */
export function submitPending(state: LoopState, job: JobRecord): void {
  const scheduler = state.scheduler
  if (scheduler === undefined || job.state !== 'pending') {
    return
  }
  const hold = state.launchHolds.get(job.id)
  if (hold !== undefined && hold.until > state.options.clock()) {
    return // its last launch was refused: back in the scheduler when the hold ends
  }
  try {
    scheduler.submit(
      schedulerSpec(job.id, job.tenant, specOf(state, job), job.createdAt, state.families),
    )
  } catch (error) {
    // known already (pending or running): a repeated feed event, nothing to do
    if (error instanceof ZhisuanError && error.code === 'conflict') {
      return
    }
    state.options.log('warn', `scheduler refused ${job.id}`, { error: String(error) })
  }
}

/**
 * The store as the loop uses it: every call, its repositories' too, first asks `fence`, which
 * throws once this process may no longer hold the lease, so that a leader cut off from the store
 * writes nothing stale when its calls get through again.
 */
export function fenced<T extends object>(target: T, fence: () => void): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key)
      if (typeof value === 'function') {
        return (...args: unknown[]): unknown => {
          fence()
          return Reflect.apply(value, object, args)
        }
      }
      return typeof value === 'object' && value !== null ? fenced(value, fence) : value
    },
  })
}

/**
 * The backend as the loop uses it: each call asks `fence` first (no launch or cancel once the
 * lease may have ended), and what `poll` gave a pass that failed comes again with the next poll.
 * A backend's events are gone once polled, and a pass that loses the store half-way has not
 * written them all: the run that ended would stay running in the store, and the rebuild that
 * follows would launch it again.
 */
export class LoopBackend implements ExecutionBackend {
  /** Events polled in the pass under way. */
  private polled: BackendEvent[] = []
  /** Events a failed pass polled, for the next poll. */
  private again: BackendEvent[] = []

  constructor(
    private readonly backend: ExecutionBackend,
    private readonly fence: () => void,
  ) {}

  get name(): string {
    return this.backend.name
  }

  launch(job: PlacedJob): Promise<void> {
    this.fence()
    return this.backend.launch(job)
  }

  cancel(jobId: string): Promise<void> {
    this.fence()
    return this.backend.cancel(jobId)
  }

  runs(): Promise<readonly BackendRun[]> {
    this.fence()
    return this.backend.runs()
  }

  nodes(): Promise<readonly BackendNode[]> {
    this.fence()
    return this.backend.nodes()
  }

  setDrain(node: string, drain: boolean, reason: string): Promise<void> {
    this.fence()
    return this.backend.setDrain(node, drain, reason)
  }

  async poll(): Promise<readonly BackendEvent[]> {
    this.fence()
    const events = [...this.again, ...(await this.backend.poll())]
    this.again = []
    this.polled.push(...events)
    return events
  }

  /** The pass went through: what it polled is in the store. */
  passed(): void {
    this.polled = []
  }

  /** The pass failed: what it polled comes again, in the order it came. */
  failed(): void {
    this.again = [...this.polled, ...this.again]
    this.polled = []
  }

  close(): Promise<void> {
    return this.backend.close()
  }
}
