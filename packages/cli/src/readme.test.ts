import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'
import { codeBlocks, num, readme, section, tourLines } from './readme.test-support.js'

// The README's figures come from commands a reader can run; these tests run them, so a figure
// that no longer matches its command's output fails here instead of going stale.

describe('README: A short tour', () => {
  const block = codeBlocks(section(readme(), 'A short tour'), 'bash')[0] ?? ''
  const lines = tourLines(block)

  it('has its commands', () => {
    expect(lines.length).toBeGreaterThanOrEqual(8)
  })

  // every line runs and exits 0; every "<number> <word>" its comment quotes is in the output
  it.each(lines.map((l) => [l.line, l] as const))(
    '%s',
    async (_, line) => {
      const result = await run(...line.args)
      expect(result.err, line.line).not.toMatch(/^zhisuan: /m)
      expect(result.code, `${line.line}\n${result.err}`).toBe(0)
      for (const [quoted] of line.comment.matchAll(/(?<![\w.])\d(?:[\d,.]*\d)?\s+[a-z]+/g)) {
        expect(result.out, `"${quoted}" quoted by: ${line.line}`).toContain(quoted)
      }
    },
    120_000,
  )
})

/** A plan's figures, as `zhisuan plan --json` gives them. */
interface Plan {
  stepTimeS: number
  mfu: number
  commShare: number
  parallelism: { interleave: number }
  breakdown: { bubbleS: number; ppCommS: number; dpCommS: number }
  network: { goodput: number }
}

async function planJson(args: readonly string[]): Promise<unknown> {
  const result = await run(...args, '--json')
  expect(result.code, result.err).toBe(0)
  return JSON.parse(result.out) as unknown
}

/** `x` rounded as the README writes it (its own count of decimals). */
const as = (quoted: string, x: number): string => {
  const decimals = quoted.split('.')[1]?.length ?? 0
  return x.toFixed(decimals)
}
const pct = (quoted: string, x: number): string => as(quoted, x * 100)

/** The figures a pattern captures from the README, as written. */
function quoted(text: string, pattern: RegExp): string[] {
  const m = pattern.exec(text.replace(/\s+/g, ' '))
  if (m === null) {
    throw new Error(`README no longer says ${String(pattern)}`)
  }
  return m.slice(1)
}

describe('README: What the network buys', () => {
  const text = section(readme(), 'What the network buys')
  const commands = tourLines(codeBlocks(text, 'bash')[0] ?? '')
  const [base, smallBatch, loss, selective] = commands.map((c) => c.args)

  it('quotes the default-batch comparison as the plan computes it', async () => {
    expect(base).toBeDefined()
    const out = (await planJson(base ?? [])) as { comparison: Plan[]; plans: Plan[] }
    const [slow, fast] = out.comparison
    const [slowPlan, fastPlan] = out.plans
    const [s0, s1, ds, m0, m1] = quoted(
      text,
      /step from ([\d.]+) s to ([\d.]+) s \(([−-][\d.]+)%\) and MFU from ([\d.]+)% to ([\d.]+)%/,
    )
    expect([slow?.stepTimeS, fast?.stepTimeS].map((x, i) => as([s0, s1][i] ?? '', x ?? 0))).toEqual(
      [s0, s1],
    )
    expect(pct(ds ?? '', (fast?.stepTimeS ?? 0) / (slow?.stepTimeS ?? 1) - 1)).toBe(
      String(num(ds ?? '')),
    )
    expect([pct(m0 ?? '', slow?.mfu ?? 0), pct(m1 ?? '', fast?.mfu ?? 0)]).toEqual([m0, m1])
    // the explanation: the same plan, no interleaving, cheaper sends and DP sync, a lower share
    const [b, p0, p1, d0, d1, c0, c1] = quoted(
      text,
      /a ([\d.]+) s bubble either\s+way\)\. What the faster network buys is the pipeline sends, ([\d.]+) s → ([\d.]+) s, and the exposed DP\s+sync, ([\d.]+) s → ([\d.]+) s; the communication share \*falls\*, from ([\d.]+)% to ([\d.]+)%/,
    )
    expect(slowPlan?.parallelism.interleave).toBe(1)
    expect(fastPlan?.parallelism).toEqual(slowPlan?.parallelism)
    expect([
      as(b ?? '', slowPlan?.breakdown.bubbleS ?? 0),
      as(b ?? '', fastPlan?.breakdown.bubbleS ?? 0),
      as(p0 ?? '', slowPlan?.breakdown.ppCommS ?? 0),
      as(p1 ?? '', fastPlan?.breakdown.ppCommS ?? 0),
      as(d0 ?? '', slowPlan?.breakdown.dpCommS ?? 0),
      as(d1 ?? '', fastPlan?.breakdown.dpCommS ?? 0),
    ]).toEqual([b, b, p0, p1, d0, d1])
    expect([pct(c0 ?? '', slow?.commShare ?? 0), pct(c1 ?? '', fast?.commShare ?? 0)]).toEqual([
      c0,
      c1,
    ])
  })

  it('quotes the small-batch comparison as the plan computes it', async () => {
    const out = (await planJson(smallBatch ?? [])) as { comparison: Plan[] }
    const [slow, fast] = out.comparison
    const [c0, c1, m0, m1, s0, s1, ds] = quoted(
      text,
      /communication share goes ([\d.]+)% → ([\d.]+)%, MFU ([\d.]+)% → ([\d.]+)%, the step ([\d.]+) s → ([\d.]+) s \(([−-][\d.]+)%\)/,
    )
    expect([
      pct(c0 ?? '', slow?.commShare ?? 0),
      pct(c1 ?? '', fast?.commShare ?? 0),
      pct(m0 ?? '', slow?.mfu ?? 0),
      pct(m1 ?? '', fast?.mfu ?? 0),
      as(s0 ?? '', slow?.stepTimeS ?? 0),
      as(s1 ?? '', fast?.stepTimeS ?? 0),
    ]).toEqual([c0, c1, m0, m1, s0, s1])
    expect(pct(ds ?? '', (fast?.stepTimeS ?? 0) / (slow?.stepTimeS ?? 1) - 1)).toBe(
      String(num(ds ?? '')),
    )
  })

  it('quotes what packet loss costs and what selective repeat recovers', async () => {
    const lossy = (await planJson(loss ?? [])) as Plan
    const recovered = (await planJson(selective ?? [])) as Plan
    const clean = (await planJson((loss ?? []).slice(0, -2))) as Plan
    const [goodput, cost, m0, m1, m2] = quoted(
      text,
      /goodput to (\d+)%, which costs even this compute-bound job (\d+)% of its throughput \(MFU ([\d.]+)% → ([\d.]+)%\).*recovers nearly all of it \(MFU ([\d.]+)%\)/,
    )
    expect(pct(goodput ?? '', lossy.network.goodput)).toBe(goodput)
    expect(pct(cost ?? '', 1 - lossy.mfu / clean.mfu)).toBe(cost)
    expect([
      pct(m0 ?? '', clean.mfu),
      pct(m1 ?? '', lossy.mfu),
      pct(m2 ?? '', recovered.mfu),
    ]).toEqual([m0, m1, m2])
  })
})
