import { describe, expect, it } from 'vitest'
import { CycleTimer } from './cycle-timer.js'

describe('the cycle timer', () => {
  it('answers a change one period later, and batches changes before that cycle', () => {
    const timer = new CycleTimer(60)
    expect(timer.changed(100)).toBe(160)
    expect(timer.changed(130)).toBeUndefined()
    expect(timer.take(160)).toBe(true)
    expect(timer.nextAt).toBe(Number.POSITIVE_INFINITY)
  })

  it('never lets a wake-up hours away postpone the cycle a change needs', () => {
    const timer = new CycleTimer(60)
    expect(timer.changed(0)).toBe(60)
    expect(timer.take(60)).toBe(true)
    // a reservation ends in 9.7 hours: the cycle wakes then
    expect(timer.at(60 + 35_000)).toBe(35_060)
    // a job completes meanwhile: its cycle is due a period later, not at the wake-up
    expect(timer.changed(1000)).toBe(1060)
    expect(timer.take(1060)).toBe(true)
    // the superseded wake-up does nothing when its event comes
    expect(timer.take(35_060)).toBe(false)
  })

  it('on a grid, answers a change at the first pass at or after it, never at a pass already run', () => {
    const timer = new CycleTimer(60, true)
    expect(timer.changed(61)).toBe(120)
    expect(timer.take(120)).toBe(true)
    expect(timer.changed(120)).toBe(180)
    expect(timer.take(180)).toBe(true)
    expect(timer.changed(200)).toBe(240)
  })
})
