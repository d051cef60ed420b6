import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { catalogAccelerator, catalogChip, catalogNetwork } from './testing.js'
import { domainsPerToken } from './expert-exchange.js'
import { activeParameterCount, parameterCount } from './flops.js'
import { checkpointTiers } from './job-network.js'
import { routingImbalance } from './layer-cost.js'
import { modelPreset, parseModelShape } from './model-shape.js'
import { deepseekV3Stack, modernStack, type Parallelism } from './parallelism.js'
import { planTraining } from './plan.js'
import { evaluate, searchParallelism } from './search.js'

const deepseek = modelPreset('deepseek-v3')
const mixtral = modelPreset('mixtral-8x7b')
const mixtralMoe = mixtral.moe ?? {
  experts: 8,
  topK: 2,
  expertFfnHidden: 14_336,
  sharedExperts: 0,
  denseLayers: 0,
}

describe('mixture-of-experts shapes', () => {
  it('counts DeepSeek-V3 at its published 671B parameters, 37B active (arXiv:2412.19437)', () => {
    expect(parameterCount(deepseek) / 1e9).toBeCloseTo(671, 0)
    expect(Math.abs(activeParameterCount(deepseek) / 37e9 - 1)).toBeLessThan(0.02)
  })

  it('counts Mixtral 8×7B at its published 46.7B parameters, 12.9B active (Mistral AI)', () => {
    expect(parameterCount(mixtral) / 1e9).toBeCloseTo(46.7, 1)
    expect(activeParameterCount(mixtral) / 1e9).toBeCloseTo(12.9, 1)
  })

  it('reads an MoE model file and refuses experts that make no sense, naming the field', () => {
    const text = (topK: number) =>
      `name: m\nlayers: 8\nhidden: 1024\nheads: 8\nffnHidden: 4096\nvocab: 1000\nseqLen: 2048\n` +
      `moe: { experts: 8, topK: ${topK}, expertFfnHidden: 1024, sharedExperts: 0, denseLayers: 1 }\n`
    expect(parseModelShape('m.yaml', text(2)).moe?.experts).toBe(8)
    expect(() => parseModelShape('m.yaml', text(9))).toThrow(/moe\.topK \(9\) exceeds moe\.experts/)
    expect(() => parseModelShape('m.yaml', text(2).replace('experts: 8', 'experts: "8"'))).toThrow(
      /m\.yaml:8:\d+: moe\.experts: expected integer/,
    )
  })
})

describe('MoE memory and sync follow the layers each stage holds', () => {
  const h100 = catalogChip('H100')
  const net = catalogNetwork('H100')
  // 8 layers, the first 4 dense: PP 2 puts the dense ones on stage 0 and the experts on stage 1
  const half = { ...mixtral, layers: 8, moe: { ...mixtralMoe, denseLayers: 4 } }
  const par: Parallelism = {
    tp: 1,
    pp: 2,
    dp: 8,
    cp: 1,
    ep: 1,
    microBatch: 1,
    globalBatch: 64,
    interleave: 1,
  }

  it('charges the experts to the stage that holds them', () => {
    const sw = { ...modernStack, zero: 0 as const, recompute: 'full' as const }
    const m = evaluate(half, h100, net, par, sw).memory
    expect(m.stage).toBe(1)
    // 4 MoE layers of 8 experts of 3 × 4096 × 14,336, in BF16, on stage 1
    expect(m.weightsGB).toBeGreaterThan((2 * 4 * 8 * 3 * 4096 * 14_336) / 1e9)
  })

  it('synchronises the routed experts over every rank that holds the same ones, TP ranks included', () => {
    const tp2 = { ...par, tp: 2, ep: 8, globalBatch: 64 }
    const withTp = evaluate(mixtral, h100, net, tp2, { ...modernStack, dpOverlap: 0 }).step
    const noRouted = evaluate(
      { ...mixtral, moe: { ...mixtralMoe, expertFfnHidden: 1 } },
      h100,
      net,
      tp2,
      { ...modernStack, dpOverlap: 0 },
    ).step
    // TP 2 × DP 8 ranks over EP 8: each expert lives on 2 ranks, whose gradients must meet
    expect(withTp.dpCommS).toBeGreaterThan(noRouted.dpCommS)
  })

  it('counts the exposed all-to-all in the communication share', () => {
    const plan = planTraining({
      shape: mixtral,
      accelerator: catalogAccelerator('H100'),
      gpus: 64,
      network: net,
      space: { ep: 8, tp: 1, pp: 1, cp: 1 },
      software: modernStack,
      checkpointTiers: checkpointTiers(64, 8),
    })
    expect(plan.breakdown.epCommS).toBeGreaterThan(0)
    const b = plan.breakdown
    const exposed = b.tpCommS + b.cpCommS + b.epCommS + b.ppCommS + b.dpCommS
    expect(plan.commShare).toBeCloseTo(exposed / plan.stepTimeS, 12)
  })
})

describe('routing and the all-to-all', () => {
  it('never leaves the busiest expert rank below average, and evens out with more tokens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1024 }),
        (a, b, ep) => {
          const [few, many] = a < b ? [a, b] : [b, a]
          expect(routingImbalance(few, ep)).toBeGreaterThanOrEqual(1)
          expect(routingImbalance(many, ep)).toBeLessThanOrEqual(routingImbalance(few, ep))
          expect(routingImbalance(few, ep, 1.25)).toBeLessThanOrEqual(1.25)
        },
      ),
    )
  })

  it('reaches no more domains than the top-k, the domains there are, or the routing limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 8 }),
        (k, d, limit) => {
          const reached = domainsPerToken(k, d, limit)
          expect(reached).toBeLessThanOrEqual(Math.min(k, d, limit) + 1e-9)
          expect(domainsPerToken(k + 1, d)).toBeGreaterThanOrEqual(domainsPerToken(k, d))
        },
      ),
    )
  })

  it('never speeds a step up with a slower NIC, or with less of the all-to-all overlapped', () => {
    const h800 = catalogChip('H800')
    const base = catalogNetwork('H800')
    const par: Parallelism = {
      tp: 1,
      pp: 16,
      dp: 128,
      cp: 1,
      ep: 64,
      microBatch: 1,
      globalBatch: 1536,
      interleave: 1,
    }
    const step = (nic: number, overlap: number) =>
      evaluate(deepseek, h800, { ...base, nicGBsPerGpu: nic }, par, {
        ...deepseekV3Stack,
        epOverlap: overlap,
      }).step
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n1, n2, o1, o2) => {
          const [slow, fast] = n1 < n2 ? [n1, n2] : [n2, n1]
          const [less, more] = o1 < o2 ? [o1, o2] : [o2, o1]
          expect(step(slow, less).stepTimeS).toBeGreaterThanOrEqual(step(fast, less).stepTimeS)
          expect(step(slow, less).stepTimeS).toBeGreaterThanOrEqual(step(slow, more).stepTimeS)
        },
      ),
      { numRuns: 30 },
    )
    // without overlap, the all-to-all over 8 nodes is exposed and shows in the breakdown
    expect(step(50, 0).epCommS).toBeGreaterThan(0)
  })

  it('refuses expert parallelism on a dense model, and searches it only on an MoE one', () => {
    const h100 = catalogChip('H100')
    const net = catalogNetwork('H100')
    expect(() =>
      searchParallelism(modelPreset('llama3-8b'), h100, net, { gpus: 64, ep: 8 }, modernStack, 1),
    ).toThrow(/EP 8 needs a mixture-of-experts model/)
    const [best] = searchParallelism(mixtral, h100, net, { gpus: 64 }, modernStack, 1)
    expect(best?.parallelism.ep).toBeGreaterThan(1)
  })
})

describe('DeepSeek-V3 pre-training as published: 14.8T tokens on 2,048 H800 (arXiv:2412.19437)', () => {
  // Its report: 2.664M H800 GPU-hours of pre-training (2.788M with context extension and
  // post-training); PP 16, EP 64 over 8 nodes, ZeRO-1, no TP, DualPipe, FP8; 15,360 × 4K sequences.
  const h800 = catalogAccelerator('H800')
  const plan = planTraining({
    shape: deepseek,
    accelerator: h800,
    gpus: 2048,
    network: catalogNetwork('H800'),
    space: { tp: 1, pp: 16, ep: 64, cp: 1, globalBatch: 15_360 },
    software: deepseekV3Stack,
    tokens: 14.8e12,
    checkpointTiers: checkpointTiers(2048, 8),
  })

  it('plans within ±20% of the published GPU-hours, with failures or without', () => {
    const computeOnly = (14.8e12 / plan.tokensPerSecond / 3600) * 2048
    for (const hours of [computeOnly, plan.acceleratorHours ?? 0]) {
      expect(Math.abs(hours / 2.664e6 - 1), `${hours} vs 2.664M`).toBeLessThan(0.2)
      expect(Math.abs(hours / 2.788e6 - 1), `${hours} vs 2.788M`).toBeLessThan(0.2)
    }
  })

  it('keeps the all-to-all hidden under DualPipe, and exposes it without the overlap', () => {
    expect(plan.breakdown.epCommS).toBe(0)
    const blocking = planTraining({
      shape: deepseek,
      accelerator: h800,
      gpus: 2048,
      network: catalogNetwork('H800'),
      space: { tp: 1, pp: 16, ep: 64, cp: 1, globalBatch: 15_360 },
      software: { ...deepseekV3Stack, epOverlap: 0 },
      tokens: 14.8e12,
      checkpointTiers: checkpointTiers(2048, 8),
    })
    expect(blocking.breakdown.epCommS).toBeGreaterThan(0.2 * blocking.stepTimeS)
  })
})
