import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { catalogChip, catalogNetwork } from './testing.js'
import { modelPreset } from './model-shape.js'
import { modernStack } from './parallelism.js'
import { batchProblem, searchParallelism } from './search.js'

const a100 = catalogChip('nvidia-a100-sxm-80gb')
const net = catalogNetwork('nvidia-a100-sxm-80gb')
const gpt3 = modelPreset('gpt3-175b') // 96 layers

describe('fixed choices', () => {
  it('accepts --pp P --interleave V for every V dividing layers/P when the micro-batches allow it', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 12, 16, 24, 48), fc.integer({ min: 1, max: 4 }), (pp, k) => {
        for (let v = 2; v <= gpt3.layers / pp; v++) {
          if (gpt3.layers % (pp * v) !== 0) {
            continue
          }
          // DP 2, micro-batch 1: k·PP micro-batches per pipeline
          const gpus = 8 * pp * 2
          const [best] = searchParallelism(
            gpt3,
            a100,
            net,
            { gpus, tp: 8, pp, cp: 1, interleave: v, microBatch: 1, globalBatch: 2 * k * pp },
            { ...modernStack, recompute: 'full' },
            1,
          )
          expect(best?.parallelism.interleave).toBe(v)
          expect(best?.parallelism.pp).toBe(pp)
        }
      }),
      { numRuns: 20 },
    )
  })

  it('says which batch rule failed, with the arithmetic', () => {
    const par = {
      tp: 8,
      pp: 8,
      dp: 4,
      cp: 1,
      ep: 1,
      microBatch: 1,
      globalBatch: 4 * 12,
      interleave: 4,
    }
    expect(batchProblem(par)).toBe(
      'interleave 4 needs the micro-batch count to be a multiple of PP: global batch 48 / (DP 4 × micro-batch 1) = 12 micro-batches, not a multiple of PP 8',
    )
    expect(batchProblem({ ...par, globalBatch: 50 })).toMatch(
      /global batch \(50\) must be a multiple of DP × micro-batch \(4 × 1 = 4\)/,
    )
    expect(batchProblem({ ...par, globalBatch: 64 })).toBeUndefined()
  })

  it('names the structural rule with its numbers: PP × V chunks against the layers', () => {
    expect(() =>
      searchParallelism(gpt3, a100, net, { gpus: 1024, pp: 16, interleave: 8 }, modernStack, 1),
    ).toThrow(/PP 16 × interleave 8 = 128 model chunks exceeds the layers \+ 2 \(96 \+ 2/)
  })

  it('prefers the memory reason to a structural one the search met on the way', () => {
    try {
      searchParallelism(
        modelPreset('megatron-1t'),
        a100,
        net,
        { gpus: 8, globalBatch: 8 },
        modernStack,
        1,
      )
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ZhisuanError)
      expect((error as Error).message).toMatch(
        /even the smallest configuration needs [\d.]+ GB per accelerator .* 77\.3 GB usable of 80 GB/,
      )
    }
  })
})
