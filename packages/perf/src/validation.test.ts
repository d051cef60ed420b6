import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogChip } from './testing.js'
import { megatron2021Stack } from './parallelism.js'
import { gptShape } from './model-shape.js'
import { seleneNetwork } from './reference-systems.js'
import { searchParallelism } from './search.js'

// Published numbers the calibration never saw; BENCHMARKS.md lists how close each comes.
const a100 = catalogChip('nvidia-a100-sxm-80gb')

describe('validation on numbers not used for calibration', () => {
  it('Megatron-LM Table 2 (PTD-P, micro-batch 1): 175B and 530B at three scales within 12%', () => {
    // [layers, hidden, heads, tp, pp, gpus, batch, TFLOP/s per GPU] — paper-tables.md §1.3 [S]
    const { rows } = JSON.parse(
      readFileSync(new URL('../fixtures/megatron-table2.json', import.meta.url), 'utf8'),
    ) as { rows: number[][] }
    expect(rows).toHaveLength(6)
    for (const [
      layers = 0,
      hidden = 0,
      heads = 0,
      tp = 0,
      pp = 0,
      gpus = 0,
      batch = 0,
      tflops = 0,
    ] of rows) {
      const shape = gptShape('t2', layers, hidden, heads)
      const [c] = searchParallelism(
        shape,
        a100,
        seleneNetwork(a100),
        { gpus, tp, pp, cp: 1, microBatch: 1, globalBatch: batch, recompute: 'full' },
        megatron2021Stack,
        1,
      )
      expect(
        Math.abs((c?.hardwareTflopsPerGpu ?? 0) / tflops - 1),
        `${hidden} on ${gpus}`,
      ).toBeLessThan(0.12)
    }
  })

  it('keeps Table 2’s trend: per-GPU throughput falls as GPUs grow at a fixed batch', () => {
    const shape = gptShape('175b', 96, 12_288, 96)
    const at = (gpus: number) =>
      searchParallelism(
        shape,
        a100,
        seleneNetwork(a100),
        { gpus, tp: 8, pp: 12, cp: 1, microBatch: 1, globalBatch: 1536, recompute: 'full' },
        megatron2021Stack,
        1,
      )[0]?.hardwareTflopsPerGpu ?? 0
    expect(at(384)).toBeGreaterThan(at(768))
    expect(at(768)).toBeGreaterThan(at(1536))
  })

  it('BLOOM-176B on 384 A100s (TP 4, PP 12, 4 × 100 Gb/s Omni-Path per node): ~150 TFLOP/s within 10%', () => {
    const bloom = {
      ...gptShape('bloom-176b', 70, 14_336, 112),
      vocab: 250_880,
      learnedPositions: false,
    }
    const net = { ...seleneNetwork(a100), nicGBsPerGpu: (4 * 100) / 8 / 8 }
    const [c] = searchParallelism(
      bloom,
      a100,
      net,
      { gpus: 384, tp: 4, pp: 12, cp: 1, microBatch: 2, globalBatch: 2048, recompute: 'full' },
      { ...megatron2021Stack, zero: 1 },
      1,
    )
    expect(Math.abs((c?.hardwareTflopsPerGpu ?? 0) / 150 - 1)).toBeLessThan(0.1)
  })
})
