import { describe, expect, it } from 'vitest'
import { filtersFromSearch, filtersToSearch, pageQuery, pagesCovering } from './job-filters'

describe('job filters', () => {
  it('round-trips through the URL, dropping unknown states and empty values', () => {
    const f = filtersFromSearch('?state=running&tenant=acme&queue=&family=H100&x=1')
    expect(f).toEqual({ state: 'running', tenant: 'acme', family: 'H100' })
    expect(filtersToSearch(f)).toBe('?state=running&tenant=acme&family=H100')
    expect(filtersFromSearch('?state=sleeping')).toEqual({})
    expect(filtersToSearch({})).toBe('')
  })

  it('asks the API for one page of every filter, by offset, with the count', () => {
    expect(pageQuery({ state: 'pending', queue: 'batch', family: 'MI300X' }, 3)).toEqual({
      state: 'pending',
      queue: 'batch',
      family: 'MI300X',
      limit: 100,
      offset: 300,
      withTotal: true,
    })
  })

  it('fetches only the pages under the visible rows', () => {
    expect(pagesCovering(0, 30)).toEqual([0])
    expect(pagesCovering(95, 130)).toEqual([0, 1])
    expect(pagesCovering(99_970, 99_999)).toEqual([999])
    expect(pagesCovering(0, -1)).toEqual([0])
  })
})
