import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nextReplicas, wantedReplicas } from './autoscaler.js'

describe('the autoscaler', () => {
  it('wants the load over 80% of a replica, within bounds, one while requests wait', () => {
    expect(wantedReplicas(16, 10, { min: 1, max: 8 })).toBe(2)
    expect(wantedReplicas(16.1, 10, { min: 1, max: 8 })).toBe(3)
    expect(wantedReplicas(0, 10, { min: 0, max: 8 })).toBe(0)
    expect(wantedReplicas(0, 10, { min: 0, max: 8 }, true)).toBe(1)
    expect(wantedReplicas(1000, 10, { min: 1, max: 8 })).toBe(8)
  })

  it('adds at once, removes one at a time after five minutes of lower load', () => {
    expect(nextReplicas(2, 5, null, 0)).toEqual({ replicas: 5, lowSince: null })
    expect(nextReplicas(5, 2, null, 100)).toEqual({ replicas: 5, lowSince: 100 })
    expect(nextReplicas(5, 2, 100, 399)).toEqual({ replicas: 5, lowSince: 100 })
    expect(nextReplicas(5, 2, 100, 400)).toEqual({ replicas: 4, lowSince: 400 })
    // load back up: the clock stops
    expect(nextReplicas(4, 4, 400, 500)).toEqual({ replicas: 4, lowSince: null })
  })

  it('never drops below what the load wants, never by more than one, and more load never wants fewer (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (current, wanted, since, now, rate) => {
          const lowSince = since === null ? null : Math.min(since, now)
          const next = nextReplicas(current, wanted, lowSince, now)
          expect(next.replicas).toBeGreaterThanOrEqual(Math.min(current, wanted))
          expect(next.replicas).toBeGreaterThanOrEqual(current - 1)
          const bounds = { min: 1, max: 20 }
          expect(wantedReplicas(rate * 1.5, 7, bounds)).toBeGreaterThanOrEqual(
            wantedReplicas(rate, 7, bounds),
          )
        },
      ),
    )
  })
})
