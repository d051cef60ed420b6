import { describe, expect, it } from 'vitest'
import { acceleratorHours, count, counted, duration, percent, scu } from './format'

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

  it('writes durations in their two largest units', () => {
    expect(duration(42)).toBe('42s')
    expect(duration(93_784)).toBe('1d 2h')
    expect(duration(3600)).toBe('1h')
    expect(duration(3661)).toBe('1h 1m')
    expect(duration(-1)).toBe('–')
  })
})
