import { Heap } from 'heap-js'
import { ZhisuanError, serviceAccelerators, type Cluster } from '@zhisuan/domain'
import type { Engine, EngineEffect, EngineJob } from '@zhisuan/engine'
import {
  checkpointPeriodS,
  episodeBlock,
  leafEpisodes,
  type LeafEpisodeModel,
  episodeLoss,
  episodeSlowdowns,
  failuresPerS,
  networkShareOf,
  pickCause,
  twinEngine,
} from './cluster-model.js'
import type { SimConfig, SimOutcome, Timeline } from './sim-config.js'
import type { SimJob } from './sim-job.js'
import { createRng } from './rng.js'
import { summarize } from './metrics.js'
import { UplinkPacer } from './uplinks.js'

type Event =
  | { readonly t: number; readonly seq: number; readonly kind: 'arrival'; readonly index: number }
  | {
      readonly t: number
      readonly seq: number
      readonly kind: 'complete'
      readonly id: string
      readonly run: number
    }
  | { readonly t: number; readonly seq: number; readonly kind: 'failure' }
  | { readonly t: number; readonly seq: number; readonly kind: 'repair'; readonly node: number }
  | { readonly t: number; readonly seq: number; readonly kind: 'episode' }
  | {
      readonly t: number
      readonly seq: number
      readonly kind: 'episode-end'
      readonly block: number
      readonly from: number
    }
  | { readonly t: number; readonly seq: number; readonly kind: 'cycle' }
  | { readonly t: number; readonly seq: number; readonly kind: 'node'; readonly index: number }
  | { readonly t: number; readonly seq: number; readonly kind: 'services' }

type Unsequenced<E> = E extends unknown ? Omit<E, 'seq'> : never

/**
 * Runs the twin: arrivals, scheduling cycles, completions, failures (a Poisson process over the
 * accelerators, categories by the model's mix), repairs, checkpoints and restarts, loss
 * episodes. The scheduler decides and the engine keeps the job lifecycle; this shell owns the
 * virtual clock, the event heap and the cluster model. Checkpoints are periodic within each run
 * and accounted in closed form (no event per checkpoint). Deterministic for a seed.
 */
export function simulate(cluster: Cluster, jobs: readonly SimJob[], config: SimConfig): SimOutcome {
  const { intervalS, stallS, restartS } = config.checkpoint
  if (typeof intervalS === 'number' && !(intervalS > stallS)) {
    throw new ZhisuanError(
      'invalid-input',
      `checkpoint interval (${intervalS} s) must exceed the stall (${stallS} s)`,
    )
  }
  if (!(stallS >= 0) || !(restartS >= 0)) {
    throw new ZhisuanError('invalid-input', 'checkpoint stall and restart must be ≥ 0 s')
  }
  return new Simulation(cluster, jobs, config).run()
}

/** One run of `simulate`: the event heap and the cluster model around the engine. */
class Simulation {
  private readonly engine: Engine
  private readonly pacer: UplinkPacer
  private readonly events = new Heap<Event>((a, b) => a.t - b.t || a.seq - b.seq)
  private seq = 0
  private readonly simJobs = new Map<string, SimJob>()
  private readonly families: string[]
  private readonly rng
  private readonly failureTimes
  private readonly failureNodes
  private readonly failureCauses
  private readonly episodes
  private readonly capacity: number
  private readonly failureRate: number
  private readonly episodeRate: number
  private readonly leafEpisodes: readonly LeafEpisodeModel[]
  private readonly horizon: number
  private now: number
  private processed = 0
  private allocatedArea = 0
  private lastT: number
  private finished = 0
  private failures = 0
  private readonly byCategory = new Map<string, number>()
  private arrived = 0
  private repairs = 0
  private readonly timeline: Timeline = { t: [], utilization: [], pending: [], failures: [] }
  private nextSample: number
  /** When the services' next event is queued (infinite when none is). */
  private servicesAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly cluster: Cluster,
    private readonly jobs: readonly SimJob[],
    private readonly config: SimConfig,
  ) {
    this.families = [...new Set(cluster.pools.map((p) => p.accelerator.family))]
    this.engine = twinEngine(cluster, config)
    this.pacer = new UplinkPacer(cluster.fabric, this.simJobs)
    this.rng = createRng(config.seed)
    this.failureTimes = this.rng.stream('failure-times')
    this.failureNodes = this.rng.stream('failure-accelerators')
    this.failureCauses = this.rng.stream('failure-causes')
    this.episodes = this.rng.stream('network-episodes')
    this.capacity = serviceAccelerators(cluster)
    // Failures strike every accelerator, spares included, so the rate is over all of them.
    this.failureRate = failuresPerS(config.failures, cluster.fabric.acceleratorCount)
    this.leafEpisodes = leafEpisodes(cluster.fabric.blocks.length, config.network)
    this.episodeRate = this.leafEpisodes.reduce((s, l) => s + l.perDay, 0) / 86_400
    const start = jobs[0]?.submitS ?? 0
    // Without a horizon: when every job has finished, or after ten simulated years for jobs that
    // never can (a gang larger than the healthy cluster, failures faster than checkpoints).
    this.horizon = start + (config.horizonS ?? 10 * 365 * 86_400)
    this.now = start
    this.lastT = start
    this.nextSample = config.timelineS === undefined ? Number.POSITIVE_INFINITY : start
  }

  private push(e: Unsequenced<Event>): void {
    this.events.push({ ...e, seq: this.seq++ })
  }

  private cycleAt(t: number | undefined): void {
    if (t !== undefined) {
      this.push({ t, kind: 'cycle' })
    }
  }

  private carryOut(effects: readonly EngineEffect[]): void {
    this.config.services?.observe(effects, this.now)
    this.scheduleServices()
    for (const e of effects) {
      if (e.kind === 'run') {
        this.push({ t: e.endsAt, kind: 'complete', id: e.jobId, run: e.run })
      }
    }
    // gangs that started, moved or stopped change what the others get of shared uplinks
    for (const [id, pace] of this.pacer.changed(effects)) {
      const effect = this.engine.repace(id, pace, this.now)
      if (effect?.kind === 'run') {
        this.push({ t: effect.endsAt, kind: 'complete', id: effect.jobId, run: effect.run })
      }
    }
  }

  /** Queues the services' next event when it comes before the one queued. */
  private scheduleServices(): void {
    const t = this.config.services?.nextT()
    const at = t === undefined ? t : Math.max(t, this.now)
    if (at !== undefined && at < this.servicesAt) {
      this.servicesAt = at
      this.push({ t: at, kind: 'services' })
    }
  }

  /** Whether the run goes on: jobs left to finish, or services still acting. */
  private more(): boolean {
    return this.finished < this.jobs.length || this.config.services?.nextT() !== undefined
  }

  /** Failures and loss episodes only matter while something runs or is still to come. */
  private active(): boolean {
    return this.arrived < this.jobs.length || this.engine.running > 0 || this.repairs > 0
  }

  run(): SimOutcome {
    const start = this.jobs[0]?.submitS ?? 0
    this.jobs.forEach((job, index) => {
      this.push({ t: job.submitS, kind: 'arrival', index })
    })
    if (this.failureRate > 0) {
      this.push({ t: start + this.failureTimes.exponential(this.failureRate), kind: 'failure' })
    }
    if (this.episodeRate > 0) {
      this.push({ t: start + this.episodes.exponential(this.episodeRate), kind: 'episode' })
    }
    this.config.nodeEvents?.forEach((e, index) => {
      this.push({ t: e.t, kind: 'node', index })
    })
    this.scheduleServices()
    while (this.events.size() > 0 && this.more()) {
      const e = this.events.pop()
      if (e === undefined) {
        break
      }
      if ((e.kind === 'failure' || e.kind === 'episode') && !this.active()) {
        continue // nothing left that it could hit: do not let it move the clock
      }
      if (e.t > this.horizon) {
        this.advance(this.horizon)
        break
      }
      this.advance(e.t)
      this.processed++
      if (this.processed % 50_000 === 0) {
        this.config.onProgress?.(this.now, this.processed)
      }
      const cycled = this.handle(e)
      this.config.observe?.(this.now, cycled, this.engine)
    }
    this.config.onProgress?.(this.now, this.processed)
    return this.outcome(start)
  }

  /** Moves the clock to `t`, integrating allocation and taking timeline samples on the way. */
  private advance(t: number): void {
    this.allocatedArea += this.engine.allocated * (t - this.lastT)
    this.lastT = t
    while (this.nextSample <= t) {
      this.timeline.t.push(this.nextSample)
      this.timeline.utilization.push(
        Math.round((this.engine.allocated / this.capacity) * 1e4) / 1e4,
      )
      this.timeline.pending.push(this.engine.scheduler.pending().length)
      this.timeline.failures.push(this.failures)
      this.nextSample += this.config.timelineS ?? Number.POSITIVE_INFINITY
    }
    this.now = t
  }

  /** Handles one event; true when a scheduling cycle ran. */
  private handle(e: Event): boolean {
    switch (e.kind) {
      case 'arrival':
        this.arrival(e.index)
        return false
      case 'complete': {
        const { effects, cycleAt } = this.engine.ended(e.id, e.run, this.now)
        if (effects.length > 0) {
          this.finished++
        }
        this.carryOut(effects)
        this.cycleAt(cycleAt)
        return false
      }
      case 'failure':
        this.failure()
        return false
      case 'repair':
        this.repairs--
        this.cycleAt(this.engine.nodeRepaired(e.node, this.now))
        return false
      case 'episode':
        this.episode()
        return false
      case 'episode-end':
        this.episodeEnd(e.block, e.from)
        return false
      case 'node':
        this.scripted(e.index)
        return false
      case 'services': {
        if (this.config.services === undefined || e.t !== this.servicesAt) {
          return false // superseded by an earlier one
        }
        this.servicesAt = Number.POSITIVE_INFINITY
        const { effects, cycleAt } = this.config.services.act(this.now, this.engine)
        this.carryOut(effects) // and queues the services' next event
        this.cycleAt(cycleAt)
        return false
      }
      case 'cycle': {
        const cycle = this.engine.cycle(e.t)
        this.carryOut(cycle.effects)
        this.cycleAt(cycle.wakeAt)
        if (cycle.ran) {
          this.config.onCycle?.(this.now, cycle, this.engine)
        }
        return cycle.ran
      }
    }
  }

  private arrival(index: number): void {
    this.arrived++
    const job = this.jobs[index]
    if (job === undefined) {
      return
    }
    this.simJobs.set(job.id, job)
    const engineJob: EngineJob = {
      spec: {
        id: job.id,
        tenant: job.tenant,
        queue: 'default',
        priority: job.priority ?? 0,
        replicas: job.replicas,
        acceleratorsPerReplica: job.perReplica,
        chips: { kind: 'families', families: this.families, ordered: false },
        archs: ['x86_64', 'aarch64'],
        submittedAt: job.submitS,
        ...(job.timeLimitS === undefined ? {} : { runtimeLimitS: job.timeLimitS }),
      },
      workS: job.workS,
      checkpoint: {
        intervalS: checkpointPeriodS(job, this.config),
        stallS: this.config.checkpoint.stallS,
      },
    }
    this.cycleAt(this.engine.submit(engineJob, this.now))
  }

  private failure(): void {
    this.failures++
    const fabric = this.cluster.fabric
    const node = fabric.acceleratorNode[this.failureNodes.below(fabric.acceleratorCount)] ?? 0
    const cause = pickCause(this.config.failures?.mix, this.failureCauses.uniform())
    this.byCategory.set(cause.name, (this.byCategory.get(cause.name) ?? 0) + 1)
    const repair = cause.repairHours > 0
    const healthy = this.engine.scheduler.state.nodes[node]?.health === 'healthy'
    const { effects, cycleAt } = this.engine.nodeFailed(node, repair, this.now)
    this.carryOut(effects)
    if (repair && healthy) {
      this.push({ t: this.now + cause.repairHours * 3600, kind: 'repair', node })
      this.repairs++
      this.cycleAt(cycleAt)
    }
    if (this.more() && this.active()) {
      this.push({ t: this.now + this.failureTimes.exponential(this.failureRate), kind: 'failure' })
    }
  }

  private scripted(index: number): void {
    const e = this.config.nodeEvents?.[index]
    if (e === undefined) {
      return
    }
    if (e.kind === 'fail' || e.kind === 'fault') {
      this.failures++
      this.byCategory.set('scripted', (this.byCategory.get('scripted') ?? 0) + 1)
      const { effects, cycleAt } = this.engine.nodeFailed(e.node, e.kind === 'fail', this.now)
      this.carryOut(effects)
      this.cycleAt(cycleAt)
    } else if (e.kind === 'drain') {
      const { effects, cycleAt } = this.engine.nodeDrained(e.node, e.evacuate === true, this.now)
      this.carryOut(effects)
      this.cycleAt(cycleAt)
    } else {
      this.cycleAt(this.engine.nodeRepaired(e.node, this.now))
    }
  }

  private episode(): void {
    const block = episodeBlock(this.leafEpisodes, this.config.network, this.episodes)
    this.push({
      t: this.now + (this.leafEpisodes[block]?.minutes ?? 0) * 60,
      kind: 'episode-end',
      block,
      from: this.now,
    })
    if (this.more() && this.active()) {
      this.push({ t: this.now + this.episodes.exponential(this.episodeRate), kind: 'episode' })
    }
  }

  /** Gangs that crossed the block's leaves during the episode lost part of that time. */
  private episodeEnd(blockIndex: number, from: number): void {
    const goodput = this.leafEpisodes[blockIndex]?.goodput ?? 1
    const slowed = episodeSlowdowns(
      this.engine,
      this.cluster.fabric,
      blockIndex,
      from,
      this.now,
      (id) => episodeLoss(goodput, networkShareOf(this.simJobs.get(id)), 1),
    )
    this.carryOut(slowed)
  }

  private outcome(start: number): SimOutcome {
    const services = this.config.services
    const accounts = this.engine.accounts().filter((a) => services?.owns(a.id) !== true)
    const summary = summarize({
      records: accounts,
      submitted: this.jobs.length,
      capacity: this.capacity,
      failureExposure: this.cluster.fabric.acceleratorCount,
      startS: start,
      endS: this.now,
      allocatedArea: this.allocatedArea,
      failures: this.failures,
      byCategory: this.byCategory,
      interruptions: accounts.reduce((s, a) => s + a.interruptions, 0),
      events: this.processed,
    })
    return {
      ...summary,
      ...(this.config.timelineS === undefined ? {} : { timeline: this.timeline }),
      ...(this.config.jobResults === true ? { accounts } : {}),
    }
  }
}
