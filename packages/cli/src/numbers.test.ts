import { describe, expect, it } from 'vitest'
import {
  formatBytes,
  formatCount,
  formatFixed,
  formatPercent,
  formatScaled,
  formatUsd,
  plural,
} from './numbers.js'

describe('numbers for people', () => {
  it('writes counts with thousands separators', () => {
    expect(formatCount(1024)).toBe('1,024')
    expect(formatCount(100_000)).toBe('100,000')
    expect(formatCount(355_709.4)).toBe('355,709')
    expect(formatFixed(1234.5, 2)).toBe('1,234.50')
  })

  it('says 1 vendor and 6 vendors', () => {
    expect(plural(1, 'vendor')).toBe('1 vendor')
    expect(plural(6, 'vendor')).toBe('6 vendors')
    expect(plural(0, 'block')).toBe('0 blocks')
    expect(plural(1, 'entry', 'entries')).toBe('1 entry')
    expect(plural(24_137, 'job')).toBe('24,137 jobs')
  })

  it('gives percentages, dollars, large quantities and bytes their unit', () => {
    expect(formatPercent(0.5021)).toBe('50.2%')
    expect(formatUsd(711_404.2)).toBe('$711,404')
    expect(formatUsd(2)).toBe('$2.00')
    expect(formatScaled(70.55e9)).toBe('70.6 billion')
    expect(formatScaled(1.411e12)).toBe('1.41 trillion')
    expect(formatBytes(402_653_184)).toBe('384.0 MiB')
    expect(formatBytes(512)).toBe('512 B')
  })
})
