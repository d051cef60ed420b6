import { describe, expect, it } from 'vitest'
import type { Job } from '../api/types'
import { filtersFromSearch, filtersToSearch, listQuery, matchesFamily } from './job-filters'

const job = (family: string | null, chip: Job['spec']['chip']) =>
  ({ family, spec: { chip } }) as Pick<Job, 'family' | 'spec'>

describe('job filters', () => {
  it('round-trips through the URL, dropping unknown states and empty values', () => {
    const f = filtersFromSearch('?state=running&tenant=acme&queue=&family=H100&x=1')
    expect(f).toEqual({ state: 'running', tenant: 'acme', family: 'H100' })
    expect(filtersToSearch(f)).toBe('?state=running&tenant=acme&family=H100')
    expect(filtersFromSearch('?state=sleeping')).toEqual({})
    expect(filtersToSearch({})).toBe('')
  })

  it('sends state, tenant and queue to the API and keeps the family for the rows', () => {
    expect(listQuery({ state: 'pending', queue: 'batch', family: 'MI300X' }, 'job-9')).toEqual({
      limit: 1000,
      state: 'pending',
      queue: 'batch',
      after: 'job-9',
    })
  })

  it('matches the placed family first, else what the chip requirement names', () => {
    expect(matchesFamily(job('H100', { family: 'H100' }), 'h100')).toBe(true)
    expect(matchesFamily(job('H100', { anyOf: ['H100', 'MI300X'] }), 'MI300X')).toBe(false)
    expect(matchesFamily(job(null, { anyOf: ['H100', 'MI300X'] }), 'MI300X')).toBe(true)
    expect(matchesFamily(job(null, { family: 'H100' }), 'A100')).toBe(false)
    expect(matchesFamily(job(null, { scu: 8 }), 'A100')).toBe(true)
    expect(matchesFamily(job(null, { family: 'H100' }), undefined)).toBe(true)
  })
})
