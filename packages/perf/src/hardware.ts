import { ZhisuanError, type Accelerator } from '@zhisuan/domain'
import { calibration } from './calibration.js'

/** What the model needs to know about one accelerator. */
export interface Chip {
  readonly id: string
  readonly family: string
  /** Dense 16-bit peak (BF16, else FP16), TFLOP/s. */
  readonly peakTflops: number
  readonly memoryGB: number
  readonly memoryGBs: number
  /** Scale-up link rate per direction, GB/s. */
  readonly scaleUpGBs: number
}

/**
 * The model's view of a catalog entry.
 * @throws ZhisuanError `invalid-input` when the chip has no 16-bit matrix throughput.
 */
export function chipOf(accelerator: Accelerator): Chip {
  const peak = accelerator.tflops.bf16.value ?? accelerator.tflops.fp16.value
  if (peak === null) {
    throw new ZhisuanError(
      'invalid-input',
      `${accelerator.id} has no BF16/FP16 throughput in the catalog`,
    )
  }
  return {
    id: accelerator.id,
    family: accelerator.family,
    peakTflops: peak,
    memoryGB: accelerator.memory.gb.value,
    memoryGBs: accelerator.memory.bandwidthGBs.value,
    scaleUpGBs: accelerator.scaleUp.gbpsPerDirection.value,
  }
}

/** Efficiency of a matmul whose smallest dimension is `d` (see `calibration.matmulHalfSize`). */
export function matmulEfficiency(d: number): number {
  return (calibration.matmulEfficiency * d) / (d + calibration.matmulHalfSize)
}

/** Seconds for a matmul of M×K by K×N on one chip. */
export function matmulSeconds(chip: Chip, m: number, k: number, n: number): number {
  const flops = 2 * m * k * n
  return flops / (chip.peakTflops * 1e12 * matmulEfficiency(Math.min(m, k, n)))
}

/** Seconds to stream `bytes` through memory (elementwise kernels, optimizer steps). */
export function memorySeconds(chip: Chip, bytes: number): number {
  return bytes / (chip.memoryGBs * 1e9 * calibration.memoryEfficiency)
}
