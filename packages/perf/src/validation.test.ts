import { describe, expect, it } from 'vitest'
import { catalogChip } from './testing.js'
import { megatron2021Stack } from './parallelism.js'
import { gptShape, seleneNetwork } from './reference-systems.js'
import { searchParallelism } from './search.js'

// Published numbers the calibration never saw; BENCHMARKS.md lists how close each comes.
const a100 = catalogChip('nvidia-a100-sxm-80gb')

describe('validation on numbers not used for calibration', () => {
  it('Megatron-LM Table 2 (PTD-P, micro-batch 1): 175B and 530B at three scales within 12%', () => {
    // [layers, hidden, heads, tp, pp, gpus, batch, TFLOP/s per GPU] — paper-tables.md §1.3 [S]
    const rows = [
      [96, 12_288, 96, 8, 12, 384, 1536, 153],
      [96, 12_288, 96, 8, 12, 768, 1536, 149],
      [96, 12_288, 96, 8, 12, 1536, 1536, 141],
      [105, 20_480, 128, 8, 35, 560, 2240, 171],
      [105, 20_480, 128, 8, 35, 1120, 2240, 167],
      [105, 20_480, 128, 8, 35, 2240, 2240, 159],
    ]
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
