import { describe, expect, it } from 'vitest'
import { acceleratorHours, count, counted, duration, percent, scu, wholePercent } from './format'

describe('formatting', () => {
  it('writes shares, counts and SCU the way the console shows them', () => {
    expect(percent(0.4567)).toBe('45.7%')
    expect(percent(Number.NaN)).toBe('–')
    expect(count(12345.4)).toBe('12,345')
    expect(counted(1, 'leaf', 'leaves')).toBe('1 leaf')
    expect(counted(0, 'leaf', 'leaves')).toBe('0 leaves')
    expect(counted(2000, 'node', 'nodes')).toBe('2,000 nodes')
    expect(scu(3.14159)).toBe('3.14 SCU')
    expect(scu(12345.6)).toBe('12,346 SCU')
    expect(acceleratorHours(7200)).toBe('2.00 accelerator-h')
  })

  it('writes durations in their two largest units, in words', () => {
    expect(duration(42)).toBe('42 s')
    expect(duration(347.3759994506836)).toBe('5 min 47 s')
    expect(duration(93_784)).toBe('1 d 2 h')
    expect(duration(3600)).toBe('1 h')
    expect(duration(3601)).toBe('1 h')
    expect(duration(3661)).toBe('1 h 1 min')
    expect(duration(0.2)).toBe('0 s')
    expect(duration(-1)).toBe('–')
  })

  it('writes a share as a whole percentage that says 100% and 0% only when it is', () => {
    expect(wholePercent(3.04)).toBe('304%')
    expect(wholePercent(0.996)).toBe('99%')
    expect(wholePercent(1)).toBe('100%')
    expect(wholePercent(0.004)).toBe('<1%')
    expect(wholePercent(0)).toBe('0%')
  })
})
