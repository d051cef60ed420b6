import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  dalyInterval,
  expectedEttr,
  jobMtbfHours,
  planCheckpoints,
  youngInterval,
} from './reliability.js'

describe('reliability and checkpoints', () => {
  it('turns a fleet failure rate into a job MTBF (Llama 3: 419 interruptions in 54 days on 16,384 GPUs)', () => {
    // 0.474 per 1,000 GPU-days on 16,384 GPUs → 54 × 24 / 419 = 3.1 h (paper-tables.md §3.3)
    expect(jobMtbfHours(419 / 54 / 16.384, 16_384)).toBeCloseTo((54 * 24) / 419, 6)
    // Meta RSC-1 series model: 6.5 per 1,000 node-days = 0.8125 per 1,000 GPU-days → 1.80 h at 16,384 GPUs (§4.1)
    expect(jobMtbfHours(6.5 / 8, 16_384)).toBeCloseTo(1.8, 1)
  })

  it('refines Young with Daly and falls back to M when the save is slow', () => {
    // δ = 60 s, M = 3 h: Young √(2·60·10800) = 1138.4 s; Daly 1138.4·(1 + ⅓√(60/21600) + (60/21600)/9) − 60
    expect(youngInterval(60, 10_800)).toBeCloseTo(1138.42, 2)
    expect(dalyInterval(60, 10_800)).toBeCloseTo(1098.77, 1)
    expect(dalyInterval(100, 40)).toBe(40)
  })

  it('sizes the Megatron 1T checkpoint at ~14 TB and saves it at 273 GB/s in ~51 s', () => {
    const plan = planCheckpoints({
      params: 1.008e12,
      accelerators: 3072,
      tiers: [{ name: 'shared-fs', kind: 'shared-fs', writeGBs: 273, readGBs: 1000 }],
      asynchronous: false,
      failuresPer1000PerDay: 0.48,
      restartMinutes: 10,
    })
    expect(plan.sizeTB).toBeCloseTo(14.1, 1) // 13.8 TB published, 13.7 B/param measured
    expect(plan.saveSeconds['shared-fs']).toBeCloseTo(51.7, 0)
    expect(plan.loadSeconds).toBeCloseTo(14.1, 0) // "~14 s" at 1 TB/s (§1.4)
    expect(plan.ettr).toBeGreaterThan(0.9)
    // the "10k-card checkpoint in one minute" bar: 14.1 TB in 60 s is ~235 GB/s of aggregate write
    expect(plan.oneMinuteWriteGBs).toBeCloseTo((plan.sizeTB * 1000) / 60, 6)
    expect(plan.oneMinuteWriteGBs).toBeGreaterThan(230)
    expect(plan.oneMinuteWriteGBs).toBeLessThan(240)
  })

  it('never raises ETTR with a higher failure rate', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 8, max: 100_000 }),
        (a, b, gpus) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const plan = (rate: number) =>
            planCheckpoints({
              params: 70e9,
              accelerators: gpus,
              tiers: [
                { name: 'host', kind: 'host-memory', writeGBs: 500, readGBs: 500 },
                { name: 'fs', kind: 'shared-fs', writeGBs: 50, readGBs: 100 },
              ],
              asynchronous: true,
              failuresPer1000PerDay: rate,
              restartMinutes: 10,
            }).ettr
          expect(plan(hi)).toBeLessThanOrEqual(plan(lo) + 1e-12)
        },
      ),
    )
  })

  it('keeps ETTR in [0, 1] and counts stalls, lost work and restarts', () => {
    expect(expectedEttr(60, 3600, 600, Number.POSITIVE_INFINITY)).toBeCloseTo(1 - 60 / 3600, 12)
    expect(expectedEttr(60, 3600, 600, 7200)).toBeCloseTo(1 - 60 / 3600 - (1800 + 600) / 7200, 12)
    expect(expectedEttr(600, 60, 6000, 60)).toBe(0)
  })
})
