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

/**
 * Rows per page the list asks the API for. The list fetches only the pages its visible rows
 * fall on, by offset, so a page is a screenful or so rather than the API's maximum.
 */
export const pageSize = 100

/** The API's query for the page `page` (from 0) of the rows that match, with their count. */
export function pageQuery(
  filters: JobFilters,
  page: number,
): {
  state?: JobState
  tenant?: string
  queue?: string
  family?: string
  limit: number
  offset: number
  withTotal: true
} {
  return {
    ...(filters.state === undefined ? {} : { state: filters.state }),
    ...(filters.tenant === undefined ? {} : { tenant: filters.tenant }),
    ...(filters.queue === undefined ? {} : { queue: filters.queue }),
    ...(filters.family === undefined ? {} : { family: filters.family }),
    limit: pageSize,
    offset: page * pageSize,
    withTotal: true,
  }
}

/** The pages that hold rows `first` to `last` (inclusive), in order; page 0 when none. */
export function pagesCovering(first: number, last: number, size = pageSize): number[] {
  if (last < first || last < 0) {
    return [0]
  }
  const out: number[] = []
  for (let p = Math.floor(Math.max(0, first) / size); p <= Math.floor(last / size); p++) {
    out.push(p)
  }
  return out
}

/** Accelerators a job holds or asks for. */
export function acceleratorsOf(job: Pick<Job, 'replicas' | 'acceleratorsPerReplica'>): number {
  return job.replicas * job.acceleratorsPerReplica
}
