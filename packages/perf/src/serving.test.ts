import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, resolveAccelerator } from '@zhisuan/domain'
import { chipOf, type Chip } from './hardware.js'
import { defaultJobNetwork } from './job-network.js'
import { modelPreset } from './model-shape.js'
import { expertsTouched, replicaOf, stepSeconds } from './serving-cost.js'
import {
  fixedLength,
  lengthStats,
  maxRate,
  poissonQuantile,
  replicaLoad,
  saturatedThroughput,
  type ReplicaLoad,
} from './serving-load.js'
import { planServing } from './serving-plan.js'

const catalog = defaultCatalog()
const accelerator = (name: string) => {
  const r = resolveAccelerator(catalog, name)
  if (!r.ok) {
    throw new Error(name)
  }
  return r.value
}
const network = (name: string) =>
  defaultJobNetwork(
    accelerator(name),
    { count: 8, gbps: 400 },
    { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' },
  )
const llama70 = modelPreset('llama3-70b')
const workload = { input: fixedLength(1000), output: fixedLength(200) }
const loaded = (l: ReturnType<typeof replicaLoad>): ReplicaLoad => {
  if ('overloaded' in l) {
    throw new Error(l.overloaded)
  }
  return l
}

describe('serving cost', () => {
  it('holds a 70B model in FP8 on one H200 but not on one H100, and says why', () => {
    const h200 = replicaOf(llama70, chipOf(accelerator('H200')), network('H200'), 1, 'fp8')
    expect(h200.weightBytesPerGpu / 1e9).toBeCloseTo(72.7, 0)
    // 80 layers × 8 KV heads × 128 × K and V × 1 byte
    expect(h200.kvBytesPerToken).toBe(80 * 8 * 128 * 2)
    expect(() =>
      replicaOf(llama70, chipOf(accelerator('H100')), network('H100'), 1, 'fp8'),
    ).toThrow(/no room for a KV cache: weights 72.7 GB/)
    expect(() =>
      replicaOf(llama70, chipOf(accelerator('910B3')), network('910B3'), 8, 'fp8'),
    ).toThrow(/precision: huawei-ascend-910b3 has no FP8 matrix unit/)
  })

  it('keeps the KV heads whole when TP exceeds them, and the MLA latent on every rank', () => {
    const h200 = chipOf(accelerator('H200'))
    const net = network('H200')
    // 8 KV heads: TP 8 keeps one per rank; with 4 KV heads TP 8 still keeps one (replicated)
    const tp8 = replicaOf(llama70, h200, net, 8, 'bf16')
    expect(tp8.kvBytesPerToken).toBe(80 * 1 * 128 * 2 * 2)
    const fewer = replicaOf({ ...llama70, kvHeads: 4 }, h200, net, 8, 'bf16')
    expect(fewer.kvBytesPerToken).toBe(80 * 1 * 128 * 2 * 2)
    const ds = replicaOf(modelPreset('deepseek-v3'), h200, net, 8, 'fp8')
    expect(ds.kvBytesPerToken).toBe(61 * 576 * 1)
  })

  it('counts only the experts a batch touches', () => {
    expect(expertsTouched(256, 8, 1)).toBeCloseTo(8, 6)
    expect(expertsTouched(256, 8, 10_000)).toBeCloseTo(256, 6)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (t) => {
        expect(expertsTouched(8, 2, t + 1)).toBeGreaterThanOrEqual(expertsTouched(8, 2, t))
      }),
    )
  })

  it('decodes one sequence at the speed of streaming the weights, as a roofline must', () => {
    const chip = chipOf(accelerator('H200'))
    const r = replicaOf(llama70, chip, network('H200'), 1, 'fp8')
    const step = stepSeconds(r, {
      decodeSeqs: 1,
      decodeContext: 1000,
      prefillTokens: 0,
      prefillContext: 0,
    })
    const streaming = r.weightBytesPerGpu / (chip.memoryGBs * 1e9)
    expect(step.seconds).toBeGreaterThan(streaming)
    expect(step.seconds).toBeLessThan(1.5 * streaming)
  })
})

describe('serving load', () => {
  const r = replicaOf(llama70, chipOf(accelerator('H200')), network('H200'), 2, 'fp8')

  it('describes a trace sample: mean, median, p99 and spread', () => {
    const s = lengthStats([1, 2, 3, 4, 100])
    expect(s.mean).toBe(22)
    expect(s.p50).toBe(3)
    expect(s.p99).toBe(100)
    expect(s.cv).toBeGreaterThan(1)
    expect(() => lengthStats([])).toThrow(/no request lengths/)
  })

  it('takes Poisson quantiles exactly for small means', () => {
    // P(N ≤ 5 | mean 2) = 0.983, P(N ≤ 6) = 0.9955
    expect(poissonQuantile(2, 0.99)).toBe(6)
    expect(poissonQuantile(0, 0.99)).toBe(0)
    expect(poissonQuantile(400, 0.99)).toBe(447)
  })

  it('never lowers latency when load rises (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 1, max: 3 }),
        (a, k) => {
          const low = replicaLoad(r, workload, a)
          const high = replicaLoad(r, workload, a * k)
          if ('overloaded' in low) {
            expect('overloaded' in high).toBe(true)
            return
          }
          if ('overloaded' in high) {
            return
          }
          expect(high.ttftS.p99).toBeGreaterThanOrEqual(low.ttftS.p99 - 1e-12)
          expect(high.ttftS.p50).toBeGreaterThanOrEqual(low.ttftS.p50 - 1e-12)
          expect(high.tpotS.p99).toBeGreaterThanOrEqual(low.tpotS.p99 - 1e-12)
          expect(high.tpotS.p50).toBeGreaterThanOrEqual(low.tpotS.p50 - 1e-12)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('is never slower in FP8 than in BF16 on a chip with FP8 (property over the catalog)', () => {
    const withFp8 = catalog.accelerators.filter(
      (a) =>
        a.tflops.fp8.value !== null && a.memory.gb.value >= 80 && a.scaleUp.domainSize.value >= 8,
    )
    expect(withFp8.length).toBeGreaterThan(5)
    fc.assert(
      fc.property(
        fc.constantFrom(...withFp8),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 64, max: 8000 }),
        fc.integer({ min: 0, max: 4096 }),
        (a, seqs, context, prompt) => {
          const chip = chipOf(a)
          const net = network(a.id)
          const load = {
            decodeSeqs: seqs,
            decodeContext: context,
            prefillTokens: prompt,
            prefillContext: prompt / 2,
          }
          const bf16 = stepSeconds(replicaOf(llama70, chip, net, 8, 'bf16'), load)
          const fp8 = stepSeconds(replicaOf(llama70, chip, net, 8, 'fp8'), load)
          expect(fp8.seconds).toBeLessThanOrEqual(bf16.seconds * (1 + 1e-12))
        },
      ),
      { numRuns: 80 },
    )
  })

  it('never decodes slower on a faster memory (property)', () => {
    const base = chipOf(accelerator('H100'))
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 256 }),
        (k, seqs) => {
          const faster: Chip = { ...base, memoryGBs: base.memoryGBs * k }
          const load = {
            decodeSeqs: seqs,
            decodeContext: 2000,
            prefillTokens: 0,
            prefillContext: 0,
          }
          const slow = stepSeconds(replicaOf(llama70, base, network('H100'), 4, 'fp8'), load)
          const fast = stepSeconds(replicaOf(llama70, faster, network('H100'), 4, 'fp8'), load)
          expect(fast.seconds).toBeLessThanOrEqual(slow.seconds)
        },
      ),
      { numRuns: 50 },
    )
  })

  it('never lowers SLO attainment with more replicas: each carries less, no latency rises (property)', () => {
    const a = accelerator('H200')
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 40, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        (rate, extra) => {
          const plan = planServing({
            shape: llama70,
            accelerator: a,
            precision: 'fp8',
            tp: 2,
            workload,
            rate,
            slo: { ttftP99S: 2, tpotP99S: 0.1 },
            pricePerAcceleratorHour: 2,
          })
          const more = loaded(replicaLoad(r, workload, rate / (plan.replicas + extra)))
          expect(more.ttftS.p99).toBeLessThanOrEqual(plan.ttftS.p99 + 1e-12)
          expect(more.tpotS.p99).toBeLessThanOrEqual(plan.tpotS.p99 + 1e-12)
        },
      ),
      { numRuns: 30 },
    )
  })

  it('finds the most load within the SLO, and misses it just above', () => {
    const slo = { ttftP99S: 1, tpotP99S: 0.05 }
    const best = maxRate(r, workload, slo)
    expect('load' in best).toBe(true)
    if (!('load' in best)) {
      return
    }
    expect(best.load.tpotS.p99).toBeLessThanOrEqual(0.05)
    expect(best.load.ttftS.p99).toBeLessThanOrEqual(1)
    const above = loaded(replicaLoad(r, workload, best.rate * 1.01))
    expect(above.tpotS.p99 > 0.05 || above.ttftS.p99 > 1).toBe(true)
    // a replica kept full produces more than one held to a latency target
    expect(saturatedThroughput(r, workload)).toBeGreaterThan(best.rate * 200)
  })
})

describe('plan serve', () => {
  it('plans replicas for a rate on the TP size that needs the fewest accelerators', () => {
    const plan = planServing({
      shape: llama70,
      accelerator: accelerator('H100'),
      precision: 'fp8',
      workload,
      rate: 50,
      slo: { ttftP99S: 2, tpotP99S: 0.1 },
      pricePerAcceleratorHour: 2,
    })
    expect(plan.accelerators).toBe(plan.replicas * plan.tp)
    expect(plan.replicas * plan.maxRatePerReplica).toBeGreaterThanOrEqual(50)
    for (const o of plan.alternatives.filter((x) => x.reason === undefined)) {
      expect(o.accelerators).toBeGreaterThanOrEqual(plan.accelerators)
    }
    expect(plan.ttftS.p99).toBeLessThanOrEqual(2)
    expect(plan.tpotS.p99).toBeLessThanOrEqual(0.1)
    // cost: accelerator-hours over output tokens
    expect(plan.costPerMillionTokens).toBeCloseTo(
      ((plan.accelerators * 2) / 3600 / (50 * 200)) * 1e6,
      9,
    )
    expect(plan.alternatives.find((o) => o.tp === 1)?.reason).toMatch(/no room for a KV cache/)
  })

  it('refuses an impossible SLO with every size’s reason, and bad numbers by name', () => {
    const base = {
      shape: llama70,
      accelerator: accelerator('H100'),
      precision: 'bf16' as const,
      workload,
      slo: { tpotP99S: 0.001 },
      pricePerAcceleratorHour: 2,
    }
    expect(() => planServing(base)).toThrow(/slo: .*TP 2: even one request at a time: TPOT p99/)
    expect(() => planServing({ ...base, rate: -1 })).toThrow(/rate must be a positive number/)
    expect(() =>
      planServing({ ...base, precision: 'int8', accelerator: accelerator('Gaudi3') }),
    ).toThrow(/precision: intel-gaudi3-oam-128gb has no INT8 matrix unit/)
  })

  it('is deterministic: the same question gives the same answer, byte for byte', () => {
    const ask = () =>
      JSON.stringify(
        planServing({
          shape: modelPreset('mixtral-8x7b'),
          accelerator: accelerator('MI300X'),
          precision: 'fp8',
          workload,
          slo: { ttftP99S: 1, tpotP99S: 0.05 },
          pricePerAcceleratorHour: 2,
        }),
      )
    expect(ask()).toBe(ask())
  })
})
