import { describe, expect, it } from 'vitest'
import { columnTable, table, tableWidth, type Column } from './table.js'
import { displayWidth } from './text-width.js'

const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth))

describe('table', () => {
  it('cuts the widest text column with … to fit 100 columns, never wrapping a row', () => {
    const message = 'waiting: insufficient capacity in block 3 for 16 replicas of 8 H800; '.repeat(
      3,
    )
    const text = table(
      ['id', 'state', 'restarts', 'message'],
      [['job-mf3k2x1a00a1b2c3', 'pending', 0, message]],
    )
    expect(widest(text)).toBeLessThanOrEqual(tableWidth)
    expect(text).toContain('…')
    expect(text.split('\n')).toHaveLength(5) // top, head, rule, one row, bottom
    expect(text).toContain('job-mf3k2x1a00a1b2c3')
  })

  it('keeps every cell whole when there is no limit', () => {
    const text = table(['message'], [['x'.repeat(150)]], { maxWidth: Infinity })
    expect(text).toContain('x'.repeat(150))
  })

  it('aligns figures with their units to the right', () => {
    const text = table(
      ['figure', 'value'],
      [
        ['step', '12.9 s'],
        ['share', '87.0%'],
      ],
    )
    expect(text).toContain('│ 12.9 s │')
    expect(text).toContain('│  87.0% │')
  })

  it('counts CJK characters as two columns when it fits a table', () => {
    const text = table(['名称', 'message'], [['智算集群', 'a'.repeat(120)]])
    expect(widest(text)).toBeLessThanOrEqual(tableWidth)
  })
})

describe('columnTable', () => {
  const columns: readonly Column<{ a: string; b: string }>[] = [
    { head: 'a', cell: (r) => r.a },
    { head: 'b', cell: (r) => r.b, wide: true },
  ]

  it('shows the wide columns only when asked', () => {
    expect(columnTable(columns, [{ a: 'x', b: 'y' }])).not.toMatch(/\bb\b/)
    expect(columnTable(columns, [{ a: 'x', b: 'y' }], true)).toMatch(/\bb\b/)
  })
})
