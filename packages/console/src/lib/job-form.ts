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

/** The issues the API reported for one field (`body/replicas`, `/chip/family`, …). */
export function issuesFor(issues: readonly Issue[], field: string): string[] {
  return issues.filter((i) => i.path.split('/').includes(field)).map((i) => i.message)
}
