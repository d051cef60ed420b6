import { describe, expect, it } from 'vitest'
import { hardwareFlopsPerToken, modelFlopsPerToken, parameterCount } from './flops.js'
import { modelPreset, modelPresets } from './model-shape.js'

/** Megatron-LM's closed forms (paper-tables.md §1.2), for GPT shapes. */
const megatronParams = (l: number, h: number, V = 51_200, s = 2048) =>
  12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h))
const megatronFlopsPerIter = (B: number, l: number, h: number, V = 51_200, s = 2048) =>
  96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))

describe('parameters and FLOPs', () => {
  // (params in billions, layers, hidden) of Megatron-LM Table 1
  const table1: [number, number, number][] = [
    [1.7, 24, 2304],
    [3.6, 30, 3072],
    [7.5, 36, 4096],
    [18.4, 40, 6144],
    [39.1, 48, 8192],
    [76.1, 60, 10_240],
    [145.6, 80, 12_288],
    [310.1, 96, 16_384],
    [529.6, 105, 20_480],
    [1008, 128, 25_600],
  ]

  it('reproduces every parameter count of Megatron-LM Table 1 to 0.1 B', () => {
    for (const [billions, layers, hidden] of table1) {
      const shape = {
        ...modelPreset('gpt3-175b'),
        layers,
        hidden,
        ffnHidden: 4 * hidden,
        heads: 32,
        kvHeads: 32,
      }
      expect(Math.abs(parameterCount(shape) / 1e9 - billions)).toBeLessThan(0.1 + 0.001 * billions)
      // our count adds only the final norm (2h) to Megatron's formula
      expect(parameterCount(shape) - megatronParams(layers, hidden)).toBeCloseTo(2 * hidden, 0)
    }
  })

  it('matches the Megatron-LM FLOPs formula with full recomputation', () => {
    const shape = modelPreset('megatron-1t')
    const perIter = hardwareFlopsPerToken(shape, 'full') * 3072 * 2048
    expect(perIter / megatronFlopsPerIter(3072, 128, 25_600)).toBeCloseTo(1, 12)
    // 51,391 PFLOP per iteration, the derived column of Table 1
    expect(perIter / 1e15).toBeCloseTo(51_391, -1)
  })

  it('gives 6 FLOPs per parameter per token plus attention for model FLOPs', () => {
    const shape = modelPreset('llama3-70b')
    const approx = 6 * parameterCount(shape)
    expect(modelFlopsPerToken(shape) / approx).toBeGreaterThan(1)
    expect(modelFlopsPerToken(shape) / approx).toBeLessThan(1.3)
  })

  it('counts the Llama 3 models at their published sizes', () => {
    expect(parameterCount(modelPreset('llama3-8b')) / 1e9).toBeCloseTo(8.03, 1)
    expect(parameterCount(modelPreset('llama3-70b')) / 1e9).toBeCloseTo(70.6, 1)
    expect(parameterCount(modelPreset('llama3-405b')) / 1e9).toBeCloseTo(405.9, 0)
  })

  it('orders recomputation: none < selective < full', () => {
    for (const shape of Object.values(modelPresets)) {
      const none = hardwareFlopsPerToken(shape, 'none')
      expect(none).toBe(modelFlopsPerToken(shape))
      expect(hardwareFlopsPerToken(shape, 'selective')).toBeGreaterThan(none)
      expect(hardwareFlopsPerToken(shape, 'full')).toBeGreaterThan(
        hardwareFlopsPerToken(shape, 'selective'),
      )
    }
  })
})
