import type { Tier } from '@zhisuan/domain'
import { Scheduler, type Decision } from '@zhisuan/scheduler'
import { CycleTimer } from './cycle-timer.js'
import { lifecycleDefaults } from './defaults.js'
import type {
  CycleOutcome,
  EngineEffect,
  EngineJob,
  EngineOptions,
  InterruptCause,
} from './engine-types.js'
import { deeperTier, type JobAccount } from './job-account.js'
import { newLive, realizeContention, settle, startRun, type Live } from './live-job.js'
import { placeableNow } from './placeable-now.js'

/**
 * The job lifecycle, pure and synchronous: jobs, node changes, run ends and time in; the
 * scheduler's decisions turned into job changes with their accounting (attempts, kept and lost
 * work, restarts) out. The simulator runs on it; the server's reconcile loop writes the same
 * changes to its store with the same accounting (`keptWork`, `wallSecondsFor` through the twin),
 * and the conformance suite holds the two to the same jobs, nodes and times.
 */
export class Engine {
  readonly scheduler: Scheduler
  private readonly jobs = new Map<string, Live>()
  private readonly timer: CycleTimer
  private runningCount = 0
  private allocatedCount = 0

  constructor(private readonly options: EngineOptions) {
    this.scheduler = new Scheduler(options.cluster, options.catalog, options.scheduler)
    this.timer = new CycleTimer(options.cycleS ?? lifecycleDefaults.cycleS, options.cycleGrid)
  }

  /** Jobs running now. */
  get running(): number {
    return this.runningCount
  }

  /** Accelerators held by running jobs now. */
  get allocated(): number {
    return this.allocatedCount
  }

  /** When the next cycle is due (infinite when none is). */
  get nextCycleAt(): number {
    return this.timer.nextAt
  }

  /** The job's account: where it ran, its attempts, what it lost. */
  account(jobId: string): JobAccount | undefined {
    return this.jobs.get(jobId)?.account
  }

  /** Every job's account, in submission order. */
  accounts(): JobAccount[] {
    return [...this.jobs.values()].map((s) => s.account)
  }

  /** The current run of a running job: its clock, for a shell that slows it. */
  runOf(jobId: string):
    | {
        readonly startedAt: number
        readonly delayS: number
        /** When its work began, after detection and restart (slowdowns not counted). */
        readonly workFrom: number
        readonly slowedUntil: number
      }
    | undefined {
    const s = this.jobs.get(jobId)
    return s?.running === true ? s : undefined
  }

  /**
   * Queues a job. Returns the time of the cycle the shell must schedule, if one is not due
   * sooner already.
   */
  submit(job: EngineJob, now: number): number | undefined {
    this.scheduler.submit(job.spec)
    this.jobs.set(job.spec.id, newLive(job, now))
    return this.timer.changed(now)
  }

  /** Asks for a cycle after a change the engine did not see (a repair); its time, as `submit`. */
  changed(now: number): number | undefined {
    return this.timer.changed(now)
  }

  /** Runs a scheduling cycle if one scheduled for `t` is still due. */
  cycle(t: number): CycleOutcome {
    if (!this.timer.take(t)) {
      return {
        ran: false,
        decisions: [],
        seconds: 0,
        effects: [],
        pending: new Map(),
        wakeAt: undefined,
      }
    }
    const started = this.options.timer?.() ?? 0
    const result = this.scheduler.schedule(t)
    const seconds = ((this.options.timer?.() ?? 0) - started) / 1000
    const effects: EngineEffect[] = []
    this.apply(result.decisions, t, effects)
    let wake = Number.POSITIVE_INFINITY
    for (const reason of result.pending.values()) {
      // a reservation's start, or when a gang waiting for a better placement takes what is free
      if (
        (reason.kind === 'waiting-for-reservation' || reason.kind === 'waiting-for-placement') &&
        reason.until > t
      ) {
        wake = Math.min(wake, reason.until)
      }
    }
    const wakeAt = Number.isFinite(wake)
      ? this.timer.at(Math.max(wake, t + this.timer.periodS))
      : undefined
    return {
      ran: true,
      decisions: result.decisions,
      seconds,
      effects,
      pending: result.pending,
      wakeAt,
    }
  }

  /**
   * A run reached its end. A stale run (the job moved, restarted or slowed since) does nothing.
   * Returns the effects and the cycle to schedule.
   */
  ended(
    jobId: string,
    run: number,
    now: number,
  ): { readonly effects: EngineEffect[]; readonly cycleAt: number | undefined } {
    const s = this.jobs.get(jobId)
    if (s === undefined || !s.running || s.run !== run) {
      return { effects: [], cycleAt: undefined }
    }
    realizeContention(s, now)
    s.running = false
    s.account.state = 'finished'
    s.account.endS = now
    this.runningCount--
    this.allocatedCount -= s.accelerators
    this.scheduler.remove(jobId)
    return { effects: [{ kind: 'finished', jobId }], cycleAt: this.timer.changed(now) }
  }

  /**
   * Stops a job before its work is done (a service scaled down, a job cancelled): a running gang
   * gives its nodes back, a pending one leaves the queue; either way it is finished, and a run of
   * it still in flight no longer ends. Returns the effects and the cycle to schedule; nothing for
   * a job that is unknown or already finished.
   */
  stop(
    jobId: string,
    now: number,
  ): { readonly effects: EngineEffect[]; readonly cycleAt: number | undefined } {
    const s = this.jobs.get(jobId)
    if (s === undefined || s.account.state === 'finished') {
      return { effects: [], cycleAt: undefined }
    }
    if (s.running) {
      realizeContention(s, now)
      s.running = false
      s.run++
      this.runningCount--
      this.allocatedCount -= s.accelerators
    }
    s.account.state = 'finished'
    s.account.endS = now
    this.scheduler.remove(jobId)
    return { effects: [{ kind: 'finished', jobId }], cycleAt: this.timer.changed(now) }
  }

  /** Gangs running on a node now, in the scheduler's order. */
  gangsOn(node: number): string[] {
    return this.scheduler
      .running()
      .filter((r) => r.nodes.includes(node))
      .map((r) => r.spec.id)
  }

  /**
   * A node broke. With `repair`, it leaves service: its gangs move to a replacement node or go
   * back to the queue with what their checkpoints kept (a gang sent back owes the detection time
   * at its next start). Without, a software fault: its gangs restart in place from their last
   * checkpoint. Every gang hit counts an interruption.
   */
  nodeFailed(
    node: number,
    repair: boolean,
    now: number,
  ): { readonly effects: EngineEffect[]; readonly cycleAt: number | undefined } {
    const hit = this.gangsOn(node)
    const effects: EngineEffect[] = []
    for (const id of hit) {
      const s = this.jobs.get(id)
      if (s !== undefined) {
        s.account.interruptions++
      }
    }
    const detection = this.options.detectionS
    if (!repair) {
      for (const id of hit) {
        const s = this.jobs.get(id)
        if (s?.running === true) {
          this.restart(s, 'software', now, detection, effects)
        }
      }
      return { effects, cycleAt: undefined }
    }
    if (this.scheduler.state.nodes[node]?.health !== 'healthy') {
      return { effects, cycleAt: undefined }
    }
    const decisions = this.scheduler.setNodeHealth(node, 'failed', now)
    for (const id of hit) {
      const d = decisions.find((x) => x.kind === 'replace' && x.jobId === id)
      const s = this.jobs.get(id)
      if (d?.kind === 'replace' && d.replacement !== null && s !== undefined) {
        s.account.tier = deeperTier(s.account.tier, d.tier)
        this.restart(s, 'failed', now, detection, effects)
      }
    }
    this.apply(
      decisions.filter((d) => d.kind === 'replace' && d.replacement === null),
      now,
      effects,
    )
    return { effects, cycleAt: this.timer.changed(now) }
  }

  /**
   * An operator drained a node: nothing new lands there. With `evacuate`, its gangs move now: to
   * a replacement (restarting from their last checkpoint) or back to the queue; without, they
   * finish where they are.
   */
  nodeDrained(
    node: number,
    evacuate: boolean,
    now: number,
  ): { readonly effects: EngineEffect[]; readonly cycleAt: number | undefined } {
    const effects: EngineEffect[] = []
    const health = this.scheduler.state.nodes[node]?.health
    if (health === 'healthy' || health === 'degraded') {
      this.scheduler.setNodeHealth(node, 'draining', now)
    }
    if (evacuate) {
      for (const id of this.gangsOn(node)) {
        const d = this.scheduler.evacuate(id, node, now)
        const s = this.jobs.get(id)
        if (d?.kind !== 'replace' || s === undefined) {
          continue
        }
        if (d.replacement === null) {
          this.requeue(s, 'evacuated', now, effects)
        } else {
          s.account.tier = deeperTier(s.account.tier, d.tier)
          this.restart(s, 'evacuated', now, 0, effects)
        }
      }
    }
    return { effects, cycleAt: this.timer.changed(now) }
  }

  /** A node is back in service (repaired, or resumed after a drain). Returns the cycle to schedule. */
  nodeRepaired(node: number, now: number): number | undefined {
    this.scheduler.setNodeHealth(node, 'healthy', now)
    return this.timer.changed(now)
  }

  /**
   * A running job lost `lostS` of wall time up to `now` (a loss episode on its network): its run
   * ends that much later.
   */
  slowed(jobId: string, lostS: number, now: number): EngineEffect | undefined {
    const s = this.jobs.get(jobId)
    if (s?.running !== true) {
      return undefined
    }
    s.delayS += lostS
    s.endsAt += lostS
    s.slowedUntil = now
    s.run++
    return { kind: 'run', jobId, run: s.run, endsAt: s.endsAt }
  }

  /**
   * A running job's pace on the fabric changed at `now` (other gangs started or ended on the
   * uplinks it shares): from now on each second of its work takes `contention` wall seconds
   * (≥ 1) until the next change. What it lost before now is charged as delay; its end moves.
   */
  repace(jobId: string, contention: number, now: number): EngineEffect | undefined {
    const s = this.jobs.get(jobId)
    if (s?.running !== true || !(contention >= 1) || contention === s.contention) {
      return undefined
    }
    realizeContention(s, now)
    const workFrom = Math.max(now, s.contentionFrom)
    const baseWallS = Math.max(0, s.endsAt - workFrom) / s.contention
    s.contention = contention
    s.endsAt = workFrom + baseWallS * contention
    s.run++
    return { kind: 'run', jobId, run: s.run, endsAt: s.endsAt }
  }

  /**
   * Ids of pending jobs that a cycle now would place on free nodes (no preemption): an audit of
   * work conservation that does not touch this engine's state (see `placeableNow`).
   */
  placeableNow(now: number): string[] {
    return placeableNow(this.options, this.scheduler, now)
  }

  private apply(decisions: readonly Decision[], now: number, effects: EngineEffect[]): void {
    for (const d of decisions) {
      const s = this.jobs.get(d.jobId)
      if (s === undefined) {
        continue
      }
      if (d.kind === 'place') {
        this.place(s, d.nodes, d.score.tier, now, effects)
      } else if ((d.kind === 'replace' && d.replacement === null) || d.kind === 'preempt') {
        const cause = d.kind === 'preempt' ? 'preempted' : (d.cause ?? 'failed')
        this.requeue(s, cause, now, effects)
      }
    }
  }

  private place(
    s: Live,
    nodes: readonly number[],
    tier: Tier,
    now: number,
    effects: EngineEffect[],
  ): void {
    const restart = s.account.firstStartS !== undefined
    s.account.firstStartS ??= now
    s.account.state = 'running'
    s.account.nodes = nodes
    s.account.tier = deeperTier(s.account.tier, tier)
    s.running = true
    this.runningCount++
    this.allocatedCount += s.accelerators
    effects.push({ kind: 'placed', jobId: s.job.spec.id, nodes, restart })
    startRun(s, now, restart ? this.options.restartS + s.owedS : 0, effects)
    s.owedS = 0
  }

  /** Back in the queue with what its checkpoints kept. */
  private requeue(s: Live, cause: InterruptCause, now: number, effects: EngineEffect[]): void {
    const { keptS, lostAcceleratorS } = settle(s, now)
    s.running = false
    s.account.state = 'pending'
    s.account.restarts++
    this.runningCount--
    s.run++
    this.allocatedCount -= s.accelerators
    // a gang sent back by a failure still owes the time it took to notice it
    s.owedS = cause === 'failed' ? this.options.detectionS : 0
    effects.push({ kind: 'requeued', jobId: s.job.spec.id, cause, keptS, lostAcceleratorS })
  }

  /** Restarts a running job from its last checkpoint, where the scheduler now has it. */
  private restart(
    s: Live,
    cause: InterruptCause,
    now: number,
    detectionS: number,
    effects: EngineEffect[],
  ): void {
    const { keptS, lostAcceleratorS } = settle(s, now)
    s.account.restarts++
    if (cause !== 'software') {
      const gang = this.scheduler.running().find((r) => r.spec.id === s.job.spec.id)
      s.account.nodes = gang?.nodes ?? []
    }
    const jobId = s.job.spec.id
    effects.push({
      kind: 'restarted',
      jobId,
      nodes: s.account.nodes,
      cause,
      keptS,
      lostAcceleratorS,
    })
    startRun(s, now, detectionS + this.options.restartS, effects)
  }
}
