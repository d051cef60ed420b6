import {
  ZhisuanError,
  type BackendEvent,
  type BackendNode,
  type BackendRun,
  type ExecutionBackend,
  type PlacedJob,
} from '@zhisuan/domain'
import { wallSecondsFor } from '@zhisuan/engine'
import { pickCause } from './cluster-model.js'
import type { FailureCategory } from './failures.js'
import { createRng } from './rng.js'

/** One run of the twin as its journal keeps it. Times are Unix seconds. */
export interface TwinRun {
  readonly jobId: string
  readonly attempt: number
  readonly nodes: readonly string[]
  readonly startedAt: number
  /** When the run ends on its own: start + (restart delay + remaining work with its checkpoint stalls) / speed. */
  readonly endsAt: number
}

/**
 * Where the twin keeps its runs, so that a control plane killed and restarted finds the twin's
 * cluster as it left it (the server keeps them in its store).
 */
export interface TwinJournal {
  load(): Promise<readonly TwinRun[]>
  put(run: TwinRun): Promise<void>
  remove(jobId: string): Promise<void>
}

/** A journal in memory, for tests and throwaway twins. */
export function memoryJournal(): TwinJournal & { readonly runs: Map<string, TwinRun> } {
  const runs = new Map<string, TwinRun>()
  return {
    runs,
    load: () => Promise.resolve([...runs.values()]),
    put: (run) => {
      runs.set(run.jobId, run)
      return Promise.resolve()
    },
    remove: (jobId) => {
      runs.delete(jobId)
      return Promise.resolve()
    },
  }
}

export interface TwinBackendOptions {
  /** Node names of the simulated cluster. */
  readonly nodes: readonly string[]
  /** Wall clock, Unix seconds (the server passes the real one; tests a fake). */
  readonly clock: () => number
  readonly journal: TwinJournal
  /** Simulated seconds per wall second: a job of `durationS` runs `durationS / speed`; default 1. */
  readonly speed?: number
  /** Random node failures per 1,000 accelerators per day (of simulated time); default none. */
  readonly failuresPer1000PerDay?: number
  readonly acceleratorsPerNode?: number
  /** Simulated seconds a failed node stays in repair; default 4 h. */
  readonly repairS?: number
  /**
   * Causes of the random failures, as the simulator draws them (a preset's mix): a cause with
   * repair hours takes the node out for that long; one without is a software fault, and the runs
   * on the node restart from their last checkpoint while it stays in service. Absent: every
   * failure takes its node out for `repairS`.
   */
  readonly failureMix?: readonly FailureCategory[]
  readonly seed?: number
}

/**
 * The twin backend: the control plane's jobs "run" on a simulated cluster on a wall clock. A
 * launched gang finishes after its restart delay and its remaining work with checkpoint stalls,
 * computed as the simulator does (sped up by `speed`); nodes fail at a configured
 * rate, or when told to, and come back after repair. Runs live in a journal so a restarted
 * control plane adopts them instead of launching them again.
 */
export class TwinBackend implements ExecutionBackend {
  readonly name = 'twin'
  private readonly runsById = new Map<string, TwinRun>()
  private readonly health = new Map<string, 'healthy' | 'failed'>()
  private readonly repairs = new Map<string, number>()
  private readonly queued: BackendEvent[] = []
  private readonly speed: number
  private nextFailureAt = Number.POSITIVE_INFINITY
  private readonly failureStream
  private readonly causeStream

  private constructor(private readonly options: TwinBackendOptions) {
    this.speed = options.speed ?? 1
    if (!(this.speed > 0)) {
      throw new ZhisuanError('invalid-input', `twin speed must be > 0, got ${this.speed}`)
    }
    for (const n of options.nodes) {
      this.health.set(n, 'healthy')
    }
    const rng = createRng(options.seed ?? 1)
    this.failureStream = rng.stream('twin-node-failures')
    this.causeStream = rng.stream('twin-failure-causes')
    this.scheduleFailure(options.clock())
  }

  /** Opens a twin over its journal: runs found there go on as if nothing had happened. */
  static async open(options: TwinBackendOptions): Promise<TwinBackend> {
    const twin = new TwinBackend(options)
    for (const run of await options.journal.load()) {
      twin.runsById.set(run.jobId, run)
    }
    return twin
  }

  /** Failures per wall second over the whole cluster. */
  private failureRate(): number {
    const per = this.options.failuresPer1000PerDay ?? 0
    const accelerators = this.options.nodes.length * (this.options.acceleratorsPerNode ?? 8)
    return ((per / 1000) * accelerators * this.speed) / 86_400
  }

  private scheduleFailure(from: number): void {
    const rate = this.failureRate()
    this.nextFailureAt =
      rate > 0 ? from + this.failureStream.exponential(rate) : Number.POSITIVE_INFINITY
  }

  async launch(job: PlacedJob): Promise<void> {
    const known = this.runsById.get(job.jobId)
    if (known !== undefined && known.attempt >= job.attempt) {
      return // launched already: a retried launch does nothing
    }
    const unknown = job.nodes.find((n) => !this.health.has(n))
    if (unknown !== undefined) {
      throw new ZhisuanError('invalid-input', `twin has no node ${unknown}`)
    }
    const now = this.options.clock()
    // the cluster model the simulator runs: restart delay, then the work with its stalls
    const remaining = Math.max(0, job.durationS - job.doneS)
    const plan = job.checkpoint ?? { intervalS: Number.POSITIVE_INFINITY, stallS: 0 }
    const wall = (job.startDelayS ?? 0) + wallSecondsFor(remaining, 1, plan)
    const run: TwinRun = {
      jobId: job.jobId,
      attempt: job.attempt,
      nodes: [...job.nodes],
      startedAt: now,
      endsAt: now + wall / this.speed,
    }
    await this.options.journal.put(run)
    this.runsById.set(job.jobId, run)
    // a gang launched onto a node that is down fails at once, as a real launch would
    const down = job.nodes.find((n) => this.health.get(n) === 'failed')
    if (down !== undefined) {
      await this.end(run, now, false, `node ${down} is down`)
    }
  }

  async cancel(jobId: string): Promise<void> {
    if (this.runsById.delete(jobId)) {
      await this.options.journal.remove(jobId)
    }
  }

  runs(): Promise<readonly BackendRun[]> {
    return Promise.resolve(
      [...this.runsById.values()].map((r) => ({
        jobId: r.jobId,
        attempt: r.attempt,
        nodes: r.nodes,
        startedAt: r.startedAt,
      })),
    )
  }

  nodes(): Promise<readonly BackendNode[]> {
    return Promise.resolve(
      this.options.nodes.map((name) => ({ name, health: this.health.get(name) ?? 'healthy' })),
    )
  }

  setDrain(node: string): Promise<void> {
    // The twin has no node daemons to tell: a drain is the scheduler's business alone.
    if (!this.health.has(node)) {
      return Promise.reject(new ZhisuanError('not-found', `twin has no node ${node}`))
    }
    return Promise.resolve()
  }

  /**
   * Fails a node now (an operator's chaos test, or the random failure process): the runs on it
   * end as failed and it comes back after the repair time.
   */
  async failNode(
    node: string,
    reason = 'injected failure',
    repairS = this.options.repairS ?? 4 * 3600,
  ): Promise<void> {
    if (!this.health.has(node)) {
      throw new ZhisuanError('not-found', `twin has no node ${node}`)
    }
    const now = this.options.clock()
    if (this.health.get(node) === 'failed') {
      return
    }
    this.health.set(node, 'failed')
    this.repairs.set(node, now + repairS / this.speed)
    this.queued.push({ kind: 'node-health', node, health: 'failed', at: now, reason })
    for (const run of [...this.runsById.values()]) {
      if (run.nodes.includes(node)) {
        await this.end(run, now, false, `node ${node} failed: ${reason}`)
      }
    }
  }

  /**
   * A software fault on a node (an operator's chaos test, or the random failure process): the
   * runs on it end as failed but restartable, and the node stays in service.
   */
  async faultNode(node: string, reason = 'injected software fault'): Promise<void> {
    if (!this.health.has(node)) {
      throw new ZhisuanError('not-found', `twin has no node ${node}`)
    }
    const now = this.options.clock()
    for (const run of [...this.runsById.values()]) {
      if (run.nodes.includes(node)) {
        await this.end(run, now, false, `software fault on ${node}: ${reason}`, true)
      }
    }
  }

  private async end(
    run: TwinRun,
    at: number,
    ok: boolean,
    message: string,
    restartable = false,
  ): Promise<void> {
    this.runsById.delete(run.jobId)
    await this.options.journal.remove(run.jobId)
    this.queued.push({
      kind: 'job-finished',
      jobId: run.jobId,
      attempt: run.attempt,
      at,
      ok,
      message,
      ...(restartable ? { restartable } : {}),
    })
  }

  async poll(): Promise<readonly BackendEvent[]> {
    const now = this.options.clock()
    while (this.nextFailureAt <= now) {
      const at = this.nextFailureAt
      const node = this.options.nodes[this.failureStream.below(this.options.nodes.length)]
      const mix = this.options.failureMix
      if (node !== undefined && mix === undefined) {
        await this.failNode(node, 'random failure (twin failure process)')
      } else if (node !== undefined && mix !== undefined) {
        const cause = pickCause(mix, this.causeStream.uniform())
        if (cause.repairHours > 0) {
          await this.failNode(
            node,
            `${cause.name} (twin failure process)`,
            cause.repairHours * 3600,
          )
        } else {
          await this.faultNode(node, `${cause.name} (twin failure process)`)
        }
      }
      this.scheduleFailure(at)
    }
    for (const [node, until] of [...this.repairs]) {
      if (until <= now) {
        this.repairs.delete(node)
        this.health.set(node, 'healthy')
        this.queued.push({
          kind: 'node-health',
          node,
          health: 'healthy',
          at: until,
          reason: 'repaired',
        })
      }
    }
    const done = [...this.runsById.values()]
      .filter((r) => r.endsAt <= now)
      .sort((a, b) => a.endsAt - b.endsAt || (a.jobId < b.jobId ? -1 : 1))
    for (const run of done) {
      await this.end(run, run.endsAt, true, 'completed')
    }
    return this.queued.splice(0, this.queued.length)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}
