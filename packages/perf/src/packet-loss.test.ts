import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rdmaGoodput, type Retransmission } from './packet-loss.js'

describe('RDMA goodput under packet loss', () => {
  it('reproduces the published anchors (paper-tables.md §5.3)', () => {
    // go-back-N: "drops to nearly zero once the loss rate exceeds 1%"
    expect(rdmaGoodput(0.01, 'go-back-n')).toBeLessThan(0.08)
    expect(rdmaGoodput(0.02, 'go-back-n')).toBeLessThan(0.04)
    // improved go-back-N: "about 60% at 1% loss"
    expect(rdmaGoodput(0.01, 'improved-go-back-n')).toBeGreaterThan(0.55)
    expect(rdmaGoodput(0.01, 'improved-go-back-n')).toBeLessThan(0.65)
    // RoSR: selective retransmission 13.5–15.6× go-back-N at 1%
    expect(rdmaGoodput(0.01, 'selective-repeat') / rdmaGoodput(0.01, 'go-back-n')).toBeGreaterThan(
      13,
    )
    // operators keep loss below 1e-5: nearly free there
    expect(rdmaGoodput(1e-5, 'go-back-n')).toBeGreaterThan(0.98)
  })

  it('never rises with more loss, and ranks the schemes', () => {
    const scheme = fc.constantFrom<Retransmission>(
      'go-back-n',
      'improved-go-back-n',
      'selective-repeat',
    )
    fc.assert(
      fc.property(
        scheme,
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (s, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          expect(rdmaGoodput(hi, s)).toBeLessThanOrEqual(rdmaGoodput(lo, s))
          expect(rdmaGoodput(hi, 'go-back-n')).toBeLessThanOrEqual(
            rdmaGoodput(hi, 'improved-go-back-n'),
          )
          expect(rdmaGoodput(hi, 'improved-go-back-n')).toBeLessThanOrEqual(
            rdmaGoodput(hi, 'selective-repeat'),
          )
        },
      ),
    )
  })

  it('rejects a loss rate outside [0, 1)', () => {
    expect(() => rdmaGoodput(1, 'go-back-n')).toThrow(/loss rate must be in \[0, 1\), got 1/)
    expect(() => rdmaGoodput(-0.1, 'go-back-n')).toThrow(/loss rate/)
  })
})
