/**
 * Every constant of the performance model that is not a datasheet number, with where it comes
 * from. Two are fitted (marked FITTED); the rest are measurements or published figures.
 * `scripts/calibrate-perf.js` re-derives the fitted ones; `calibration.test.ts` checks that
 * they still match the data they were fitted on.
 */
export const calibration = {
  /**
   * FITTED (1 of 2). Fraction of dense peak a large matmul reaches inside a transformer layer
   * (forward + backward, with its transposed operands). Isolated square GEMMs on an H200 reach
   * 0.80–0.81 of peak (793–802 TFLOP/s, shared/fixtures/calibration); a layer's mixed shapes less.
   */
  matmulEfficiency: 0.702,
  /**
   * FITTED (2 of 2). GEMM size at which a matmul runs at half its large-size efficiency:
   * efficiency = matmulEfficiency × d / (d + matmulHalfSize), d = the matmul's smallest
   * dimension. Small TP shards and 64–160-wide attention heads fill the tensor cores less.
   *
   * Both are one joint least-squares fit (relative error, equal weight per data set) to the four
   * H200 `layer_fwd_bwd_bf16` measurements (packages/perf/fixtures) and the ten rows of
   * Megatron-LM Table 1 (A100): `node scripts/calibrate-perf.js`.
   */
  matmulHalfSize: 69,
  /**
   * Achievable fraction of datasheet memory bandwidth for streaming kernels: H200 measured
   * 4,273 GB/s device-to-device (read + write) of 4,800 (shared/fixtures/calibration).
   */
  memoryEfficiency: 4273.3 / 4800,
  /**
   * NCCL bus bandwidth over the scale-up link, as a fraction of the per-direction link rate.
   * H100: ring busbw ~370 of 450 GB/s ("~20% protocol overhead", nccl-tests#212); A100:
   * 200–208 of 300 GB/s (nccl-tests#149, #178). paper-tables.md §5.2. We take the mean, 0.75.
   */
  scaleUpBusEfficiency: 0.75,
  /** Per NIC: 46–48 GB/s busbw on 400 Gb/s NDR (nccl-tests#290, paper-tables.md §5.2) → 0.94. */
  nicEfficiency: 47 / 50,
  /** Latency per collective step inside a scale-up domain, s. Estimate (NCCL intra-node ~2–5 µs). */
  scaleUpAlphaS: 3e-6,
  /** Latency per collective step across the network, s, plus 1 µs per switch hop. Estimate. */
  networkAlphaS: 5e-6,
  switchHopS: 1e-6,
  /** Fraction of accelerator memory a job can use (CUDA context, NCCL buffers, fragmentation). Estimate. */
  usableMemoryFraction: 0.9,
  /** Bytes per parameter an Adam optimizer step reads and writes (fp32 master, m, v, grad, bf16 copy). */
  optimizerBytesPerParam: 30,
} as const
