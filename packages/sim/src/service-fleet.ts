import {
  ZhisuanError,
  defaultServicePriority,
  type Cluster,
  type Pool,
  type ServiceSpec,
} from '@zhisuan/domain'
import { nextReplicas, wantedReplicas, type Engine, type EngineEffect } from '@zhisuan/engine'
import { defaultEngineLimits, lengthStats, planServiceOn, type Replica } from '@zhisuan/perf'
import { fleetDefaults, type FleetOptions, type RequestRow } from './fleet-options.js'
import type { ServiceDriver } from './sim-config.js'
import { ReplicaServer, type ServedRequest } from './serving-replica.js'
import { serviceReport, type ServiceReport, type ServiceSample } from './service-report.js'

type ReplicaPhase = 'pending' | 'loading' | 'serving' | 'draining'

interface ReplicaState {
  readonly jobId: string
  phase: ReplicaPhase
  readyAt: number
  placedAt: number | undefined
  server: ReplicaServer | undefined
}

interface ServiceState {
  readonly spec: ServiceSpec
  readonly pool: Pool
  readonly replica: Replica
  /** Requests per second one replica carries within the SLO (the serving model). */
  readonly capacity: number
  readonly requests: ServedRequest[]
  next: number
  /** Requests no serving replica has taken yet, in arrival order, from `heldHead`. */
  held: ServedRequest[]
  heldHead: number
  readonly replicas: Map<string, ReplicaState>
  made: number
  lowSince: number | undefined
  readonly samples: ServiceSample[]
  acceleratorS: number
}

/**
 * The services of a twin run: each service's requests replayed against its replicas, which are
 * gangs in the engine (submitted, placed, preempted and stopped like any job, at the service's
 * priority, counted in `llm-decode`), each simulated step by step while it serves. An autoscaler
 * pass every `intervalS` sets each service's replicas from the arrival rate of the last minute
 * and the serving model's capacity per replica, adding at once and removing one at a time after
 * `downDelayS` of low load (hysteresis); a removed replica finishes what it holds first.
 * Deterministic.
 */
export class ServiceFleet implements ServiceDriver {
  private readonly services: ServiceState[]
  private readonly byJob = new Map<string, [ServiceState, ReplicaState]>()
  private nextTick: number
  private readonly start: number
  private preemptedTraining = 0
  /** Draining replicas sent back to the queue: stopped at the next act. */
  private readonly pendingStops: string[] = []
  private trainingLostAcceleratorS = 0

  constructor(
    cluster: Cluster,
    specs: readonly ServiceSpec[],
    requests: ReadonlyMap<string, readonly RequestRow[]>,
    private readonly options: FleetOptions = fleetDefaults,
  ) {
    this.services = specs.map((spec) => {
      const rows = requests.get(spec.name) ?? []
      if (rows.length === 0) {
        throw new ZhisuanError('invalid-input', `service ${spec.name}: no requests to replay`)
      }
      let planned
      try {
        planned = planServiceOn(
          cluster,
          spec,
          {
            input: lengthStats(rows.map((r) => r.inputTokens)),
            output: lengthStats(rows.map((r) => r.outputTokens)),
          },
          // the twin's replicas reserve a request's whole prompt and output (see ReplicaServer)
          { ...defaultEngineLimits, admission: 'reserve' },
        )
      } catch (error) {
        if (error instanceof ZhisuanError) {
          throw new ZhisuanError(error.code, `service ${spec.name}: ${error.message}`)
        }
        throw error
      }
      return {
        spec,
        pool: planned.pool,
        replica: planned.replica,
        capacity: planned.plan.maxRatePerReplica,
        requests: rows.map((r) => ({ ...r })),
        next: 0,
        held: [],
        heldHead: 0,
        replicas: new Map(),
        made: 0,
        lowSince: undefined,
        samples: [],
        acceleratorS: 0,
      }
    })
    this.start = Math.min(...this.services.map((s) => s.requests[0]?.arrivalS ?? 0))
    // deployed before its traffic: the first pass leaves time to place and load the replicas
    this.nextTick = this.start - this.options.loadS - 2 * this.options.intervalS
  }

  owns(jobId: string): boolean {
    return this.byJob.has(jobId)
  }

  /** The next moment it needs: a request's arrival, a replica ready, an autoscaler pass. */
  nextT(): number | undefined {
    if (this.done()) {
      return undefined
    }
    let t = this.nextTick
    if (this.pendingStops.length > 0) {
      return Number.NEGATIVE_INFINITY // now
    }
    for (const s of this.services) {
      // requests sent back by an eviction go to a serving replica at once
      const serving = [...s.replicas.values()].some((r) => r.phase === 'serving')
      if (s.heldHead < s.held.length && serving) {
        return Number.NEGATIVE_INFINITY
      }
      const r = s.requests[s.next]
      if (r !== undefined) {
        t = Math.min(t, r.arrivalS)
      }
      for (const rep of s.replicas.values()) {
        if (rep.phase === 'loading') {
          t = Math.min(t, rep.readyAt)
        }
      }
    }
    return t
  }

  private done(): boolean {
    return this.services.every(
      (s) =>
        s.next >= s.requests.length &&
        s.heldHead >= s.held.length &&
        [...s.replicas.values()].every((r) => r.server === undefined || r.server.load === 0),
    )
  }

  act(now: number, engine: Engine): { effects: EngineEffect[]; cycleAt: number | undefined } {
    const effects: EngineEffect[] = []
    let cycleAt: number | undefined
    const keep = (c: number | undefined) => {
      if (c !== undefined) {
        cycleAt = cycleAt === undefined ? c : Math.min(cycleAt, c)
      }
    }
    for (const jobId of this.pendingStops.splice(0)) {
      const mine = this.byJob.get(jobId)
      const stopped = engine.stop(jobId, now)
      if (mine !== undefined) {
        this.retire(mine[0], mine[1], now)
      }
      effects.push(...stopped.effects)
      keep(stopped.cycleAt)
    }
    for (const s of this.services) {
      for (const rep of s.replicas.values()) {
        rep.server?.advanceTo(now)
        if (rep.phase === 'loading' && rep.readyAt <= now) {
          rep.phase = 'serving'
          rep.server = new ReplicaServer(s.replica, defaultEngineLimits, rep.readyAt)
        }
      }
      this.route(s, now)
      for (const rep of [...s.replicas.values()]) {
        if (rep.phase === 'draining' && (rep.server?.load ?? 0) === 0) {
          const stopped = engine.stop(rep.jobId, now)
          this.retire(s, rep, now)
          effects.push(...stopped.effects)
          keep(stopped.cycleAt)
        }
      }
    }
    if (now >= this.nextTick) {
      for (const s of this.services) {
        keep(this.autoscale(s, now, engine, effects))
      }
      this.nextTick = now + this.options.intervalS
    }
    if (this.done()) {
      // every request served: give the replicas back
      for (const s of this.services) {
        for (const rep of [...s.replicas.values()]) {
          const stopped = engine.stop(rep.jobId, now)
          this.retire(s, rep, now)
          effects.push(...stopped.effects)
          keep(stopped.cycleAt)
        }
      }
    }
    return { effects, cycleAt }
  }

  /** Arrivals up to now go to the serving replica with the least work left, or wait. */
  private route(s: ServiceState, now: number): void {
    for (let r = s.requests[s.next]; r !== undefined && r.arrivalS <= now; r = s.requests[s.next]) {
      s.held.push(r)
      s.next++
    }
    const serving = [...s.replicas.values()].filter((x) => x.phase === 'serving')
    while (s.heldHead < s.held.length && serving.length > 0) {
      const request = s.held[s.heldHead++]
      let best = serving[0]
      for (const x of serving) {
        if ((x.server?.backlogTokens ?? 0) < (best?.server?.backlogTokens ?? 0)) {
          best = x
        }
      }
      if (request !== undefined) {
        best?.server?.accept(request)
      }
    }
    if (s.heldHead > 0 && s.heldHead >= s.held.length) {
      s.held = []
      s.heldHead = 0
    }
  }

  private autoscale(s: ServiceState, now: number, engine: Engine, effects: EngineEffect[]) {
    const windowS = 60
    let arrived = 0
    for (let i = s.next - 1; i >= 0; i--) {
      const r = s.requests[i]
      if (r === undefined || r.arrivalS <= now - windowS) {
        break
      }
      arrived++
    }
    const rate = arrived / windowS
    const active = [...s.replicas.values()].filter((r) => r.phase !== 'draining')
    const bounds = { min: s.spec.minReplicas, max: s.spec.maxReplicas }
    const settings = {
      targetUtilization: this.options.targetUtilization,
      downDelayS: this.options.downDelayS,
    }
    const waiting = s.heldHead < s.held.length
    const wanted =
      this.options.autoscaler === 'fixed'
        ? s.spec.minReplicas
        : wantedReplicas(rate, s.capacity, bounds, waiting, settings)
    const next = nextReplicas(active.length, wanted, s.lowSince ?? null, now, settings)
    s.lowSince = next.lowSince ?? undefined
    let cycleAt: number | undefined
    for (let k = active.length; k < next.replicas; k++) {
      cycleAt = this.launch(s, now, engine) ?? cycleAt
    }
    if (next.replicas < active.length) {
      // a replica not yet serving goes first; else the one with the least to finish
      const victim =
        active.find((r) => r.phase !== 'serving') ??
        [...active].sort((a, b) => (a.server?.load ?? 0) - (b.server?.load ?? 0))[0]
      if (victim !== undefined && victim.phase !== 'serving') {
        const stopped = engine.stop(victim.jobId, now)
        this.retire(s, victim, now)
        effects.push(...stopped.effects)
        cycleAt = stopped.cycleAt ?? cycleAt
      } else if (victim !== undefined) {
        victim.phase = 'draining'
      }
    }
    const serving = [...s.replicas.values()].filter((r) => r.phase === 'serving').length
    s.samples.push({ t: now - this.start, replicas: serving, ratePerS: rate })
    return cycleAt
  }

  private launch(s: ServiceState, now: number, engine: Engine): number | undefined {
    const jobId = `svc:${s.spec.name}:${++s.made}`
    const rep: ReplicaState = {
      jobId,
      phase: 'pending',
      readyAt: Number.POSITIVE_INFINITY,
      placedAt: undefined,
      server: undefined,
    }
    s.replicas.set(jobId, rep)
    this.byJob.set(jobId, [s, rep])
    return engine.submit(
      {
        spec: {
          id: jobId,
          tenant: s.spec.tenant ?? 'serving',
          queue: 'default',
          priority: s.spec.priority ?? defaultServicePriority,
          replicas: 1,
          acceleratorsPerReplica: s.replica.tp,
          chips: { kind: 'family', family: s.pool.accelerator.family },
          workloadClass: 'llm-decode',
          archs: ['x86_64', 'aarch64'],
          submittedAt: now,
        },
        // a replica serves until it is stopped
        workS: 100 * 365 * 86_400,
        checkpoint: { intervalS: 100 * 365 * 86_400, stallS: 0 },
      },
      now,
    )
  }

  /** A replica stopped: what it held goes back to the front of its service's queue. */
  private retire(s: ServiceState, rep: ReplicaState, now: number): void {
    this.unplace(s, rep, now)
    s.replicas.delete(rep.jobId)
  }

  private unplace(s: ServiceState, rep: ReplicaState, now: number): void {
    if (rep.placedAt !== undefined) {
      s.acceleratorS += (now - rep.placedAt) * s.replica.tp
      rep.placedAt = undefined
    }
    const back = rep.server?.evict() ?? []
    rep.server = undefined
    if (back.length > 0) {
      s.held = [...back.sort((a, b) => a.arrivalS - b.arrivalS), ...s.held.slice(s.heldHead)]
      s.heldHead = 0
    }
  }

  observe(effects: readonly EngineEffect[], now: number): void {
    for (const e of effects) {
      const mine = this.byJob.get(e.jobId)
      if (mine === undefined) {
        if (e.kind === 'requeued' && e.cause === 'preempted') {
          this.preemptedTraining++
          this.trainingLostAcceleratorS += e.lostAcceleratorS
        }
        continue
      }
      const [s, rep] = mine
      // what it served up to now counts before anything is taken from it
      rep.server?.advanceTo(now)
      if (e.kind === 'requeued' && rep.phase === 'draining') {
        // on its way out anyway: it does not come back
        this.pendingStops.push(rep.jobId)
        this.unplace(s, rep, now)
        continue
      }
      if (e.kind === 'placed' || e.kind === 'restarted') {
        this.unplace(s, rep, now)
        rep.phase = rep.phase === 'draining' ? 'draining' : 'loading'
        rep.placedAt = now
        rep.readyAt = now + this.options.loadS
      } else if (e.kind === 'requeued') {
        this.unplace(s, rep, now)
        rep.phase = 'pending'
        rep.readyAt = Number.POSITIVE_INFINITY
      }
    }
  }

  /** What each service did, and what training lost to it. */
  report(now: number): {
    services: ServiceReport[]
    trainingPreempted: number
    trainingLostAcceleratorHours: number
  } {
    return {
      services: this.services.map((s) => {
        let held = s.acceleratorS
        for (const rep of s.replicas.values()) {
          held += rep.placedAt === undefined ? 0 : (now - rep.placedAt) * s.replica.tp
        }
        return serviceReport(s.spec, s.replica, s.capacity, s.requests, s.samples, held)
      }),
      trainingPreempted: this.preemptedTraining,
      trainingLostAcceleratorHours: this.trainingLostAcceleratorS / 3600,
    }
  }
}
