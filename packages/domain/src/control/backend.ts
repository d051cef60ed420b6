/**
 * The contract between the control plane and what runs its jobs: the twin (a simulated cluster
 * on a wall clock) and Slurm. One conformance suite checks every implementation.
 */

/** A gang the scheduler placed, as a backend launches it. */
export interface PlacedJob {
  /** The Zhisuan job id; backends carry it on their own job (a Slurm job name, a twin run). */
  readonly jobId: string
  /** 1 for the first launch, +1 for each restart; a launch is idempotent per (jobId, attempt). */
  readonly attempt: number
  readonly tenant: string
  /** Node names, one per replica (a node repeats when it holds several replicas). */
  readonly nodes: readonly string[]
  readonly acceleratorsPerReplica: number
  readonly image?: string
  readonly command?: readonly string[]
  /** How long the job runs on a backend that does not run real code (the twin), s. */
  readonly durationS: number
  /** Productive seconds already done before this attempt (work kept by checkpoints). */
  readonly doneS: number
  /**
   * Seconds the attempt spends restarting and restoring before its work resumes (0 or absent for
   * a first start); a backend that runs no real code (the twin) adds them to the run.
   */
  readonly startDelayS?: number
  /**
   * How the job checkpoints, for a backend that runs no real code: it stops `stallS` per
   * `intervalS` of running time (the period includes the stall).
   */
  readonly checkpoint?: { readonly intervalS: number; readonly stallS: number }
  /**
   * The newest committed checkpoint the attempt resumes from, when the job has one (a backend
   * passes it to the job, e.g. as `ZHISUAN_CHECKPOINT_ID` / `ZHISUAN_CHECKPOINT_STEP`).
   */
  readonly resumeFrom?: {
    readonly checkpointId: string
    readonly step: number
    readonly locations: readonly string[]
  }
}

/** A job a backend runs now, as it reports it (what a restarted control plane adopts). */
export interface BackendRun {
  readonly jobId: string
  readonly attempt: number
  readonly nodes: readonly string[]
  /** Wall-clock seconds (Unix time) when this attempt started. */
  readonly startedAt: number
}

/** What a backend tells the control plane, in order. Times are Unix seconds. */
export type BackendEvent =
  | {
      readonly kind: 'job-finished'
      readonly jobId: string
      readonly attempt: number
      readonly at: number
      readonly ok: boolean
      readonly message: string
      /**
       * The run failed in a way a restart from its last checkpoint cures, on nodes that stay in
       * service (a software fault: an NCCL timeout, a crashed rank); absent or false: the job
       * failed.
       */
      readonly restartable?: boolean
    }
  | {
      readonly kind: 'node-health'
      readonly node: string
      /** `degraded`: in service for what runs there, no new work (say, drained outside Zhisuan). */
      readonly health: 'healthy' | 'degraded' | 'failed'
      readonly at: number
      readonly reason: string
    }

/** A node as a backend sees it. */
export interface BackendNode {
  readonly name: string
  readonly health: 'healthy' | 'degraded' | 'failed'
  /** Why, when not healthy. */
  readonly reason?: string
}

/** Runs placed gangs, cancels them, drains nodes and reports what happened. */
export interface ExecutionBackend {
  readonly name: string
  /** Starts a gang; starting the same (jobId, attempt) again does nothing. */
  launch(job: PlacedJob): Promise<void>
  /** Stops a job's current attempt; an unknown id is not an error. */
  cancel(jobId: string): Promise<void>
  /** What runs now. */
  runs(): Promise<readonly BackendRun[]>
  nodes(): Promise<readonly BackendNode[]>
  /** Takes a node out of service for new work (`drain`) or returns it (`resume`). */
  setDrain(node: string, drain: boolean, reason: string): Promise<void>
  /** Events since the last call (level-triggered: the caller reconciles after each batch). */
  poll(): Promise<readonly BackendEvent[]>
  close(): Promise<void>
}
