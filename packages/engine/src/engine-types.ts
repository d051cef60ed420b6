import type { Catalog, Cluster } from '@zhisuan/domain'
import type { Decision, JobSpec, PendingReason, SchedulerConfig } from '@zhisuan/scheduler'
import type { CheckpointPlan } from './checkpoint-work.js'

/** A job the engine runs: the scheduler's spec, the work it needs and how it checkpoints. */
export interface EngineJob {
  readonly spec: JobSpec
  /** Seconds of productive work the job needs. */
  readonly workS: number
  readonly checkpoint: CheckpointPlan
}

export interface EngineOptions {
  readonly cluster: Cluster
  readonly catalog: Catalog
  readonly scheduler: SchedulerConfig
  /** Seconds to restart and restore after an interruption, before work resumes. */
  readonly restartS: number
  /** Seconds between a failure and its detection (a failed gang holds its nodes meanwhile). */
  readonly detectionS: number
  /** Seconds between scheduling cycles after a change; default `lifecycleDefaults.cycleS`. */
  readonly cycleS?: number
  /** Cycles on multiples of `cycleS`, as a server loop's periodic passes (see `CycleTimer`). */
  readonly cycleGrid?: boolean
  /**
   * A monotonic clock in milliseconds (`performance.now`) to time scheduling cycles with; the
   * engine never reads one itself. Without it, cycles report 0 s.
   */
  readonly timer?: () => number
}

/** What a scheduling cycle did. */
export interface CycleOutcome {
  /** False when the cycle was superseded by an earlier one (nothing ran). */
  readonly ran: boolean
  /** The scheduler's decisions, as it made them. */
  readonly decisions: readonly Decision[]
  /** Seconds the scheduler took (by the options' timer; 0 without one). */
  readonly seconds: number
  readonly effects: EngineEffect[]
  readonly pending: ReadonlyMap<string, PendingReason>
  /** When the shell must schedule the next cycle (a reservation's end), if any. */
  readonly wakeAt: number | undefined
}

/** Why a running job stopped or moved. */
export type InterruptCause = 'failed' | 'software' | 'preempted' | 'evacuated'

/**
 * What the engine did, for the shell to carry out: the simulator schedules `run` ends as
 * events; a server records changes and tells its backend.
 */
export type EngineEffect =
  /** The job's current run ends at `endsAt` unless something happens first (`run` numbers it). */
  | { readonly kind: 'run'; readonly jobId: string; readonly run: number; readonly endsAt: number }
  | {
      readonly kind: 'placed'
      readonly jobId: string
      readonly nodes: readonly number[]
      readonly restart: boolean
    }
  | {
      readonly kind: 'restarted'
      readonly jobId: string
      readonly nodes: readonly number[]
      readonly cause: InterruptCause
      readonly keptS: number
      readonly lostAcceleratorS: number
    }
  | {
      readonly kind: 'requeued'
      readonly jobId: string
      readonly cause: InterruptCause
      readonly keptS: number
      readonly lostAcceleratorS: number
    }
  | { readonly kind: 'finished'; readonly jobId: string }
