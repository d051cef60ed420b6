import { describe, expect, it } from 'vitest'
import { chartColors, contrastRatio } from './contrast'

// the stylesheet the browser gets, read with node's fs (named by a variable: this package is
// type-checked with the browser's types only, and vitest hands a test an empty string for CSS)
const fsModule = 'node:fs'
const { readFileSync } = (await import(fsModule)) as {
  readFileSync: (file: URL, encoding: 'utf8') => string
}
const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8')
const variable = (name: string): string => {
  const value = new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, 'i').exec(css)?.[1]
  if (value === undefined) {
    throw new Error(`styles.css has no --${name}`)
  }
  return value
}

describe('colour contrast (WCAG AA)', () => {
  it('computes the ratio both ways round', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#ffffff', '#4a5260')).toBeCloseTo(contrastRatio('#4a5260', '#ffffff'))
  })

  it('keeps muted text at 4.5:1 on every background it is shown on', () => {
    const muted = variable('muted')
    // the page, panels and stats, a hovered row, the badge, the selected job, the why box
    for (const bg of [
      variable('bg'),
      variable('panel'),
      '#eef2ff',
      '#f8fafc',
      '#fef3c7',
      '#fffbeb',
    ]) {
      expect(contrastRatio(muted, bg), `${muted} on ${bg}`).toBeGreaterThanOrEqual(4.5)
    }
    expect(contrastRatio(variable('fg'), variable('bg'))).toBeGreaterThanOrEqual(7)
    expect(contrastRatio(variable('failed'), variable('panel'))).toBeGreaterThanOrEqual(4.5)
    expect(contrastRatio(variable('accent'), variable('bg'))).toBeGreaterThanOrEqual(4.5)
  })

  it('labels leaf health at 4.5:1 and stripes it at 3:1 (issue #21)', () => {
    for (const state of ['healthy', 'degraded', 'failed']) {
      const rule = new RegExp(
        `\\.leaf-badge-${state} \\{\\s*color: (#[0-9a-f]{6});\\s*background: (#[0-9a-f]{6});`,
        'i',
      ).exec(css)
      const [fg, bg] = [rule?.[1] ?? '', rule?.[2] ?? '']
      expect(contrastRatio(fg, bg), `${state}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5)
      const stripe = variable(`leaf-${state}`)
      expect(contrastRatio(stripe, variable('bg')), stripe).toBeGreaterThanOrEqual(3)
    }
  })

  it('draws chart series at 3:1 or more against white', () => {
    for (const c of chartColors) {
      expect(contrastRatio(c, '#ffffff'), c).toBeGreaterThanOrEqual(3)
    }
  })
})
