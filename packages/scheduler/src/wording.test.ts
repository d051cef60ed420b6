import { describe, expect, it } from 'vitest'
import { counted, replicasOf, span } from './wording.js'

describe('the scheduler’s words', () => {
  it('counts with the noun in the right number', () => {
    expect(counted(1, 'node')).toBe('1 node')
    expect(counted(2, 'node')).toBe('2 nodes')
    expect(counted(0, 'replica')).toBe('0 replicas')
    expect(replicasOf(1, 8, 'H100')).toBe('1 replica of 8 H100 accelerators')
  })

  it('says a span to the minute, in the largest units that read well', () => {
    expect(span(0)).toBe('0 s')
    expect(span(-5)).toBe('0 s')
    expect(span(45)).toBe('45 s')
    expect(span(90)).toBe('2 min')
    expect(span(3599)).toBe('1 h')
    expect(span(3600)).toBe('1 h')
    expect(span(8040)).toBe('2 h 14 min')
    expect(span(47 * 3600 + 59 * 60)).toBe('47 h 59 min')
    expect(span(48 * 3600)).toBe('2 d')
    expect(span(76 * 3600 + 1800)).toBe('3 d 4 h')
  })
})
