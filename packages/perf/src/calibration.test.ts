import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogChip } from './testing.js'
import { megatron2021Stack } from './parallelism.js'
import { gptShape } from './model-shape.js'
import { seleneNetwork, singleLayerSeconds } from './reference-systems.js'
import { searchParallelism } from './search.js'

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'))
const a100 = catalogChip('nvidia-a100-sxm-80gb')
const h200 = catalogChip('nvidia-h200-sxm-141gb')
const rms = (errors: number[]) => Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length)

describe('calibration: Megatron-LM Table 1 (A100, 8 × 200 Gb/s HDR, full recomputation)', () => {
  const { rows } = fixture('megatron-table1.json') as { rows: number[][] }
  const results = rows.map((row) => {
    const [
      params = 0,
      heads = 0,
      hidden = 0,
      layers = 0,
      tp = 0,
      pp = 0,
      gpus = 0,
      batch = 0,
      tflops = 0,
    ] = row
    const shape = gptShape(`${params}B`, layers, hidden, heads)
    const net = seleneNetwork(a100)
    // The paper's exact configuration; micro-batch and interleaving are searched (not given).
    const [paper] = searchParallelism(
      shape,
      a100,
      net,
      { gpus, tp, pp, cp: 1, globalBatch: batch, recompute: 'full' },
      megatron2021Stack,
      1,
    )
    const [found] = searchParallelism(
      shape,
      a100,
      net,
      { gpus, globalBatch: batch, recompute: 'full' },
      megatron2021Stack,
      1,
    )
    if (paper === undefined || found === undefined) {
      throw new Error(`row ${params}B: no configuration`)
    }
    return { params, tflops, paper, found, error: paper.hardwareTflopsPerGpu / tflops - 1 }
  })

  it('predicts every row within ±10%', () => {
    for (const r of results) {
      expect(
        Math.abs(r.error),
        `${r.params}B: ${r.paper.hardwareTflopsPerGpu.toFixed(1)} vs ${r.tflops}`,
      ).toBeLessThanOrEqual(0.1)
    }
  })

  it('has an RMS error of at most 5% over the ten rows', () => {
    expect(results).toHaveLength(10)
    expect(rms(results.map((r) => r.error))).toBeLessThanOrEqual(0.05)
  })

  it('finds a configuration at least as fast as the paper’s for each row', () => {
    for (const r of results) {
      expect(r.found.tokensPerSecond, `${r.params}B`).toBeGreaterThanOrEqual(
        r.paper.tokensPerSecond * (1 - 1e-12),
      )
    }
  })
})

describe('calibration: one H200, one transformer layer forward + backward (BF16)', () => {
  const file = fixture('h200-calibration.json') as {
    layer_fwd_bwd_bf16: Record<string, { step_ms: number }>
  }
  const measured = file.layer_fwd_bwd_bf16

  it('reproduces each measured layer time within 3%', () => {
    const keys = Object.keys(measured)
    expect(keys).toHaveLength(4)
    for (const key of keys) {
      const [, h = 0, s = 0, b = 0] = (/h(\d+)_s(\d+)_b(\d+)/.exec(key) ?? []).map(Number)
      const predictedMs = singleLayerSeconds(h200, h, s, b) * 1e3
      expect(Math.abs(predictedMs / (measured[key]?.step_ms ?? 0) - 1), key).toBeLessThan(0.03)
    }
  })
})
