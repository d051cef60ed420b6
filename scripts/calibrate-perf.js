// Re-derives the two fitted constants of the performance model (packages/perf/src/calibration.ts):
//   matmulEfficiency — least squares on the H200 single-layer measurements (relative error);
//   matmulHalfSize   — least squares on the ten rows of Megatron-LM Table 1 (relative error).
// The two fits depend on each other a little, so they alternate until both settle.
// Usage: npm run build && node scripts/calibrate-perf.js
import { readFileSync } from 'node:fs'
import { defaultCatalog, resolveAccelerator } from '@zhisuan/domain'
import * as perf from '@zhisuan/perf'

const fixture = (name) =>
  JSON.parse(readFileSync(new URL(`../packages/perf/fixtures/${name}`, import.meta.url), 'utf8'))
const chip = (id) => perf.chipOf(resolveAccelerator(defaultCatalog(), id).value)
const h200 = chip('nvidia-h200-sxm-141gb')
const a100 = chip('nvidia-a100-sxm-80gb')
const layers = Object.entries(fixture('h200-calibration.json').layer_fwd_bwd_bf16).map(
  ([key, v]) => {
    const [, h, s, b] = /h(\d+)_s(\d+)_b(\d+)/.exec(key).map(Number)
    return { h, s, b, ms: v.step_ms }
  },
)
const table1 = fixture('megatron-table1.json').rows

const h200Errors = () =>
  layers.map((l) => (perf.singleLayerSeconds(h200, l.h, l.s, l.b) * 1e3) / l.ms - 1)
const table1Errors = () =>
  table1.map(([, heads, hidden, layersCount, tp, pp, gpus, batch, tflops]) => {
    const shape = perf.gptShape('row', layersCount, hidden, heads)
    const [best] = perf.searchParallelism(
      shape,
      a100,
      perf.seleneNetwork(a100),
      { gpus, tp, pp, cp: 1, globalBatch: batch, recompute: 'full' },
      perf.megatron2021Stack,
      1,
    )
    return best.hardwareTflopsPerGpu / tflops - 1
  })
const rms = (errors) => Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length)

/** Golden-section minimum of f on [lo, hi]. */
function minimize(f, lo, hi, tolerance) {
  const g = (Math.sqrt(5) - 1) / 2
  let a = lo
  let b = hi
  while (b - a > tolerance) {
    const c = b - g * (b - a)
    const d = a + g * (b - a)
    if (f(c) < f(d)) {
      b = d
    } else {
      a = c
    }
  }
  return (a + b) / 2
}

// Joint fit: both data sets weigh equally; the outer search is over the half size, the inner
// over the large-matmul efficiency.
const c = perf.calibration
const objective = () => rms(h200Errors()) ** 2 + rms(table1Errors()) ** 2
c.matmulHalfSize = minimize(
  (d) => {
    c.matmulHalfSize = d
    c.matmulEfficiency = minimize((x) => ((c.matmulEfficiency = x), objective()), 0.5, 0.95, 1e-3)
    return objective()
  },
  0,
  400,
  1,
)
c.matmulEfficiency = minimize((x) => ((c.matmulEfficiency = x), objective()), 0.5, 0.95, 1e-4)
console.log(
  `matmulEfficiency ${c.matmulEfficiency.toFixed(3)}, matmulHalfSize ${c.matmulHalfSize.toFixed(0)}`,
)
const pct = (e) => `${(e * 100).toFixed(1)}%`
console.log(
  `H200 layer errors: ${h200Errors().map(pct).join(', ')} (rms ${pct(rms(h200Errors()))})`,
)
console.log(
  `Megatron Table 1 errors: ${table1Errors().map(pct).join(', ')} (rms ${pct(rms(table1Errors()))})`,
)
const errors = table1Errors()
console.log('\n| params | TP | PP | GPUs | batch | published TFLOP/s | predicted | error |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
table1.forEach(([params, , , , tp, pp, gpus, batch, tflops], i) => {
  const e = errors[i]
  console.log(
    `| ${params}B | ${tp} | ${pp} | ${gpus} | ${batch} | ${tflops} | ${(tflops * (1 + e)).toFixed(1)} | ${pct(e)} |`,
  )
})
