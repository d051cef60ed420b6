import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
import { catalogAccelerator, catalogNetwork } from './testing.js'
import { chipOf } from './hardware.js'
import { modelPreset } from './model-shape.js'
import { modernStack } from './parallelism.js'
import { searchParallelism } from './search.js'

const llama70 = modelPreset('llama3-70b')
const perAccelerator = (name: string, accelerator = catalogAccelerator(name)) => {
  const [best] = searchParallelism(
    llama70,
    chipOf(accelerator),
    catalogNetwork(name),
    { gpus: 1024 },
    modernStack,
    1,
  )
  return (best?.tokensPerSecond ?? 0) / 1024
}

describe('per-chip and per-stack efficiency', () => {
  it('plans dense 70B training slower on MI300X than on H100 and H200 (its measured GEMM: 54% of peak)', () => {
    const mi300x = perAccelerator('amd-mi300x-192gb')
    expect(mi300x).toBeLessThan(perAccelerator('nvidia-h100-sxm-80gb'))
    expect(mi300x).toBeLessThan(perAccelerator('nvidia-h200-sxm-141gb'))
  })

  it('keeps every kernel factor in (0, 1] and names every estimate it rests on', () => {
    for (const accelerator of defaultCatalog().accelerators) {
      if (accelerator.tflops.bf16.value === null && accelerator.tflops.fp16.value === null) {
        continue
      }
      const chip = chipOf(accelerator)
      expect(chip.kernelFactor, accelerator.id).toBeGreaterThan(0)
      expect(chip.kernelFactor, accelerator.id).toBeLessThanOrEqual(1)
      const estimated =
        accelerator.gemmBf16Tflops.confidence === 'estimate' ||
        accelerator.software.maturity.confidence === 'estimate' ||
        accelerator.software.scaleUpBusEfficiency.confidence === 'estimate'
      expect(chip.estimates.length > 0, accelerator.id).toBe(estimated)
    }
  })

  it('never plans a chip faster when its measured GEMM or its collectives are slower', () => {
    const mi300x = catalogAccelerator('amd-mi300x-192gb')
    const base = perAccelerator('amd-mi300x-192gb', mi300x)
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 1, noNaN: true }),
        fc.double({ min: 0.3, max: 1, noNaN: true }),
        (gemm, bus) => {
          const slower = {
            ...mi300x,
            gemmBf16Tflops: { ...mi300x.gemmBf16Tflops, value: mi300x.gemmBf16Tflops.value * gemm },
            software: {
              ...mi300x.software,
              scaleUpBusEfficiency: {
                ...mi300x.software.scaleUpBusEfficiency,
                value: mi300x.software.scaleUpBusEfficiency.value * bus,
              },
            },
          }
          const [best] = searchParallelism(
            llama70,
            chipOf(slower),
            {
              ...catalogNetwork('amd-mi300x-192gb'),
              scaleUpBusEfficiency: slower.software.scaleUpBusEfficiency.value,
            },
            { gpus: 1024 },
            modernStack,
            1,
          )
          expect((best?.tokensPerSecond ?? 0) / 1024).toBeLessThanOrEqual(base * (1 + 1e-12))
        },
      ),
      { numRuns: 15 },
    )
  })
})
