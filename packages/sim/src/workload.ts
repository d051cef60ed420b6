import type { SimJob } from './sim-job.js'

/** One job of a trace in the normalized schema (data/traces): the fields the twin uses. */
export interface TraceRow {
  readonly id: string
  readonly submitS: number
  readonly durationS: number
  readonly gpus: number
  readonly user: string
  readonly vc: string
  /** The user's runtime estimate, s (optional `time_limit_s` column; Slurm's `-t`). */
  readonly timeLimitS?: number
}

/**
 * Trace jobs as gangs: up to `perNode` accelerators on one node, more as whole nodes
 * (⌈gpus/perNode⌉ replicas of `perNode`); the tenant is the virtual cluster, else the user;
 * the trace's duration is the productive time the job needs, its time limit (when it has one)
 * what backfill trusts. Rows asking for no accelerator
 * (CPU-only pods) are left out; a fractional GPU share (OpenB's `gpu_milli`) takes a whole one,
 * as the scheduler does not share accelerators.
 */
export function jobsFromTrace(rows: readonly TraceRow[], perNode: number): SimJob[] {
  return rows
    .filter((r) => r.gpus > 0)
    .map((r) => {
      const gpus = Math.max(1, Math.ceil(r.gpus))
      const multi = gpus > perNode
      return {
        id: r.id,
        tenant: r.vc !== '' ? r.vc : r.user !== '' ? r.user : 'default',
        submitS: r.submitS,
        workS: Math.max(1, r.durationS),
        replicas: multi ? Math.ceil(gpus / perNode) : 1,
        perReplica: multi ? perNode : gpus,
        ...(r.timeLimitS === undefined ? {} : { timeLimitS: r.timeLimitS }),
      }
    })
}
