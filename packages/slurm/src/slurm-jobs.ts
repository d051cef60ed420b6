import type { SlurmJob } from './api.js'
import { expandHostlist } from './hostlist.js'

// What a Slurm job record means to Zhisuan: which job and attempt it runs (its comment), whether
// it still holds its nodes, how it ended, and on which nodes it ran.

/** Slurm job states in which a job still holds or waits for its nodes. */
const liveStates = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'SPECIAL_EXIT',
])

/** The comment that carries the Zhisuan job id and attempt on a Slurm job. */
export const commentPrefix = 'zhisuan-job:'

export function jobComment(jobId: string, attempt: number): string {
  return `${commentPrefix}${jobId}:${attempt}`
}

/** The Zhisuan job and attempt a Slurm job runs, from its comment; `undefined` if none. */
export function parseJobComment(
  comment: string | null | undefined,
): { readonly jobId: string; readonly attempt: number } | undefined {
  if (typeof comment !== 'string' || !comment.startsWith(commentPrefix)) {
    return undefined
  }
  const rest = comment.slice(commentPrefix.length)
  const colon = rest.lastIndexOf(':')
  const jobId = rest.slice(0, colon)
  const attempt = Number(rest.slice(colon + 1))
  if (colon <= 0 || !Number.isInteger(attempt) || attempt < 1) {
    return undefined
  }
  return { jobId, attempt }
}

/** Whether a Slurm job still runs or waits (PENDING, RUNNING, COMPLETING, …). */
export function isLive(job: SlurmJob): boolean {
  return liveStates.has((job.job_state ?? '').toUpperCase())
}

/**
 * Whether a record is what a refused submit leaves behind: slurmctld answers the submit with
 * an error (e.g. `Requested node configuration is not available`) yet keeps a FAILED record,
 * with the job's name and comment, that never got a node (reason `BadConstraints`). The launch
 * already failed with that error, so the record is no job-finished event.
 */
export function isRefusedSubmit(job: SlurmJob): boolean {
  const submitted = typeof job.submit_time === 'number' ? job.submit_time : 0
  const ended = typeof job.end_time === 'number' ? job.end_time : 0
  return (
    (job.job_state ?? '').toUpperCase() === 'FAILED' &&
    (job.nodes ?? '') === '' &&
    (job.batch_host ?? '') === '' &&
    ended - submitted <= 1
  )
}

/**
 * How a finished Slurm job ended, for `job-finished`: `ok` only for COMPLETED with exit code 0.
 * `exit_code` is a wait status (exit code × 256, or a signal number).
 */
export function jobOutcome(job: SlurmJob): { readonly ok: boolean; readonly message: string } {
  const state = (job.job_state ?? 'UNKNOWN').toUpperCase()
  const raw = typeof job.exit_code === 'number' ? job.exit_code : 0
  const exit = raw >> 8
  const signal = raw & 0x7f
  const reason =
    typeof job.state_reason === 'string' && job.state_reason !== '' && job.state_reason !== 'None'
      ? ` (${job.state_reason})`
      : ''
  const where = typeof job.nodes === 'string' && job.nodes !== '' ? ` on ${job.nodes}` : ''
  const id = `Slurm job ${job.job_id ?? '?'}`
  switch (state) {
    case 'COMPLETED':
      return exit === 0 && signal === 0
        ? { ok: true, message: 'completed' }
        : { ok: false, message: `${id} completed with exit code ${exit}${where}` }
    case 'FAILED':
      return {
        ok: false,
        message:
          signal !== 0
            ? `${id} failed: killed by signal ${signal}${where}${reason}`
            : `${id} failed with exit code ${exit}${where}${reason}`,
      }
    case 'NODE_FAIL':
      return { ok: false, message: `${id} ended by a node failure${where}${reason}` }
    case 'TIMEOUT':
      return {
        ok: false,
        message: `${id} reached its time limit of ${job.time_limit ?? '?'} min${where}`,
      }
    case 'CANCELLED':
      return { ok: false, message: `${id} was cancelled in Slurm, not by Zhisuan${where}${reason}` }
    case 'OUT_OF_MEMORY':
      return { ok: false, message: `${id} ran out of memory${where}` }
    default:
      return { ok: false, message: `${id} ended ${state}${where}${reason}` }
  }
}

/** A run's nodes, one per replica (a node repeats when it holds several tasks). */
export function runNodes(job: SlurmJob): string[] {
  const list =
    typeof job.nodes === 'string' && job.nodes !== ''
      ? job.nodes
      : typeof job.required_nodes === 'string'
        ? job.required_nodes
        : ''
  const nodes = list === '' ? [] : expandHostlist(list)
  const tasks = typeof job.tasks === 'number' ? job.tasks : nodes.length
  const per = nodes.length > 0 ? tasks / nodes.length : 1
  return Number.isInteger(per) && per > 1 ? nodes.flatMap((n) => Array<string>(per).fill(n)) : nodes
}

/** When a run started (its submit time while it is still pending). */
export function startedAt(job: SlurmJob): number {
  const state = (job.job_state ?? '').toUpperCase()
  const start = typeof job.start_time === 'number' ? job.start_time : 0
  const submit = typeof job.submit_time === 'number' ? job.submit_time : 0
  return state !== 'PENDING' && start > 0 ? start : submit
}
