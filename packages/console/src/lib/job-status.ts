import type { Job } from '../api/types'
import { duration, wholePercent } from './format'

/**
 * How long a job has been where it is, by the server's clock `nowS`: a pending job since it was
 * submitted (`waiting 4 min`), a running one since it first started (`running 12 min`), an ended
 * one since it ended (`ended 2 h ago`).
 */
export function jobAge(
  job: Pick<Job, 'state' | 'submittedAt' | 'startedAt' | 'endedAt'>,
  nowS: number,
): string {
  const since = (t: number) => duration(Math.max(0, nowS - t))
  switch (job.state) {
    case 'pending':
      return `waiting ${since(job.submittedAt)}`
    case 'running':
      return `running ${since(job.startedAt ?? job.submittedAt)}`
    default:
      return job.endedAt === null
        ? `submitted ${since(job.submittedAt)} ago`
        : `ended ${since(job.endedAt)} ago`
  }
}

/**
 * The server's clock when it answered, in Unix seconds, from the answer's `Date` header (to the
 * second), so ages do not depend on the browser's clock; the browser's when it has none.
 */
export function serverSeconds(date: string | null, browserMs: number): number {
  const ms = date === null ? Number.NaN : Date.parse(date)
  return (Number.isFinite(ms) ? ms : browserMs) / 1000
}

/** Why a job is where it is, in the scheduler's words: its pending reason, else its message. */
export function jobNote(job: Pick<Job, 'reason' | 'message'>): string {
  const reason = job.reason as { message?: unknown } | null | undefined
  if (typeof reason?.message === 'string' && reason.message !== '') {
    return reason.message
  }
  return job.message === '' ? '–' : job.message
}

/** A running job's progress on the twin, as the API estimates it. */
export type JobProgress = NonNullable<Job['progress']>

/** The twin's estimate in words: how much work is done, the share, and the time left. */
export interface ProgressWords {
  /** Done over total, 0…1. */
  readonly share: number
  /** `20 min of 1 h of work done (33%)` */
  readonly done: string
  /** `about 2 min left at the twin's pace (60 s of work per second)` */
  readonly left: string
}

/**
 * The twin's progress estimate in words.
 * @example
 * progressWords({ doneS: 1200, totalS: 3600, remainingS: 40, speed: 60, … })
 * // { share: 0.33, done: '20 min of 1 h of work done (33%)',
 * //   left: 'about 40 s left at the twin’s pace (60 s of work per second)' }
 */
export function progressWords(
  p: Pick<JobProgress, 'doneS' | 'totalS' | 'remainingS' | 'speed'>,
): ProgressWords {
  const share = p.totalS > 0 ? Math.min(1, p.doneS / p.totalS) : 1
  const pace = `at the twin’s pace (${paceWords(p.speed)})`
  return {
    share,
    done: `${duration(p.doneS)} of ${duration(p.totalS)} of work done (${wholePercent(share)})`,
    left:
      p.remainingS <= 0
        ? 'the twin ends the run now'
        : `about ${duration(p.remainingS)} left ${pace}`,
  }
}

const paceWords = (speed: number): string => {
  const rounded = speed >= 10 ? Math.round(speed) : Math.round(speed * 100) / 100
  return `${rounded.toLocaleString('en-US')} s of work per second`
}
