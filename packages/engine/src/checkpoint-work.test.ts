import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { keptWork, wallSecondsFor } from './checkpoint-work.js'

describe('checkpoint work', () => {
  it('needs the work times the pace plus a stall per whole compute period', () => {
    expect(wallSecondsFor(3600, 1, { intervalS: 630, stallS: 30 })).toBe(3600 + 6 * 30)
    expect(wallSecondsFor(3600, 1.5, { intervalS: Number.POSITIVE_INFINITY, stallS: 30 })).toBe(
      5400,
    )
  })

  it('keeps whole periods of work, and charges the rest of the held time as not kept', () => {
    const plan = { intervalS: 600, stallS: 0 }
    const attempt = { startedAt: 1000, delayS: 120, pace: 1 }
    // 120 s of restart, then 1,300 s of work: two whole periods kept
    expect(keptWork(attempt, plan, 10_000, 1000 + 120 + 1300)).toEqual({
      keptS: 1200,
      unkeptWallS: 1420 - 1200,
    })
    expect(keptWork(attempt, { intervalS: Infinity, stallS: 0 }, 10_000, 2000)).toEqual({
      keptS: 0,
      unkeptWallS: 1000,
    })
  })

  it('keeps the work done by a committed checkpoint the registry knows, less its restart and stalls', () => {
    const plan = { intervalS: 600, stallS: 30 }
    const attempt = { startedAt: 1000, delayS: 120, pace: 1 }
    // committed at 1000 + 120 + 1300: 1,300 s productive, two stalls in it
    expect(keptWork(attempt, plan, 10_000, 3000, 2420)).toEqual({
      keptS: 1300 - 60,
      unkeptWallS: 2000 - 1300,
    })
    // a checkpoint from before this attempt does not count: whole periods do
    expect(keptWork(attempt, plan, 10_000, 3000, 900).keptS).toBe(3 * 570)
    // never more than was left
    expect(keptWork(attempt, plan, 500, 3000, 2420).keptS).toBe(500)
  })

  it('keeps never more than was done, never less as time passes, one period of compute per period', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 60, max: 20_000 }),
        fc.constantFrom(1, 1.25, 2),
        fc.integer({ min: 120, max: 3000 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 600 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (remainingS, pace, intervalS, stallS, delayS, at) => {
          const plan = { intervalS, stallS }
          const attempt = { startedAt: 0, delayS, pace }
          const end = delayS + wallSecondsFor(remainingS, pace, plan)
          const t = at * end
          const now = keptWork(attempt, plan, remainingS, t)
          const later = keptWork(attempt, plan, remainingS, t + intervalS)
          // work done by t: the productive time less its stalls, at the pace
          const productive = Math.max(0, t - delayS)
          const done = (productive - Math.floor(productive / intervalS) * stallS) / pace
          expect(now.keptS).toBeGreaterThanOrEqual(0)
          expect(now.keptS).toBeLessThanOrEqual(Math.min(done, remainingS) + 1e-9)
          expect(later.keptS).toBeGreaterThanOrEqual(now.keptS)
          if (later.keptS < remainingS && t >= delayS) {
            expect(later.keptS - now.keptS).toBeCloseTo((intervalS - stallS) / pace, 6)
          }
          // held time is kept or not, nothing else
          expect(now.unkeptWallS).toBeGreaterThanOrEqual(0)
          expect(now.unkeptWallS).toBeLessThanOrEqual(t + 1e-9)
        },
      ),
      { numRuns: 300 },
    )
  })
})
