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
  /**
   * How much of the calibrated kernel efficiency this chip and its stack reach: its measured best
   * GEMM's fraction of peak against the calibration chip's (H200, `referenceGemmFraction`; no
   * more than 1), times the stack's maturity.
   */
  readonly kernelFactor: number
  /** Dense FP8 peak, TFLOP/s, and its kernel factor (from the measured FP8 GEMM); null without FP8. */
  readonly fp8: { readonly peakTflops: number; readonly kernelFactor: number } | null
  /**
   * Dense INT8 peak, TOP/s, and its kernel factor; null without INT8 matrix units. No INT8 GEMM
   * is measured in the catalog, so its factor is the BF16 one (an estimate, listed when used).
   */
  readonly int8: { readonly peakTops: number; readonly kernelFactor: number } | null
  /** The vendor stack and its collective library, e.g. `rocm` (RCCL). */
  readonly stack: string
  readonly collectives: string
  /** Collective bus bandwidth over the scale-up link rate, and per NIC over its line rate. */
  readonly scaleUpBusEfficiency: number
  readonly nicEfficiency: number
  /** The efficiency figures this chip's answers rest on that are only estimated. */
  readonly estimates: readonly string[]
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
  const sw = accelerator.software
  const gemm = accelerator.gemmBf16Tflops
  // The measured best GEMM's fraction of peak against the calibration chip's, times maturity.
  const factor = (best: number, of: number) =>
    Math.min(1, best / of / calibration.referenceGemmFraction) * sw.maturity.value
  const estimates = [
    gemm.confidence === 'estimate' ? 'best GEMM' : undefined,
    sw.maturity.confidence === 'estimate' ? `${sw.id} kernel maturity` : undefined,
    sw.scaleUpBusEfficiency.confidence === 'estimate'
      ? `${sw.collectives} scale-up bandwidth`
      : undefined,
  ].filter((e): e is string => e !== undefined)
  const fp8Peak = accelerator.tflops.fp8.value
  const fp8Gemm = accelerator.gemmFp8Tflops.value
  const fp8 =
    fp8Peak === null || fp8Gemm === null
      ? null
      : { peakTflops: fp8Peak, kernelFactor: factor(fp8Gemm, fp8Peak) }
  const int8Peak = accelerator.tflops.int8.value
  const kernelFactor = factor(gemm.value, peak)
  return {
    id: accelerator.id,
    family: accelerator.family,
    peakTflops: peak,
    memoryGB: accelerator.memory.gb.value,
    memoryGBs: accelerator.memory.bandwidthGBs.value,
    scaleUpGBs: accelerator.scaleUp.gbpsPerDirection.value,
    kernelFactor,
    fp8,
    int8: int8Peak === null ? null : { peakTops: int8Peak, kernelFactor },
    stack: sw.id,
    collectives: sw.collectives,
    scaleUpBusEfficiency: sw.scaleUpBusEfficiency.value,
    nicEfficiency: sw.nicEfficiency.value,
    estimates,
  }
}

/**
 * Efficiency of a matmul whose smallest dimension is `d` on the calibration chips (see
 * `calibration.matmulHalfSize`).
 */
export function matmulEfficiency(d: number): number {
  return (calibration.matmulEfficiency * d) / (d + calibration.matmulHalfSize)
}

/** Efficiency of a matmul whose smallest dimension is `d` on this chip. */
export function chipMatmulEfficiency(chip: Chip, d: number): number {
  return matmulEfficiency(d) * chip.kernelFactor
}

/** Numeric format of a matmul's operands. */
export type Precision = 'bf16' | 'fp8' | 'int8'

/**
 * Seconds for a matmul of M×K by K×N on one chip, in BF16, FP8 or INT8 (a format the chip lacks
 * runs at BF16 speed, as a stack would fall back).
 */
export function matmulSeconds(
  chip: Chip,
  m: number,
  k: number,
  n: number,
  precision: Precision = 'bf16',
): number {
  const flops = 2 * m * k * n
  const shape = matmulEfficiency(Math.min(m, k, n))
  if (precision === 'fp8' && chip.fp8 !== null) {
    return flops / (chip.fp8.peakTflops * 1e12 * shape * chip.fp8.kernelFactor)
  }
  if (precision === 'int8' && chip.int8 !== null) {
    return flops / (chip.int8.peakTops * 1e12 * shape * chip.int8.kernelFactor)
  }
  return flops / (chip.peakTflops * 1e12 * shape * chip.kernelFactor)
}

/** Seconds to stream `bytes` through memory (elementwise kernels, optimizer steps). */
export function memorySeconds(chip: Chip, bytes: number): number {
  return bytes / (chip.memoryGBs * 1e9 * calibration.memoryEfficiency)
}
