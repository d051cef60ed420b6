import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { catalogChip, catalogNetwork } from './testing.js'
import { parameterCount } from './flops.js'
import { activationBytesPerLayer, memoryUse } from './memory.js'
import { chunkLayers, heldLayerMicroBatches } from './pipeline-layout.js'
import { gptShape, modelPreset } from './model-shape.js'
import { llama3Stack, modernStack, type Parallelism, type Software } from './parallelism.js'
import { searchParallelism } from './search.js'

const par = (p: Partial<Parallelism>): Parallelism => ({
  tp: 1,
  pp: 1,
  dp: 1,
  cp: 1,
  microBatch: 1,
  globalBatch: 1,
  interleave: 1,
  ep: 1,
  ...p,
})
const sw = (s: Partial<Software>): Software => ({ ...modernStack, ...s })

describe('activation memory per layer', () => {
  // Korthikanti et al. (arXiv:2205.05198) Table 2, for a GPT layer with dropout: the closed forms
  // the general accounting must reduce to.
  const gpt = gptShape('gpt', 96, 12_288, 96)
  const { seqLen: s, hidden: h, heads: a } = gpt
  const t = 8
  const sbh = s * h

  it('reproduces the paper’s closed forms for every recomputation and parallelism setting', () => {
    const at = (software: Partial<Software>) =>
      activationBytesPerLayer(gpt, par({ tp: t }), sw(software)) / sbh
    expect(at({ recompute: 'none', sequenceParallel: false, flashAttention: false })).toBeCloseTo(
      10 + 24 / t + (5 * a * s) / (h * t),
      9,
    )
    expect(at({ recompute: 'none', sequenceParallel: true, flashAttention: false })).toBeCloseTo(
      34 / t + (5 * a * s) / (h * t),
      9,
    )
    expect(at({ recompute: 'selective', sequenceParallel: true })).toBeCloseTo(34 / t, 9)
    expect(at({ recompute: 'selective', sequenceParallel: false })).toBeCloseTo(10 + 24 / t, 9)
    expect(at({ recompute: 'full', sequenceParallel: false })).toBeCloseTo(2, 9)
    expect(at({ recompute: 'full', sequenceParallel: true })).toBeCloseTo(2 / t, 9)
  })

  it('charges a SwiGLU/GQA layer without dropout for what it saves: 12h + 4·kv + 6·ffn bytes per token', () => {
    const llama = modelPreset('llama3-405b')
    const kv = (llama.hidden / llama.heads) * llama.kvHeads
    const perToken = 12 * llama.hidden + 4 * kv + 6 * llama.ffnHidden
    const bytes = activationBytesPerLayer(llama, par({ tp: 8 }), sw({ recompute: 'none' }))
    expect(bytes).toBeCloseTo((llama.seqLen * perToken) / 8, 0)
    // less than the GPT formula the model used to apply to it (34 sbh/t)
    expect(bytes).toBeLessThan((34 * llama.seqLen * llama.hidden) / 8)
  })

  it('frees each norm’s input when the norms keep their output alone: 4h bytes a token less, split with SP, nothing under full recomputation', () => {
    const shapes = [gpt, modelPreset('llama3-70b'), modelPreset('mixtral-8x7b')]
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        fc.constantFrom(1, 2, 4, 8),
        fc.constantFrom('none' as const, 'selective' as const, 'full' as const),
        fc.boolean(),
        fc.boolean(),
        (shape, tp, recompute, sequenceParallel, flashAttention) => {
          const p = par({ tp, ep: shape.moe === undefined ? 1 : 2 })
          const base = sw({ recompute, sequenceParallel, flashAttention })
          const lean = { ...base, memoryEfficientNorm: true }
          for (const kind of shape.moe === undefined ? (['dense'] as const) : (['moe'] as const)) {
            const kept = activationBytesPerLayer(shape, p, base, kind)
            const freed = kept - activationBytesPerLayer(shape, p, lean, kind)
            const expected =
              recompute === 'full'
                ? 0
                : (shape.seqLen * 4 * shape.hidden) / (sequenceParallel ? tp : 1)
            expect(Math.abs(freed - expected)).toBeLessThanOrEqual(1e-9 * kept)
          }
        },
      ),
    )
  })
})

describe('model states (ZeRO, Rajbhandari et al. SC’20, Figure 1: 7.5B parameters, 64 GPUs)', () => {
  // 120 GB plain, 31.4 GB optimizer sharded, 16.6 GB and gradients, 1.9 GB and parameters.
  const shape = gptShape('zero', 32, 4096, 32) // 6.7B parameters: figures scale with Ψ
  const psi = parameterCount(shape)
  const paper = { 0: 120, 1: 31.4, 2: 16.6, 3: 1.88 } as const
  for (const zero of [0, 1, 2, 3] as const) {
    it(`ZeRO-${zero}: ${paper[zero]} GB at Ψ = 7.5B`, () => {
      const m = memoryUse(
        shape,
        par({ dp: 64, globalBatch: 64 }),
        sw({ zero, gradientBytes: 2, recompute: 'full' }),
      )
      // ZeRO-3 also holds the layer it runs and the next, gathered (2 layers of BF16 weights)
      const gathered = zero === 3 ? (2 * 2 * (psi / shape.layers)) / 1e9 : 0
      const states = (m.weightsGB + m.gradientsGB + m.optimizerGB - gathered) * (7.5e9 / psi)
      expect(states).toBeCloseTo(paper[zero], zero === 3 ? 1 : 0)
    })
  }
})

describe('pipeline memory', () => {
  it('puts the lighter chunks first and last, as Llama 3 balanced 126 layers on 16 stages', () => {
    const llama = modelPreset('llama3-405b')
    const layers = chunkLayers(llama, par({ pp: 16 }))
    expect(layers[0]).toBe(7)
    expect(layers[15]).toBe(7)
    expect(layers.reduce((a, b) => a + b, 0)).toBe(126)
    // 128 chunks of one layer: the first and the last hold only the embedding and the output
    const v8 = chunkLayers(llama, par({ pp: 16, interleave: 8 }))
    expect(v8[0]).toBe(0)
    expect(v8[127]).toBe(0)
    expect(v8.reduce((a, b) => a + b, 0)).toBe(126)
  })

  it('holds p − k micro-batches on stage k in 1F1B, never more than the step has', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 64 }), (pp, m) => {
        const shape = { ...gptShape('g', pp * 2, 1024, 8) }
        const p = par({ pp, globalBatch: m })
        const chunks = chunkLayers(shape, p)
        for (let k = 0; k < pp; k++) {
          expect(heldLayerMicroBatches(chunks, p, k)).toBe(Math.min(pp - k, m) * 2)
        }
      }),
    )
  })

  it('never holds more with interleaving than every chunk of every micro-batch', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 8, 16),
        fc.constantFrom(2, 4, 8),
        fc.integer({ min: 1, max: 8 }),
        (pp, v, rounds) => {
          const shape = gptShape('g', pp * v, 1024, 8)
          const p = par({ pp, interleave: v, globalBatch: pp * rounds })
          const chunks = chunkLayers(shape, p)
          for (let k = 0; k < pp; k++) {
            const held = heldLayerMicroBatches(chunks, p, k)
            expect(held).toBeLessThanOrEqual(pp * rounds * v)
            // at least what plain 1F1B holds on that stage
            expect(held).toBeGreaterThanOrEqual(Math.min(pp - k, pp * rounds) * v)
          }
        },
      ),
    )
  })
})

describe('Llama 3 405B as it was trained (arXiv:2407.21783 §3.3.2)', () => {
  const h100 = catalogChip('nvidia-h100-sxm-80gb')
  const net = catalogNetwork('nvidia-h100-sxm-80gb')
  const shape = modelPreset('llama3-405b')
  const fixed = { tp: 8, pp: 16, cp: 1, recompute: 'none' as const }

  it('fits TP 8, PP 16, no recomputation at 8K on 16,384 80 GB H100 with its own stack', () => {
    const [best] = searchParallelism(shape, h100, net, { gpus: 16_384, ...fixed }, llama3Stack, 1)
    expect(best?.software.recompute).toBe('none')
    expect(best?.memory.totalGB).toBeLessThan(80 * 1.073741824)
  })

  // 2,048 sequences on 64 replicas: 32 micro-batches, so Megatron's interleaved warm-up holds
  // 2·14 + 7·16 + 1 = 141 one-layer chunks on stage 1 — the run Meta made at 430 TFLOP/s a GPU.
  it('fits the interleaved schedule at 8K on 8,192 H100 (141 layer-micro-batches on stage 1) only because its norms keep their output alone', () => {
    const space = { gpus: 8_192, ...fixed, microBatch: 1, globalBatch: 2_048 }
    const [best] = searchParallelism(shape, h100, net, space, llama3Stack, 1)
    expect(best?.parallelism.interleave).toBeGreaterThan(1)
    expect(best?.memory).toMatchObject({ stage: 1, layerMicroBatches: 141 })
    const keeping = { ...llama3Stack, memoryEfficientNorm: false }
    const [fallback] = searchParallelism(shape, h100, net, space, keeping, 1)
    expect(fallback?.parallelism.interleave).toBe(1)
    expect(fallback?.tokensPerSecond ?? 0).toBeLessThan(0.8 * (best?.tokensPerSecond ?? 0))
  })

  it('never needs more memory when the norms keep their output alone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4, 8),
        fc.constantFrom(1, 2, 4, 8, 16),
        fc.constantFrom(1, 2, 4),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('none' as const, 'selective' as const, 'full' as const),
        (tp, pp, interleave, rounds, recompute) => {
          const p = par({ tp, pp, interleave, dp: 4, globalBatch: 4 * pp * rounds })
          const base = { ...llama3Stack, recompute, memoryEfficientNorm: false }
          const lean = memoryUse(shape, p, { ...base, memoryEfficientNorm: true })
          expect(lean.totalGB).toBeLessThanOrEqual(memoryUse(shape, p, base).totalGB)
        },
      ),
    )
  })

  it('explains a refusal by memory, part by part, when the stack keeps FP32 gradients whole', () => {
    expect(() =>
      searchParallelism(shape, h100, net, { gpus: 16_384, ...fixed }, modernStack, 1),
    ).toThrow(/needs [\d.]+ GB per accelerator \(weights [\d.]+ \+ gradients [\d.]+ .*ZeRO 1\)/)
  })
})
