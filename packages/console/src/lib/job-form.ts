import type { Issue } from '../api/client'
import type { JobBody } from '../api/types'

/** The submit form's fields, as the inputs hold them (strings). */
export interface JobForm {
  readonly name: string
  readonly queue: string
  readonly replicas: string
  readonly acceleratorsPerReplica: string
  readonly chipKind: 'family' | 'scu'
  readonly family: string
  readonly scu: string
  readonly workload: '' | 'llm-train' | 'llm-prefill' | 'llm-decode'
  readonly priority: string
  readonly durationS: string
}

export const emptyJobForm: JobForm = {
  name: '',
  queue: '',
  replicas: '1',
  acceleratorsPerReplica: '8',
  chipKind: 'family',
  family: '',
  scu: '',
  workload: '',
  priority: '',
  durationS: '',
}

/** A number from a field; a blank or non-numeric field is sent as is so the API names it. */
const numeric = (s: string): number | string =>
  s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s

/**
 * The API body of the form. It does not validate: the API's schema does, and the form shows
 * its messages next to the fields (`issuesFor`), so the two can never disagree.
 */
export function jobBodyOf(form: JobForm): JobBody {
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    replicas: numeric(form.replicas),
    acceleratorsPerReplica: numeric(form.acceleratorsPerReplica),
    chip:
      form.chipKind === 'family'
        ? { family: form.family.trim() }
        : { scu: numeric(form.scu), ...(form.workload === '' ? {} : { workload: form.workload }) },
  }
  if (form.queue.trim() !== '') {
    body['queue'] = form.queue.trim()
  }
  if (form.workload !== '') {
    body['workload'] = form.workload
  }
  if (form.priority.trim() !== '') {
    body['priority'] = numeric(form.priority)
  }
  if (form.durationS.trim() !== '') {
    body['twin'] = { durationS: numeric(form.durationS) }
  }
  return body as unknown as JobBody
}

/** The form's fields an API issue can be shown next to. */
export type FormField = Exclude<keyof JobForm, 'chipKind'>

const formFields: readonly FormField[] = [
  'name',
  'queue',
  'replicas',
  'acceleratorsPerReplica',
  'family',
  'scu',
  'workload',
  'priority',
  'durationS',
]

/**
 * The form field an issue's path names (`body/replicas`, `/chip/family`, `/twin/durationS`), from
 * its last segment back: `chip` and `anyOf` are the chip field the form shows, `twin` its run
 * time; undefined when the form has no field for it (`/topology/tier`, `/archs`).
 */
export function fieldOf(path: string, chipKind: JobForm['chipKind']): FormField | undefined {
  const segments = path.split('/').filter((s) => s !== '' && s !== 'body')
  for (const segment of segments.reverse()) {
    if ((formFields as readonly string[]).includes(segment)) {
      return segment as FormField
    }
    if (segment === 'chip' || segment === 'anyOf') {
      return chipKind
    }
    if (segment === 'twin') {
      return 'durationS'
    }
  }
  return undefined
}

/** The API's issues placed once each: next to the field they name, or with the rest. */
export interface PlacedIssues {
  readonly atFields: Partial<Record<FormField, readonly string[]>>
  /** Issues with no field on the form, to list as `path: message`. */
  readonly rest: readonly Issue[]
  /** How many distinct issues in all. */
  readonly total: number
}

/**
 * Every issue of an API answer exactly once: duplicates (the same path and message) dropped, each
 * next to its form field when its path names one, the others left to the list.
 */
export function placeIssues(issues: readonly Issue[], chipKind: JobForm['chipKind']): PlacedIssues {
  const seen = new Set<string>()
  const atFields: Partial<Record<FormField, string[]>> = {}
  const rest: Issue[] = []
  for (const issue of issues) {
    const key = `${issue.path}\u0000${issue.message}`
    if (seen.has(key)) {
      continue
    }
    seen.add(key)
    const field = fieldOf(issue.path, chipKind)
    if (field === undefined) {
      rest.push(issue)
    } else {
      atFields[field] = [...(atFields[field] ?? []), issue.message]
    }
  }
  return { atFields, rest, total: seen.size }
}

/**
 * What an error message says besides its issues: the message with each issue's text taken out
 * (an API message often repeats them), so nothing shows twice; empty when it said nothing else.
 * @example
 * messageBesides('body/replicas: must be >= 1', [{ path: 'body/replicas', message: 'must be >= 1' }])
 * // ''
 */
export function messageBesides(message: string, issues: readonly Issue[]): string {
  let rest = message
  for (const i of issues) {
    rest = rest.split(`${i.path}: ${i.message}`).join('').split(i.message).join('')
  }
  return rest
    .replace(/\s*[:;,]\s*(?=[.;,:]|$)/g, '')
    .replace(/^[\s;,:.]+/, '')
    .replace(/\s{2,}/g, ' ')
    .trim()
}
