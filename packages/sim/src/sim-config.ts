import type { Engine, CycleOutcome, EngineEffect, JobAccount } from '@zhisuan/engine'
import type { FailureModel } from './failures.js'
import type { SimResult } from './metrics.js'
import type { NetworkEvents } from './sim-job.js'

/**
 * Checkpointing of every job: a checkpoint starts every `intervalS` of its running time (the
 * period includes the stall, so a job computes `intervalS − stallS` between checkpoints), or
 * `auto`: Daly's optimal compute interval for the job's MTBF, plus the stall.
 */
export interface CheckpointSettings {
  readonly intervalS: number | 'auto'
  /** Seconds a job stops per checkpoint. */
  readonly stallS: number
  /** Seconds to restart and restore after a failure (before productive work resumes). */
  readonly restartS: number
}

export interface SimConfig {
  readonly seed: number
  readonly policy: 'zhisuan' | 'first-fit'
  readonly failures: FailureModel | null
  readonly checkpoint: CheckpointSettings
  /** Stop at this simulated time, s; default: when every job has finished. */
  readonly horizonS?: number
  /** Seconds between scheduling cycles when something changed; default `lifecycleDefaults.cycleS`. */
  readonly cycleS?: number
  /**
   * Cycles on multiples of `cycleS` (the first at or after each change), as the control plane's
   * loop passes periodically, instead of `cycleS` after the change; default false.
   */
  readonly cycleGrid?: boolean
  /** Called now and then with the simulated time and event count (progress bars). */
  readonly onProgress?: (simulatedS: number, events: number) => void
  /** Sample a timeline (utilization, queue length, failures) every this many seconds; none when absent. */
  readonly timelineS?: number
  readonly network?: NetworkEvents
  /**
   * Node changes at set times, beside the random failure process: what an operator or a chaos
   * test does (fail then repair a node; drain it, with or without evacuating its gangs; resume
   * it). Node indices are in fabric order.
   */
  readonly nodeEvents?: readonly ScriptedNodeEvent[]
  /** Return every job's account (placement, times, restarts, lost work) as `accounts`. */
  readonly jobResults?: boolean
  /**
   * Called after every event the run processes, with the engine (audits and tests: work
   * conservation). `cycle` says whether a scheduling cycle ran at this event.
   */
  readonly observe?: (now: number, cycle: boolean, engine: Engine) => void
  /** Called after every scheduling cycle that ran, with what it decided (benchmarks). */
  readonly onCycle?: (now: number, cycle: CycleOutcome, engine: Engine) => void
  /** A monotonic clock in milliseconds to time cycles with (`performance.now`); see `onCycle`. */
  readonly cycleTimer?: () => number
  /** Model services replayed beside the jobs (`ServiceFleet`); the run lasts while they act. */
  readonly services?: ServiceDriver
}

/**
 * Something beside the jobs that acts on the engine at times of its own — a fleet of services
 * submitting and stopping replicas as their requests come — and watches what the engine does.
 */
export interface ServiceDriver {
  /** When it next needs the clock; undefined when it has nothing more to do. */
  nextT(): number | undefined
  /** Acts at `now`: the engine's effects and the cycle to schedule. */
  act(now: number, engine: Engine): { effects: EngineEffect[]; cycleAt: number | undefined }
  /** Sees every effect of the engine (its replicas placed, preempted; training preempted). */
  observe(effects: readonly EngineEffect[], now: number): void
  /** Whether a job is its own (left out of the run's job figures). */
  owns(jobId: string): boolean
}

/** A node change at a set time (see `SimConfig.nodeEvents`). */
export interface ScriptedNodeEvent {
  readonly t: number
  readonly node: number
  /**
   * `fail` takes the node out until a `repair`; `drain` until a `resume`; `fault` is a software
   * fault: the gangs on the node restart in place from their last checkpoint.
   */
  readonly kind: 'fail' | 'repair' | 'drain' | 'resume' | 'fault'
  /** With `drain`: move the node's gangs now (restart elsewhere from their last checkpoint). */
  readonly evacuate?: boolean
}

/** Samples of the twin over time, for charts. */
export interface Timeline {
  readonly t: number[]
  readonly utilization: number[]
  readonly pending: number[]
  readonly failures: number[]
}

/** What `simulate` returns: the summary, and the timeline and accounts when asked for. */
export type SimOutcome = SimResult & {
  timeline?: Timeline
  accounts?: readonly JobAccount[]
}
