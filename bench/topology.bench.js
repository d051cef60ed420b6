// Fabric build time and memory at 100k accelerators, and the cost of tier queries at
// growing fabric sizes (the ratio shows whether a query depends on the fabric's size).
import { readFileSync } from 'node:fs'
import prand from 'pure-rand'
import { defaultCatalog, lowestCommonTier, parseClusterFile } from '@zhisuan/domain'

const text = readFileSync(new URL('../examples/clusters/rail-100k.yaml', import.meta.url), 'utf8')
const catalog = defaultCatalog()
const withNodes = (nodes) => text.replace('count: 12500', `count: ${nodes}`)
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1)

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

// Build: parse + validate + lay out, median of 5 after one warm-up.
parseClusterFile('rail-100k.yaml', text, catalog)
const times = []
for (let i = 0; i < 5; i++) {
  const t0 = performance.now()
  parseClusterFile('rail-100k.yaml', text, catalog)
  times.push(performance.now() - t0)
}
globalThis.gc()
const before = process.memoryUsage()
const cluster = parseClusterFile('rail-100k.yaml', text, catalog)
globalThis.gc()
const after = process.memoryUsage()
const retained = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers
const buildMs = median(times)

// Queries: 1M random accelerator pairs on fabrics of 1k, 10k and 100k accelerators.
function queryNs(fabric) {
  let rng = prand.xoroshiro128plus(42)
  const n = fabric.acceleratorCount
  const pairs = new Int32Array(2_000_000)
  for (let i = 0; i < pairs.length; i++) {
    const [v, next] = prand.uniformIntDistribution(0, n - 1, rng)
    pairs[i] = v
    rng = next
  }
  let sink = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < pairs.length; i += 2) {
    sink += lowestCommonTier(fabric, pairs[i], pairs[i + 1]).length
  }
  const ns = Number(process.hrtime.bigint() - t0) / (pairs.length / 2)
  return { ns, sink }
}
const sizes = [125, 1250, 12500]
const query = sizes.map((nodes) => {
  const fabric =
    nodes === 12500 ? cluster.fabric : parseClusterFile('x', withNodes(nodes), catalog).fabric
  queryNs(fabric) // warm-up
  return { accelerators: fabric.acceleratorCount, ...queryNs(fabric) }
})

console.log('fabric build (rail-100k.yaml: 12,500 nodes × 8 = 100,000 accelerators, 3 tiers)')
console.log(`  build time, median of 5      ${buildMs.toFixed(1)} ms   (target < 3000 ms)`)
console.log(`  memory retained by the model ${mib(retained)} MiB     (target < 1024 MiB)`)
console.log(`  process RSS after build      ${mib(after.rss)} MiB`)
console.log('lowestCommonTier, 1M random pairs')
for (const q of query) {
  console.log(`  ${String(q.accelerators).padStart(7)} accelerators: ${q.ns.toFixed(1)} ns/query`)
}
const ratio = query[2].ns / query[0].ns
console.log(`  ratio 100k / 1k: ${ratio.toFixed(2)} (O(1) expects ~1; O(n) would be ~100)`)

const failures = []
if (buildMs >= 3000) {
  failures.push(`build ${buildMs.toFixed(0)} ms ≥ 3000 ms`)
}
if (retained >= 2 ** 30 || after.rss >= 2 ** 30) {
  failures.push('memory ≥ 1 GiB')
}
if (ratio > 5) {
  failures.push(`query time grows with fabric size (×${ratio.toFixed(1)})`)
}
for (const f of failures) {
  console.log(`FAIL: ${f}`)
}
process.exitCode = failures.length === 0 ? 0 : 1
