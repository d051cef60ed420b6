import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'
import { codeBlocks, readme, section, tourLines } from './readme.test-support.js'
import { azureConversationTrace, parseRequests, readRequests } from './requests.js'

describe('zhisuan plan serve', () => {
  const base = ['plan', 'serve', '--model', 'llama3-70b', '--input-tokens', '1000']

  it('answers replicas, accelerators, tokens/s, latency quantiles and cost in JSON', async () => {
    const args = [...base, '--output-tokens', '200', '--chip', 'H100', '--precision', 'fp8']
    const { code, out } = await run(
      ...args,
      '--rate',
      '40',
      '--slo-ttft',
      '2',
      '--slo-tpot',
      '0.1',
      '--json',
    )
    expect(code).toBe(0)
    const plan = JSON.parse(out) as {
      replicas: number
      accelerators: number
      tp: number
      tokensPerSecondPerAccelerator: number
      ttftS: { p50: number; p99: number }
      tpotS: { p50: number; p99: number }
      costPerMillionTokens: number
      scu: number
    }
    expect(plan.accelerators).toBe(plan.replicas * plan.tp)
    expect(plan.tokensPerSecondPerAccelerator).toBeCloseTo((40 * 200) / plan.accelerators, 6)
    expect(plan.ttftS.p50).toBeLessThanOrEqual(plan.ttftS.p99)
    expect(plan.tpotS.p99).toBeLessThanOrEqual(0.1)
    expect(plan.costPerMillionTokens).toBeGreaterThan(0)
    expect(plan.scu).toBeGreaterThan(plan.accelerators)
  })

  it('without --rate plans the most one replica carries, and prints it for people', async () => {
    const { code, out } = await run(
      ...base,
      '--output-tokens',
      '200',
      '--chip',
      'H200',
      '--slo-tpot',
      '0.05',
    )
    expect(code).toBe(0)
    expect(out).toMatch(/load {9}the most one replica carries within the SLO: [\d.]+ requests\/s/)
    expect(out).toMatch(/replicas {5}1 × TP \d = \d accelerators/)
    expect(out).toMatch(/TPOT {9}p50 [\d.]+ ms · p99 (4\d|50)\.\d ms/)
  })

  it('ranks chips for one SLO in SCU and money, with per-chip prices', async () => {
    const args = [
      ...base,
      '--output-tokens',
      '200',
      '--compare-chips',
      'H100,H200,MI300X',
      '--rate',
      '20',
    ]
    const { code, out } = await run(
      ...args,
      '--slo-tpot',
      '0.1',
      '--price',
      'H100=3,H200=3.5,MI300X=2',
      '--json',
    )
    expect(code).toBe(0)
    const plans = JSON.parse(out) as {
      chip: string
      costPerMillionTokens: number
      scu: number
      pricePerAcceleratorHour: number
    }[]
    expect(plans.map((p) => p.chip).sort()).toEqual([
      'amd-mi300x-192gb',
      'nvidia-h100-sxm-80gb',
      'nvidia-h200-sxm-141gb',
    ])
    const costs = plans.map((p) => p.costPerMillionTokens)
    expect(costs).toEqual([...costs].sort((a, b) => a - b))
    expect(plans.find((p) => p.chip === 'amd-mi300x-192gb')?.pricePerAcceleratorHour).toBe(2)
  })

  it('takes request lengths from the Azure trace', async () => {
    const { code, out } = await run(
      'plan',
      'serve',
      '--model',
      'llama3-70b',
      '--chip',
      'H200',
      '--precision',
      'fp8',
      '--requests',
      azureConversationTrace,
      '--rate',
      '5.4',
      '--slo-ttft',
      '2',
      '--slo-tpot',
      '0.1',
      '--json',
    )
    expect(code).toBe(0)
    expect((JSON.parse(out) as { replicas: number }).replicas).toBeGreaterThanOrEqual(1)
  })

  it('refuses bad input with the flag named and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [[...base, '--chip', 'H100'], /--input-tokens and --output-tokens are required/],
      [
        [...base, '--output-tokens', '0', '--chip', 'H100'],
        /--output-tokens: expected an integer ≥ 1, got "0"/,
      ],
      [
        [...base, '--output-tokens', '9', '--chip', 'H100', '--precision', 'fp4'],
        /--precision: expected one of bf16, fp8, int8, int4/,
      ],
      [
        [...base, '--output-tokens', '9', '--chip', '910B3', '--precision', 'fp8'],
        /precision: huawei-ascend-910b3 has no FP8/,
      ],
      [
        [...base, '--output-tokens', '9', '--chip', 'H100', '--slo-tpot', '0.0001'],
        /slo: .*even one request at a time/,
      ],
      [[...base, '--output-tokens', '9'], /--chip \(or --compare-chips A,B,C\) is required/],
      [[...base, '--output-tokens', '9', '--chip', 'nosuchchip'], /--chip: /],
    ]
    for (const [args, message] of cases) {
      const { code, err } = await run(...args)
      expect(code, args.join(' ')).not.toBe(0)
      expect(err, args.join(' ')).toMatch(message)
    }
  })
})

describe('request traces', () => {
  it('reads the shipped Azure hour: every request, in arrival order, times from the first', async () => {
    const rows = await readRequests(azureConversationTrace)
    expect(rows.length).toBeGreaterThan(19_000)
    expect(rows[0]?.arrivalS).toBe(0)
    const last = rows.at(-1)?.arrivalS ?? 0
    expect(last).toBeGreaterThan(3400)
    expect(last).toBeLessThan(3600)
    expect(rows.every((r, i) => i === 0 || r.arrivalS >= (rows[i - 1]?.arrivalS ?? 0))).toBe(true)
  })

  it('names the row and column of a bad value', () => {
    const text =
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,x,3\n'
    expect(() => parseRequests(text, 'trace.csv')).toThrow(
      /trace.csv: row 3, column ContextTokens: expected an integer ≥ 1, got "x"/,
    )
    expect(() => parseRequests('arrival_s,input_tokens,output_tokens\n-1,3,3\n', 't.csv')).toThrow(
      /row 2, column arrival_s: expected seconds ≥ 0/,
    )
    expect(
      parseRequests('arrival_s,input_tokens,output_tokens\n2.5,3,4\n1,5,6\n', 't.csv'),
    ).toEqual([
      { arrivalS: 0, inputTokens: 5, outputTokens: 6 },
      { arrivalS: 1.5, inputTokens: 3, outputTokens: 4 },
    ])
  })
})

describe('README: Planning a service', () => {
  const text = section(readme(), 'Planning a service: `zhisuan plan serve`')
  const lines = tourLines(codeBlocks(text, 'bash')[0] ?? '')

  // every line runs and exits 0; every "<number> <word>" its comment quotes is in the output
  it.each(lines.map((l) => [l.line, l] as const))(
    '%s',
    async (_, line) => {
      const result = await run(...line.args)
      expect(result.code, `${line.line}\n${result.err}`).toBe(0)
      for (const [quoted] of line.comment.matchAll(/(?<![\w.])\d(?:[\d,.]*\d)?\s+[a-z]+/g)) {
        expect(result.out, `"${quoted}" quoted by: ${line.line}`).toContain(quoted)
      }
    },
    60_000,
  )

  it('quotes the chip comparison as the command prints it', async () => {
    const compare = lines.find((l) => l.args.includes('--compare-chips'))
    expect(compare).toBeDefined()
    const result = await run(...(compare?.args ?? []), '--json')
    const plans = JSON.parse(result.out) as {
      chipModel: string
      replicas: number
      tp: number
      costPerMillionTokens: number
    }[]
    const prose = text.replace(/\s+/g, ' ')
    for (const [name, model] of [
      ['MI300X', 'Instinct MI300X 192GB'],
      ['H800', 'H800 SXM5 80GB'],
      ['Ascend 910B3', 'Ascend 910B3'],
      ['H20', 'H20 96GB'],
    ] as const) {
      const p = plans.find((x) => x.chipModel === model)
      expect(p, model).toBeDefined()
      const said = `${name} ${p?.replicas} × TP ${p?.tp} at $${p?.costPerMillionTokens.toFixed(2)}`
      expect(prose).toContain(said)
    }
  })
})
