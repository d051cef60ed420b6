import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { catalogAccelerator } from './testing.js'
import { chipOf } from './hardware.js'
import { checkpointTiers, defaultJobNetwork } from './job-network.js'
import { modelPreset } from './model-shape.js'
import type { JobNetwork } from './network.js'
import { modernStack, type Parallelism } from './parallelism.js'
import { planTraining, type PlanInput } from './plan.js'
import { evaluate } from './search.js'

const h800 = catalogAccelerator('H800')
const llama70 = modelPreset('llama3-70b')
const network = (overrides: Partial<JobNetwork> = {}): JobNetwork => ({
  ...defaultJobNetwork(
    h800,
    { count: 8, gbps: 400 },
    { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' },
  ),
  ...overrides,
})
const input = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  shape: llama70,
  accelerator: h800,
  gpus: 1024,
  network: network(),
  space: { globalBatch: 1024 },
  software: modernStack,
  checkpointTiers: checkpointTiers(1024, 8),
  ...overrides,
})
const fixed: Parallelism = {
  tp: 8,
  pp: 4,
  dp: 32,
  cp: 1,
  microBatch: 1,
  globalBatch: 1024,
  interleave: 1,
  ep: 1,
}
const stepOf = (net: JobNetwork, par: Parallelism = fixed) =>
  evaluate(llama70, chipOf(h800), net, par, { ...modernStack, dpOverlap: 0 }).step.stepTimeS

describe('monotonic sanity', () => {
  const lossRate = fc.double({ min: 0, max: 0.05, noNaN: true })
  const placement = fc.constantFrom('packed' as const, 'spread' as const)

  it('more packet loss never speeds a step up', () => {
    fc.assert(
      fc.property(lossRate, lossRate, placement, (a, b, where) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        expect(stepOf(network({ lossRate: hi, placement: where }))).toBeGreaterThanOrEqual(
          stepOf(network({ lossRate: lo, placement: where })),
        )
      }),
    )
  })

  it('a faster NIC never slows a step down', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 200, noNaN: true }),
        fc.double({ min: 1, max: 200, noNaN: true }),
        lossRate,
        (a, b, loss) => {
          const [slow, fast] = a <= b ? [a, b] : [b, a]
          expect(stepOf(network({ nicGBsPerGpu: fast, lossRate: loss }))).toBeLessThanOrEqual(
            stepOf(network({ nicGBsPerGpu: slow, lossRate: loss })),
          )
        },
      ),
    )
  })

  it('more GPUs at a fixed global batch raise the bubble', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 8, 16, 32, 64),
        fc.constantFrom(2, 4, 8),
        fc.constantFrom(1, 2, 4),
        (dp, pp, v) => {
          const share = (d: number) => {
            const par = { ...fixed, pp, dp: d, interleave: v, globalBatch: 2048 }
            const c = evaluate(llama70, chipOf(h800), network(), par, modernStack)
            return c.step.bubbleS / c.step.stepTimeS
          }
          expect(share(2 * dp)).toBeGreaterThan(share(dp))
        },
      ),
    )
  })

  it('holds through the search: the planned step never gets faster with more loss or a slower NIC', () => {
    const at = (net: JobNetwork) =>
      planTraining(input({ gpus: 256, network: net, checkpointTiers: checkpointTiers(256, 8) }))
        .stepTimeS
    const base = at(network())
    expect(at(network({ lossRate: 1e-3 }))).toBeGreaterThanOrEqual(base)
    expect(at(network({ nicGBsPerGpu: 12.5 }))).toBeGreaterThanOrEqual(base)
  })

  it('a higher failure rate never raises ETTR', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const ettr = (rate: number) =>
            planTraining(
              input({
                gpus: 64,
                failuresPer1000PerDay: rate,
                checkpointTiers: checkpointTiers(64, 8),
                shape: modelPreset('llama3-8b'),
              }),
            ).reliability.ettr
          expect(ettr(hi)).toBeLessThanOrEqual(ettr(lo))
        },
      ),
      { numRuns: 20 },
    )
  })
})

describe('the plan', () => {
  it('shows what 0.1% loss costs a go-back-N network, and that selective repeat saves it', () => {
    const exposed = { ...modernStack, dpOverlap: 0 }
    const space = {
      tp: 8,
      pp: 4,
      cp: 1,
      microBatch: 1,
      interleave: 1,
      recompute: 'selective' as const,
      globalBatch: 1024,
    }
    const clean = planTraining(input({ software: exposed, space }))
    const lossy = planTraining(
      input({ software: exposed, space, network: network({ lossRate: 1e-3 }) }),
    )
    const sr = planTraining(
      input({
        software: exposed,
        space,
        network: network({ lossRate: 1e-3, retransmission: 'selective-repeat' }),
      }),
    )
    expect(lossy.network.goodput).toBeLessThan(0.5)
    expect(lossy.mfu).toBeLessThan(clean.mfu)
    expect(lossy.commShare).toBeGreaterThan(clean.commShare)
    expect(sr.mfu).toBeGreaterThan(lossy.mfu)
  })

  it('reports the fields operators read, consistently', () => {
    const plan = planTraining(input({ tokens: 15e12, pricePerAcceleratorHour: 2 }))
    const p = plan.parallelism
    expect(p.tp * p.pp * p.dp * p.cp).toBe(1024)
    const parts = Object.values(plan.breakdown).reduce((sum, x) => sum + x, 0)
    expect(parts).toBeCloseTo(plan.stepTimeS, 9)
    expect(plan.mfu).toBeGreaterThan(0.2)
    expect(plan.mfu).toBeLessThan(0.7)
    expect(plan.memoryPerGpuGB).toBeLessThanOrEqual(80 * 1.073741824 * 0.9)
    // 15T tokens at ~1M tokens/s: about half a year of wall clock
    expect(plan.daysToTrain).toBeGreaterThan(100)
    expect(plan.daysToTrain).toBeLessThan(400)
  })

  it('warns, without failing, when the chip’s efficiency rests on estimates', () => {
    // H800: the H100 die, but no published GEMM measurement of its own
    const plan = planTraining(input())
    expect(plan.efficiency.estimates).toEqual(['best GEMM'])
    expect(plan.warnings).toEqual([
      'nvidia-h800-sxm-80gb: best GEMM is an estimate (no published measurement in the catalog): treat the throughput as an upper bound',
    ])
    const h100 = catalogAccelerator('nvidia-h100-sxm-80gb')
    const measured = planTraining(input({ accelerator: h100 }))
    expect(measured.efficiency).toMatchObject({ stack: 'cuda', collectives: 'NCCL', estimates: [] })
    expect(measured.warnings).toEqual([])
  })

  it('warns, without failing, when the job is not whole nodes', () => {
    const whole = planTraining(input({ gpus: 1024 })).warnings
    expect(whole.filter((w) => w.includes('whole nodes'))).toEqual([])
    const odd = planTraining(
      input({
        gpus: 12,
        shape: modelPreset('llama3-8b'),
        space: { globalBatch: 96 },
        checkpointTiers: checkpointTiers(12, 8),
      }),
    )
    expect(odd.warnings[0]).toMatch(/12 accelerators are not whole nodes of 8/)
  })

  it('rejects a TP that does not divide the heads, and a model that cannot fit', () => {
    expect(() => planTraining(input({ space: { tp: 3, globalBatch: 1024 } }))).toThrow(
      /TP 3 must divide the attention heads \(64\)/,
    )
    expect(() =>
      planTraining(
        input({
          shape: modelPreset('megatron-1t'),
          gpus: 8,
          space: { globalBatch: 8 },
          checkpointTiers: checkpointTiers(8, 8),
        }),
      ),
    ).toThrow(ZhisuanError)
    expect(() =>
      planTraining(
        input({
          shape: modelPreset('megatron-1t'),
          gpus: 8,
          space: { globalBatch: 8 },
          checkpointTiers: checkpointTiers(8, 8),
        }),
      ),
    ).toThrow(/GB per accelerator/)
    expect(() => planTraining(input({ space: { tp: 8, pp: 4, cp: 1, dp: 16 } }))).toThrow(
      /TP × PP × CP × DP = 512, but --gpus is 1024/,
    )
  })
})
