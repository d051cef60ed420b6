import type { JobSpec } from './types.js'

/** A job holding accelerators. */
export interface RunningJob {
  readonly spec: JobSpec
  readonly family: string
  /** Node of each replica, in ring order. */
  nodes: number[]
  accelerators: number[]
  readonly startedAt: number
  lastCheckpointAt: number
  /** SCU the job counts against its tenant's quota, in its workload class. */
  readonly scu: number
  /** SCU in the llm-train class and accelerator memory, for fair share. */
  readonly trainScu: number
  readonly memoryGB: number
}

/** Seconds of work a job loses if stopped now: since its last checkpoint, × its accelerators. */
export function lostWork(job: RunningJob, now: number): number {
  return Math.max(0, now - job.lastCheckpointAt) * job.accelerators.length
}

/** Runtime assumed for jobs without a limit when reserving for a blocked gang: 7 days. */
export const defaultRuntimeLimitS = 7 * 24 * 3600

/** When a job will have ended at the latest: its runtime limit, or `defaultLimitS` without one. */
export function expectedEnd(job: RunningJob, defaultLimitS: number): number {
  return job.startedAt + (job.spec.runtimeLimitS ?? defaultLimitS)
}
