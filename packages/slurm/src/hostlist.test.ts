import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compressHostlist, expandHostlist } from './hostlist.js'

describe('Slurm hostlists', () => {
  it('expands ranges, lists, padding and several brackets', () => {
    expect(expandHostlist('gpu-[004-005]')).toEqual(['gpu-004', 'gpu-005'])
    expect(expandHostlist('gpu-[001-003,007],login1')).toEqual([
      'gpu-001',
      'gpu-002',
      'gpu-003',
      'gpu-007',
      'login1',
    ])
    expect(expandHostlist('n[8-10]')).toEqual(['n8', 'n9', 'n10'])
    expect(expandHostlist('n[098-100]')).toEqual(['n098', 'n099', 'n100'])
    expect(expandHostlist('r[1-2]n[1-2]')).toEqual(['r1n1', 'r1n2', 'r2n1', 'r2n2'])
    expect(expandHostlist('gpu-001')).toEqual(['gpu-001'])
    expect(expandHostlist('')).toEqual([])
    expect(expandHostlist('a, b')).toEqual(['a', 'b'])
  })

  it('refuses broken hostlists', () => {
    expect(() => expandHostlist('gpu-[001-003')).toThrow(/without its \]/)
    expect(() => expandHostlist('gpu-001]')).toThrow(/without its \[/)
    expect(() => expandHostlist('gpu-[5-3]')).toThrow(/backwards/)
    expect(() => expandHostlist('gpu-[a-b]')).toThrow(/not a number/)
    expect(() => expandHostlist('n[0-99999999]')).toThrow(/more than/)
  })

  it('compresses names that share a prefix into ranges', () => {
    expect(compressHostlist(['gpu-004', 'gpu-005'])).toBe('gpu-[004-005]')
    expect(compressHostlist(['gpu-003', 'gpu-001', 'gpu-002', 'gpu-007', 'login1'])).toBe(
      'gpu-[001-003,007],login1',
    )
    expect(compressHostlist(['gpu-004'])).toBe('gpu-004')
    expect(compressHostlist(['n098', 'n099', 'n100'])).toBe('n[098-100]')
    expect(compressHostlist(['n8', 'n9', 'n10'])).toBe('n[8-10]')
    expect(compressHostlist(['login', 'gpu-1', 'gpu-1'])).toBe('login,gpu-1')
    expect(compressHostlist([])).toBe('')
    expect(() => compressHostlist(['a,b'])).toThrow(/not a host name/)
  })

  const name = fc
    .tuple(
      fc.stringMatching(/^[a-z][a-z-]{0,5}$/),
      fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
      fc.integer({ min: 0, max: 4 }),
    )
    .map(([prefix, n, width]) =>
      n === undefined ? prefix : prefix + String(n).padStart(width, '0'),
    )

  it('gives back the same set of names (round trip)', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 40 }), (names) => {
        const expanded = expandHostlist(compressHostlist(names))
        expect(new Set(expanded)).toEqual(new Set(names))
        expect(expanded).toHaveLength(new Set(names).size)
      }),
      { numRuns: 500 },
    )
  })

  it('is stable: compressing an expansion of a compression changes nothing', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 40 }), (names) => {
        const once = compressHostlist(names)
        expect(compressHostlist(expandHostlist(once))).toBe(once)
      }),
      { numRuns: 500 },
    )
  })

  it('writes consecutive numbers of one prefix as one range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 2, max: 300 }),
        (start, count) => {
          const names = Array.from(
            { length: count },
            (_, i) => `gpu-${String(start + i).padStart(3, '0')}`,
          )
          const list = compressHostlist(names)
          expect(list).toMatch(/^gpu-\[\d+-\d+\]$/)
          expect(expandHostlist(list)).toEqual(names)
        },
      ),
    )
  })
})
