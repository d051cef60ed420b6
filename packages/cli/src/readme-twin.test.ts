import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'
import { codeBlocks, num, readme, section, tourLines } from './readme.test-support.js'

interface Run {
  goodputAcceleratorHours: number
  allocatedAcceleratorHours: number
  ettr: { overall: number }
  placementByTier: {
    tier: string
    jobs: number
    slowdown: number
    contentionAcceleratorHours: number
  }[]
}

/** How many of Zhisuan's gangs the README says reach the core. */
function quotedOurs(text: string): string[] {
  const m = /Zhisuan's (\d+) such gangs? never share a core uplink/.exec(text.replace(/\s+/g, ' '))
  expect(m, 'the README no longer says how many of our gangs reach the core').not.toBeNull()
  return (m ?? []).slice(1)
}

describe('README: the digital twin', () => {
  const text = section(readme(), 'The digital twin')
  const whatIf = tourLines(codeBlocks(text, 'bash')[1] ?? '')[0]

  it('quotes the placement what-if on oversubscribed spines as the twin computes it', async () => {
    expect(whatIf?.args).toContain('philly-gangs')
    const result = await run(...(whatIf?.args ?? []), '--json')
    expect(result.code, result.err).toBe(0)
    const runs = JSON.parse(result.out) as Record<string, Run>
    const ours = runs['policy=zhisuan']
    const firstFit = runs['policy=first-fit']
    const m =
      /both policies finish the same ([\d,]+) accelerator-hours of work; first fit holds ([\d,]+) accelerator-hours for it against Zhisuan's ([\d,]+) \(ETTR ([\d.]+)% against ([\d.]+)%\).*its (\d+) gangs whose rings reach the core \(×([\d.]+) slower, ([\d,]+) accelerator-hours held while slowed\)/.exec(
        text.replace(/\s+/g, ' '),
      )
    expect(m, 'the README no longer quotes the what-if').not.toBeNull()
    const [work, held, ourHeld, ettrFirstFit, ettrOurs, gangs, slowdown, slowed] = (m ?? []).slice(
      1,
    )
    const core = firstFit?.placementByTier.find((t) => t.tier === 'core')
    expect(Math.round(ours?.goodputAcceleratorHours ?? 0)).toBe(num(work ?? ''))
    expect(Math.round(firstFit?.goodputAcceleratorHours ?? 0)).toBe(num(work ?? ''))
    expect(Math.round(firstFit?.allocatedAcceleratorHours ?? 0)).toBe(num(held ?? ''))
    expect(Math.round(ours?.allocatedAcceleratorHours ?? 0)).toBe(num(ourHeld ?? ''))
    expect(((firstFit?.ettr.overall ?? 0) * 100).toFixed(1)).toBe(ettrFirstFit)
    expect(((ours?.ettr.overall ?? 0) * 100).toFixed(1)).toBe(ettrOurs)
    expect(core?.jobs).toBe(num(gangs ?? ''))
    expect(core?.slowdown.toFixed(3)).toBe(slowdown)
    expect(Math.round(core?.contentionAcceleratorHours ?? 0)).toBe(num(slowed ?? ''))
    const [ourCore] = quotedOurs(text)
    const ours2 = ours?.placementByTier.find((t) => t.tier === 'core')
    expect(ours2?.jobs ?? 0).toBe(num(ourCore ?? ''))
    expect(ours2?.contentionAcceleratorHours ?? 0).toBe(0)
  })
})
