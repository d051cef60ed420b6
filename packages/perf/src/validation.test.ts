import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogChip } from './testing.js'
import { llama3Stack, megatron2021Stack } from './parallelism.js'
import { gptShape, modelPreset } from './model-shape.js'
import { llama3Network, seleneNetwork } from './reference-systems.js'
import { searchParallelism } from './search.js'

// Published numbers the calibration never saw; BENCHMARKS.md lists how close each comes.
const a100 = catalogChip('nvidia-a100-sxm-80gb')

describe('validation on numbers not used for calibration', () => {
  // [layers, hidden, heads, tp, pp, gpus, batch, TFLOP/s per GPU] — paper-tables.md §1.3 [S]
  const table2 = (
    JSON.parse(
      readFileSync(new URL('../fixtures/megatron-table2.json', import.meta.url), 'utf8'),
    ) as { rows: number[][] }
  ).rows
  // PTD-P as Table 2 compares it with ZeRO-3: the plain 1F1B schedule (our reading of the paper)
  const predicted = table2.map(
    ([layers = 0, hidden = 0, heads = 0, tp = 0, pp = 0, gpus = 0, batch = 0, tflops = 0]) => {
      const [c] = searchParallelism(
        gptShape('t2', layers, hidden, heads),
        a100,
        seleneNetwork(a100),
        {
          gpus,
          tp,
          pp,
          cp: 1,
          microBatch: 1,
          interleave: 1,
          globalBatch: batch,
          recompute: 'full',
        },
        megatron2021Stack,
        1,
      )
      return { hidden, gpus, tflops, model: c?.hardwareTflopsPerGpu ?? 0 }
    },
  )

  it('Megatron-LM Table 2 (PTD-P, micro-batch 1): 175B and 530B at three scales within 5%', () => {
    expect(predicted).toHaveLength(6)
    for (const r of predicted) {
      expect(Math.abs(r.model / r.tflops - 1), `${r.hidden} on ${r.gpus}`).toBeLessThan(0.05)
    }
  })

  it('falls with GPUs at a fixed batch as Table 2 does, from the bubble, within 3 points', () => {
    for (const hidden of [12_288, 20_480]) {
      const rows = predicted.filter((r) => r.hidden === hidden)
      const first = rows[0]
      const last = rows.at(-1)
      if (first === undefined || last === undefined) {
        throw new Error(`no Table 2 rows for hidden ${hidden}`)
      }
      const model = last.model / first.model - 1
      const paper = last.tflops / first.tflops - 1
      expect(model).toBeLessThan(0)
      expect(Math.abs(model - paper), `${hidden}: ${model} vs ${paper}`).toBeLessThan(0.03)
    }
  })

  // Llama 3 405B, arXiv:2407.21783 Table 4: 16M-token batches, TP 8, PP 16, on Meta's RoCE
  // cluster, 430 model TFLOP/s per GPU on 8,192 H100 and 400 on 16,384 (−7.0%); at 131,072
  // tokens with CP 16 on 16,384, 380 (−5.0% from 8K). The model over-predicts every row by
  // 14–16% (BENCHMARKS.md); the trend across scale and sequence is what this holds.
  it('Llama 3 405B falls from 8,192 to 16,384 H100, and from 8K to 128K tokens, as published, within 3 points', () => {
    const h100 = catalogChip('nvidia-h100-sxm-80gb')
    const tflops = (gpus: number, cp: number, seqLen: number) => {
      const shape = { ...modelPreset('llama3-405b'), seqLen }
      const space = { gpus, tp: 8, pp: 16, cp, microBatch: 1, globalBatch: 2 ** 24 / seqLen }
      const [c] = searchParallelism(shape, h100, llama3Network(h100), space, llama3Stack, 1)
      return c?.modelTflopsPerGpu ?? 0
    }
    const at8k = tflops(8_192, 1, 8_192)
    const at16k = tflops(16_384, 1, 8_192)
    const at128k = tflops(16_384, 16, 131_072)
    expect(at16k).toBeLessThan(at8k)
    expect(Math.abs(at16k / at8k - 400 / 430)).toBeLessThan(0.03)
    expect(at128k).toBeLessThan(at16k)
    expect(Math.abs(at128k / at16k - 380 / 400)).toBeLessThan(0.03)
  })

  // Within 12%: since stages count their own layers (70 over 12: ten of 6, the last two of 5, the
  // last with the 250k-vocabulary output layer, as DeepSpeed's greedy split gives), the slowest
  // stage is 6 layers, not 6 plus the output layer, and the model over-predicts by 11%
  // (BENCHMARKS.md); it was −3% when every stage was charged ⌈70/12⌉ layers.
  it('BLOOM-176B on 384 A100s (TP 4, PP 12, 4 × 100 Gb/s Omni-Path per node): ~150 TFLOP/s within 12%', () => {
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
    expect(Math.abs((c?.hardwareTflopsPerGpu ?? 0) / 150 - 1)).toBeLessThan(0.12)
  })
})
