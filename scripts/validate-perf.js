// Checks the performance model, with no retuning, against published numbers it was not
// calibrated on, and prints how close it comes. Usage: npm run build && node scripts/validate-perf.js
import { readFileSync } from 'node:fs'
import { defaultCatalog, resolveAccelerator } from '@zhisuan/domain'
import * as perf from '@zhisuan/perf'

const chip = (id) => perf.chipOf(resolveAccelerator(defaultCatalog(), id).value)
const a100 = chip('nvidia-a100-sxm-80gb')
const h100 = chip('nvidia-h100-sxm-80gb')
const selene = perf.seleneNetwork(a100)
const rows = []
const check = (label, source, candidate, observed, field) => {
  const predicted = candidate[field]
  const p = candidate.parallelism
  rows.push({
    label,
    source,
    predicted,
    observed,
    error: predicted / observed - 1,
    config: `TP ${p.tp} PP ${p.pp} DP ${p.dp} CP ${p.cp} mb ${p.microBatch} v ${p.interleave}`,
  })
}
const best = (shape, c, net, space, sw) => perf.searchParallelism(shape, c, net, space, sw, 1)[0]

// Megatron-LM Table 2, PTD-P rows (paper-tables.md §1.3 [S]): micro-batch 1, full recomputation.
const table2 = JSON.parse(
  readFileSync(new URL('../packages/perf/fixtures/megatron-table2.json', import.meta.url), 'utf8'),
)
for (const [l, h, a, tp, pp, n, B, tf] of table2.rows) {
  const shape = perf.gptShape('t2', l, h, a)
  const c = best(
    shape,
    a100,
    selene,
    { gpus: n, tp, pp, cp: 1, microBatch: 1, globalBatch: B, recompute: 'full' },
    perf.megatron2021Stack,
  )
  check(
    `Megatron Table 2: ${h === 12288 ? '175B' : '530B'} on ${n} A100`,
    '[S] paper-tables §1.3',
    c,
    tf,
    'hardwareTflopsPerGpu',
  )
}

// BLOOM-176B: 384 A100 80GB, ~150 TFLOP/s per GPU (paper-tables §4.3 [P]). Shape and layout
// (70 layers, hidden 14336, 112 heads, vocabulary 250,880, ALiBi; TP 4, PP 12, DP 8, micro-batch 2,
// batch 2048, 4 × 100 Gb/s Omni-Path per node, ZeRO-1) from the BigScience model card and
// training README, quoted from memory [R].
const bloom = {
  ...perf.gptShape('bloom-176b', 70, 14336, 112),
  vocab: 250880,
  learnedPositions: false,
}
check(
  'BLOOM-176B on 384 A100',
  '[P] 150 TF; layout [R]',
  best(
    bloom,
    a100,
    { ...selene, nicGBsPerGpu: 400 / 8 / 8 },
    { gpus: 384, tp: 4, pp: 12, cp: 1, microBatch: 2, globalBatch: 2048, recompute: 'full' },
    { ...perf.megatron2021Stack, zero: 1 },
  ),
  150,
  'hardwareTflopsPerGpu',
)

// Llama 3 405B, arXiv:2407.21783 Table 4 (BF16 model TFLOP/s per GPU on H100), quoted from
// memory [R]: 8 × 400 Gb/s RoCE per node, 3,072-GPU pods at full bisection, 1:7 above them.
const llamaNet = {
  gpusPerNode: 8,
  domainGpus: 8,
  scaleUpGBs: h100.scaleUpGBs,
  nicGBsPerGpu: 50,
  nodesPerBlock: 2,
  nodesPerPod: 384,
  oversubscription: { leaf: 1, spine: 7 },
  lossRate: 0,
  retransmission: 'go-back-n',
  placement: 'packed',
}
const llamaStack = {
  recompute: 'none',
  zero: 1,
  dpOverlap: 0.9,
  tpOverlap: 0,
  sequenceParallel: true,
  flashAttention: true,
}
for (const [n, cp, seq, tf] of [
  [8192, 1, 8192, 430],
  [16384, 1, 8192, 400],
  [16384, 16, 131072, 380],
]) {
  const shape = { ...perf.modelPreset('llama3-405b'), seqLen: seq }
  const c = best(
    shape,
    h100,
    llamaNet,
    { gpus: n, tp: 8, pp: 16, cp, microBatch: 1, globalBatch: (16 * 2 ** 20) / seq },
    llamaStack,
  )
  check(
    `Llama 3 405B on ${n} H100, seq ${seq}`,
    '[R] arXiv:2407.21783 Table 4',
    c,
    tf,
    'modelTflopsPerGpu',
  )
}

console.log('| system | source | predicted TFLOP/s | published | error | configuration |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.source} | ${r.predicted.toFixed(1)} | ${r.observed} | ${(r.error * 100).toFixed(1)}% | ${r.config} |`,
  )
}
