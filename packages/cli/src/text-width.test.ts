import { describe, expect, it } from 'vitest'
import { displayWidth, truncateToWidth, wrapWords } from './text-width.js'

describe('displayWidth', () => {
  it('counts CJK characters as two columns and box-drawing characters as one', () => {
    expect(displayWidth('智算')).toBe(4)
    expect(displayWidth('┌──┐')).toBe(4)
    expect(displayWidth('H800 ×8 — 50.2%')).toBe(15)
    expect(displayWidth('e\u0301')).toBe(1)
  })

  it('measures the widest line of several', () => {
    expect(displayWidth('SCU\ntrain/prefill/decode')).toBe(20)
  })
})

describe('truncateToWidth', () => {
  it('cuts to the width, ending in …, and leaves text that fits alone', () => {
    expect(truncateToWidth('running on 2 nodes: best-fit block 0', 12)).toBe('running on…')
    expect(truncateToWidth('ok', 12)).toBe('ok')
    expect(displayWidth(truncateToWidth('智算智算智算', 5))).toBeLessThanOrEqual(5)
  })
})

describe('wrapWords', () => {
  it('breaks prose at spaces, indents the lines after the first and keeps padding', () => {
    const text = wrapWords('tokens       1.41 trillion (default: 20 per parameter)', 30, '  ')
    expect(text.split('\n')).toEqual([
      'tokens       1.41 trillion',
      '  (default: 20 per parameter)',
    ])
  })
})
