import { describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
import {
  referenceThroughput,
  scuReferenceId,
  standardComputeUnits,
  workloadClasses,
} from './scu.js'

describe('standard compute units', () => {
  const catalog = defaultCatalog()
  const byId = (id: string) => {
    const a = catalog.accelerators.find((x) => x.id === id)
    if (a === undefined) {
      throw new Error(id)
    }
    return a
  }

  it('rates the reference accelerator at exactly 1 in every class', () => {
    expect(standardComputeUnits(catalog, byId(scuReferenceId))).toEqual({
      'llm-train': 1,
      'llm-prefill': 1,
      'llm-decode': 1,
    })
  })

  it('gives every catalog entry a finite rating, positive wherever the reference workload fits', () => {
    for (const a of catalog.accelerators) {
      const scu = standardComputeUnits(catalog, a)
      for (const c of workloadClasses) {
        expect(Number.isFinite(scu[c]), `${a.id} ${c}`).toBe(true)
        expect(scu[c], `${a.id} ${c}`).toBeGreaterThanOrEqual(0)
        // 32 GB and more hold the 8B training and the 70B prefill/decode shards of a node
        if (a.memory.gb.value >= 32) {
          expect(scu[c], `${a.id} ${c}`).toBeGreaterThan(0)
        }
      }
    }
  })

  it('follows the roofline: training tracks compute, decoding tracks memory bandwidth', () => {
    const h100 = standardComputeUnits(catalog, byId('nvidia-h100-sxm-80gb'))
    const h200 = standardComputeUnits(catalog, byId('nvidia-h200-sxm-141gb'))
    const h20 = standardComputeUnits(catalog, byId('nvidia-h20-96gb'))
    // same compute: training within the split the H100 pays for its memory (its 80 GB need TP 2
    // for the 8B model's FP32 gradients, where the H200 holds it whole); H200's 4.8 vs 3.35 TB/s
    // wins decoding
    expect(h200['llm-train']).toBeGreaterThanOrEqual(h100['llm-train'])
    expect(h200['llm-train'] / h100['llm-train'] - 1).toBeLessThan(0.15)
    expect(h200['llm-decode']).toBeGreaterThan(1.2 * h100['llm-decode'])
    // H20: a sixth of H100's compute, more bandwidth: far behind in training, close in decoding
    expect(h20['llm-train']).toBeLessThan(0.25 * h100['llm-train'])
    expect(h20['llm-decode']).toBeGreaterThan(0.4 * h100['llm-decode'])
  })

  it('rates a chip lower in decoding when its memory holds fewer sequences', () => {
    const big = standardComputeUnits(catalog, byId('nvidia-a100-sxm-80gb'))
    const small = standardComputeUnits(catalog, byId('nvidia-a100-sxm-40gb'))
    // same compute: training and prefill within the bandwidth difference; decoding pays for capacity
    expect(small['llm-prefill']).toBeGreaterThan(0.95)
    expect(small['llm-decode']).toBeLessThan(0.9)
    expect(referenceThroughput(byId('nvidia-a100-sxm-40gb'))['llm-decode']).toBeLessThan(
      referenceThroughput(byId('nvidia-a100-sxm-80gb'))['llm-decode'],
    )
    expect(big['llm-decode']).toBe(1)
  })
})
