import { count, counted, duration } from './format'

/** What an event's words need of its job: the accelerators it holds and the work it needs. */
export interface EventJob {
  /** Accelerators of the whole gang (replicas × per replica). */
  readonly accelerators: number
  /** Job-time seconds of work the whole job needs. */
  readonly durationS: number
}

type Detail = Readonly<Record<string, unknown>>

const text = (d: Detail, key: string): string | undefined => {
  const v = d[key]
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined
}
const num = (d: Detail, key: string): number | undefined => {
  const v = d[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** `on 2 nodes: a, b`; past four, the first three and how many more. */
function nodesWords(nodes: unknown): string | undefined {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    return undefined
  }
  const names = nodes.map(String)
  const shown =
    names.length > 4
      ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
      : names.join(', ')
  return `on ${counted(names.length, 'node', 'nodes')}: ${shown}`
}

const tierWords = (tier: string | undefined): string | undefined =>
  tier === undefined ? undefined : tier === 'node' ? 'inside one node' : `crossing the ${tier} tier`

/**
 * What a restart lost: `lost 43 s of run time on 8 accelerators (5 min 44 s of accelerator
 * time)`. The loop counts it as the attempt's seconds since its last kept point times the gang's
 * accelerators, by the server's clock: run time, not the twin's sped-up job time.
 */
function lostWords(d: Detail, job: EventJob): string | undefined {
  const lostS = num(d, 'lostS')
  if (lostS === undefined) {
    return undefined
  }
  if (lostS <= 0) {
    return 'lost no work'
  }
  const gang = Math.max(1, job.accelerators)
  return `lost ${duration(lostS / gang)} of run time on ${counted(gang, 'accelerator', 'accelerators')} (${duration(lostS)} of accelerator time)`
}

/** Where the next attempt starts, as the event says: a checkpoint, work kept, or the start. */
function resumeWords(d: Detail, job: EventJob, verb: string): string | undefined {
  if (!('resumeFrom' in d)) {
    return undefined
  }
  const checkpoint = text(d, 'resumeFrom')
  if (checkpoint !== undefined) {
    const step = num(d, 'step')
    return `${verb} from checkpoint ${checkpoint}${step === undefined ? '' : ` (step ${count(step)})`}`
  }
  const doneS = num(d, 'doneS') ?? 0
  return doneS > 0
    ? `${verb} at ${duration(doneS)} of its ${duration(job.durationS)} of work (kept by its checkpoint policy)`
    : `${verb} from the start (no checkpoint yet)`
}

/** Why a gang lost its place: the failed or drained node, a software fault, or a reason. */
function causeWords(d: Detail): string | undefined {
  const failed = text(d, 'failedNode')
  const drained = text(d, 'drainedNode')
  if (failed !== undefined) {
    return `node ${failed} failed`
  }
  if (drained !== undefined) {
    return `node ${drained} was drained (evacuate)`
  }
  if (text(d, 'cause') === 'software-fault') {
    return `a software fault${text(d, 'message') === undefined ? '' : `: ${text(d, 'message')}`}`
  }
  return text(d, 'reason')
}

/** Why a running job went back to the queue (preempted, requeued or a refused launch). */
function requeueWords(kind: 'preempted' | 'requeued' | 'launch-failed', d: Detail): string {
  switch (kind) {
    case 'preempted': {
      const cause = text(d, 'cause')
      return `preempted for ${text(d, 'forJob') ?? 'another job'}${cause === undefined ? '' : ` (${cause})`}`
    }
    case 'launch-failed': {
      const retry = num(d, 'retryInS')
      return `the backend refused the launch: ${text(d, 'error') ?? 'no reason given'}${retry === undefined ? '' : `; tried again in ${duration(retry)}`}`
    }
    case 'requeued': {
      const node = text(d, 'failedNode') ?? text(d, 'drainedNode')
      return node === undefined
        ? `back in the queue: ${text(d, 'reason') ?? 'no reason given'}`
        : `back in the queue: ${causeWords(d) ?? ''} and no replacement is free`
    }
  }
}

/** Any other detail, as `key value` pairs in words: never the raw JSON. */
function plainWords(d: Detail): string {
  const value = (v: unknown): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? count(v)
        : String(Math.round(v * 100) / 100)
      : Array.isArray(v)
        ? v.map(value).join(', ')
        : v !== null && typeof v === 'object'
          ? Object.entries(v)
              .map(([k, x]) => `${k} ${value(x)}`)
              .join(', ')
          : String(v)
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k} ${value(v)}`)
    .join('; ')
}

const sentence = (parts: readonly (string | undefined)[]): string =>
  parts.filter((p): p is string => p !== undefined && p !== '').join('; ')

/**
 * An event of a job's timeline in words with units, from its kind and detail.
 * @example
 * eventWords('restarted', { attempt: 2, failedNode: 'h100-002', replacement: 'h100-005',
 *   lostS: 347.38, resumeFrom: null, doneS: 0 }, { accelerators: 8, durationS: 3600 })
 * // 'attempt 2 after node h100-002 failed; on replacement h100-005; lost 43 s of run time on
 * //  8 accelerators (5 min 47 s of accelerator time); starts again from the start (no checkpoint yet)'
 */
export function eventWords(kind: string, detail: unknown, job: EventJob): string {
  const d: Detail = detail !== null && typeof detail === 'object' ? (detail as Detail) : {}
  const attempt = num(d, 'attempt')
  const nth = attempt === undefined ? undefined : `attempt ${count(attempt)}`
  switch (kind) {
    case 'placed':
      return sentence([
        nth === undefined
          ? nodesWords(d['nodes'])
          : `${nth} ${nodesWords(d['nodes']) ?? ''}`.trim(),
        tierWords(text(d, 'tier')),
        resumeWords(d, job, 'starts'),
      ])
    case 'restarted':
      return sentence([
        [nth, causeWords(d) === undefined ? undefined : `after ${causeWords(d)}`]
          .filter((x) => x !== undefined)
          .join(' '),
        text(d, 'replacement') === undefined
          ? undefined
          : `on replacement ${text(d, 'replacement')}`,
        tierWords(text(d, 'tier')),
        lostWords(d, job),
        resumeWords(d, job, 'resumes'),
      ])
    case 'preempted':
    case 'requeued':
    case 'launch-failed':
      return sentence([
        requeueWords(kind, d),
        nth === undefined ? undefined : `ended ${nth}`,
        lostWords(d, job),
        resumeWords(d, job, 'starts again'),
      ])
    case 'succeeded':
    case 'failed':
      return sentence([nth, text(d, 'message')])
    case 'cancelled':
      return text(d, 'by') === undefined ? '' : `by token ${text(d, 'by')}`
    case 'evacuate':
      return sentence([
        `node ${text(d, 'node') ?? '?'} drained with evacuate`,
        text(d, 'reason') === undefined ? undefined : `reason: ${text(d, 'reason')}`,
      ])
    case 'checkpoint-committed': {
      const collected = Array.isArray(d['collected']) ? d['collected'].map(String) : []
      return sentence([
        `checkpoint ${text(d, 'checkpoint') ?? '?'} committed${num(d, 'step') === undefined ? '' : ` at step ${count(num(d, 'step') ?? 0)}`}`,
        collected.length === 0
          ? undefined
          : `removed ${counted(collected.length, 'older checkpoint', 'older checkpoints')}: ${collected.join(', ')}`,
      ])
    }
    default:
      return plainWords(d)
  }
}
