import type { Job, JobState } from '../api/types'
import { jobStates } from '../api/types'

/** What the jobs list is narrowed to; every field optional. */
export interface JobFilters {
  readonly state?: JobState
  readonly tenant?: string
  readonly queue?: string
  readonly family?: string
}

const keys = ['state', 'tenant', 'queue', 'family'] as const

/** Filters from a URL query string, ignoring unknown states and empty values. */
export function filtersFromSearch(search: string): JobFilters {
  const params = new URLSearchParams(search)
  const out: { -readonly [K in keyof JobFilters]: JobFilters[K] } = {}
  for (const key of keys) {
    const value = params.get(key)?.trim()
    if (value === undefined || value === '') {
      continue
    }
    if (key === 'state') {
      if ((jobStates as readonly string[]).includes(value)) {
        out.state = value as JobState
      }
    } else {
      out[key] = value
    }
  }
  return out
}

/** The URL query string of filters (empty when none), stable in key order. */
export function filtersToSearch(filters: JobFilters): string {
  const params = new URLSearchParams()
  for (const key of keys) {
    const value = filters[key]
    if (value !== undefined && value !== '') {
      params.set(key, value)
    }
  }
  const s = params.toString()
  return s === '' ? '' : `?${s}`
}

/** The page size the list asks the API for (its maximum). */
export const pageSize = 1000

/**
 * The API's query for one page: state, tenant and queue are the server's filters; the family is
 * not, so it is applied to the rows (`matchesFamily`).
 */
export function listQuery(
  filters: JobFilters,
  after: string | undefined,
): { state?: JobState; tenant?: string; queue?: string; limit: number; after?: string } {
  return {
    limit: pageSize,
    ...(filters.state === undefined ? {} : { state: filters.state }),
    ...(filters.tenant === undefined ? {} : { tenant: filters.tenant }),
    ...(filters.queue === undefined ? {} : { queue: filters.queue }),
    ...(after === undefined ? {} : { after }),
  }
}

/**
 * Whether a job asks for or runs on the family: the family it was placed on, else the family
 * (or one of the families) its chip requirement names; a job asking for SCU matches any family
 * until placed. Case does not matter.
 */
export function matchesFamily(
  job: Pick<Job, 'family' | 'spec'>,
  family: string | undefined,
): boolean {
  if (family === undefined || family === '') {
    return true
  }
  const want = family.toLowerCase()
  if (job.family !== null) {
    return job.family.toLowerCase() === want
  }
  const chip = job.spec.chip
  if ('family' in chip) {
    return chip.family.toLowerCase() === want
  }
  if ('anyOf' in chip) {
    return chip.anyOf.some((f) => f.toLowerCase() === want)
  }
  return true
}

/** Accelerators a job holds or asks for. */
export function acceleratorsOf(job: Pick<Job, 'replicas' | 'acceleratorsPerReplica'>): number {
  return job.replicas * job.acceleratorsPerReplica
}
