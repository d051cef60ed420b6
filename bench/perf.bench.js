// Parallelism search time: a 1T-parameter model on 100,000 accelerators must plan in < 2 s.
// Also a 70B model on 1,024, DeepSeek-V3 (MoE: EP searched too) on 2,048 and 100,000, and the
// whole `planTraining` (search + checkpoints + cost).
import { defaultCatalog, resolveAccelerator } from '@zhisuan/domain'
import * as perf from '@zhisuan/perf'

const accelerator = resolveAccelerator(defaultCatalog(), 'nvidia-h800-sxm-80gb').value
const chip = perf.chipOf(accelerator)
const options = { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' }
const net = perf.defaultJobNetwork(accelerator, { count: 8, gbps: 400 }, options)

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
function time(fn, runs = 5) {
  fn()
  const times = []
  let result
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    result = fn()
    times.push(performance.now() - t0)
  }
  return { ms: median(times), result }
}

const cases = [
  { label: 'megatron-1t on 100,000 × H800', model: 'megatron-1t', gpus: 100_000 },
  { label: 'llama3-405b on 16,384 × H800', model: 'llama3-405b', gpus: 16_384 },
  { label: 'llama3-70b on 1,024 × H800', model: 'llama3-70b', gpus: 1024 },
  // mixture of experts: expert parallelism is searched as well
  { label: 'deepseek-v3 on 2,048 × H800', model: 'deepseek-v3', gpus: 2048 },
  { label: 'deepseek-v3 on 100,000 × H800', model: 'deepseek-v3', gpus: 100_000 },
]
const results = cases.map((c) => {
  const shape = perf.modelPreset(c.model)
  const search = time(() =>
    perf.searchParallelism(shape, chip, net, { gpus: c.gpus }, perf.modernStack, 5),
  )
  const plan = time(() =>
    perf.planTraining({
      shape,
      accelerator,
      gpus: c.gpus,
      network: net,
      space: {},
      software: perf.modernStack,
      checkpointTiers: perf.checkpointTiers(c.gpus, 8),
    }),
  )
  const best = search.result[0]
  const p = best.parallelism
  return {
    ...c,
    searchMs: search.ms,
    planMs: plan.ms,
    best: `TP ${p.tp} PP ${p.pp} DP ${p.dp} CP ${p.cp}${p.ep > 1 ? ` EP ${p.ep}` : ''} mb ${p.microBatch} v ${p.interleave} ${best.software.recompute}`,
    mfu: plan.result.mfu,
  }
})

console.log('parallelism search (TP × PP × CP × micro-batch × interleave × recompute), median of 5')
for (const r of results) {
  console.log(
    `  ${r.label.padEnd(32)} search ${r.searchMs.toFixed(0).padStart(5)} ms  plan ${r.planMs.toFixed(0).padStart(5)} ms  best ${r.best}  MFU ${(r.mfu * 100).toFixed(1)}%`,
  )
}
const big = results[0]
console.log(`  target: 1T on 100k < 2000 ms → ${big.planMs.toFixed(0)} ms`)
process.exitCode = big.planMs < 2000 ? 0 : 1
if (process.exitCode !== 0) {
  console.log('FAIL: 1T on 100k took ≥ 2 s')
}
