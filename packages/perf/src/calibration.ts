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
  matmulHalfSize: 64,
  /**
   * Achievable fraction of datasheet memory bandwidth for streaming kernels: H200 measured
   * 4,273 GB/s device-to-device (read + write) of 4,800 (shared/fixtures/calibration).
   */
  memoryEfficiency: 4273.3 / 4800,
  /**
   * MEASURED. The calibration chip's best dense BF16 GEMM over its peak: H200 802.3 of 989
   * TFLOP/s (shared/fixtures/calibration, n = 8192). A chip whose measured best GEMM reaches a
   * smaller fraction runs its kernels that much below the fit (`Chip.kernelFactor`); the
   * measured GEMMs and each stack's collective efficiencies live in the catalog.
   */
  referenceGemmFraction: 802.3 / 989,
  /** Latency per collective step inside a scale-up domain, s. Estimate (NCCL intra-node ~2–5 µs). */
  scaleUpAlphaS: 3e-6,
  /** Latency per collective step across the network, s, plus 1 µs per switch hop. Estimate. */
  networkAlphaS: 5e-6,
  switchHopS: 1e-6,
  /** Fraction of accelerator memory a job can use (CUDA context, NCCL buffers, fragmentation). Estimate. */
  usableMemoryFraction: 0.9,
  /** Bytes per parameter an Adam optimizer step reads and writes (fp32 master, m, v, grad, bf16 copy). */
  optimizerBytesPerParam: 30,
  /**
   * PUBLISHED. Share of hosts that are slow: "approximately 0.5% of machines are substantially
   * slower" (MegaScale, arXiv:2402.15627 §6; paper-tables.md §2.5).
   */
  stragglerNodeShare: 0.005,
  /**
   * PUBLISHED (derived). What a job with slow hosts loses: removing them gave +0.7 points of MFU
   * on a >10,000-GPU job at 55.2% MFU (MegaScale, paper-tables.md §2.5): 0.7/55.2 = 1.3%.
   */
  stragglerSlowdown: 0.7 / 55.2,
  /**
   * ESTIMATE. Fraction of line rate rail traffic keeps when it climbs above the leaf, where
   * ECMP hashes flows onto uplinks and some collide. Meta measured collisions costing training
   * "up to more than 30%" and E-ECMP with more queue pairs recovering "up to 40%" of all-reduce
   * bandwidth (Gangidi et al., SIGCOMM'24; paper-tables.md §5.3): we assume a tuned fabric keeps
   * 1/1.1 of it, a tenth of that worst case.
   */
  ecmpEfficiency: 1 / 1.1,
  /**
   * ESTIMATE. Time per layer per serving step that no roofline counts: kernel launches and the
   * gaps between them (about 8 kernels a layer at 1–2 µs each under CUDA graphs) and the
   * scheduler's share. 10 µs: 0.8 ms a step for an 80-layer model.
   */
  servingLayerOverheadS: 10e-6,
} as const
