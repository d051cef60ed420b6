// The twin at scale: 100,000 accelerators (rail-100k.yaml), 365 simulated days of the llm-mix
// workload, failures at 0.48 per 1,000 accelerators per day. Targets: < 60 s and < 2 GB.
import { readFileSync } from 'node:fs'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { failurePresets, llmMixJobs, simulate } from '@zhisuan/sim'

const text = readFileSync(new URL('../examples/clusters/rail-100k.yaml', import.meta.url), 'utf8')
const cluster = parseClusterFile('rail-100k.yaml', text, defaultCatalog())
const days = 365
let started = performance.now()
const jobs = llmMixJobs(cluster, { days, seed: 1 })
const generateS = (performance.now() - started) / 1000
let peakRss = process.memoryUsage().rss
started = performance.now()
const result = simulate(cluster, jobs, {
  seed: 1,
  policy: 'zhisuan',
  failures: failurePresets['industry-0.48'],
  checkpoint: { intervalS: 'auto', stallS: 30, restartS: 600 },
  horizonS: days * 86_400,
  cycleS: 300,
  onProgress: (t, events) => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    process.stderr.write(`\rday ${(t / 86_400).toFixed(0)}, ${events} events   `)
  },
})
const simS = (performance.now() - started) / 1000
process.stderr.write('\n')
peakRss = Math.max(peakRss, process.memoryUsage().rss)
console.log(
  `llm-mix, ${days} days on ${cluster.fabric.acceleratorCount.toLocaleString('en-US')} accelerators: ${jobs.length} jobs (generated in ${generateS.toFixed(1)} s)`,
)
console.log(
  `  simulated in ${simS.toFixed(1)} s (target < 60 s), ${Math.round(result.events / simS)} events/s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB (target < 2048 MB)`,
)
console.log(
  `  completed ${result.jobs.completed}, utilization ${(result.utilization * 100).toFixed(1)}%, wait p50/p99 ${(result.queueWaitS.p50 / 3600).toFixed(2)}/${(result.queueWaitS.p99 / 3600).toFixed(1)} h`,
)
console.log(
  `  failures ${result.failures.count} (${result.failures.per1000AcceleratorDays.toFixed(3)} per 1,000 per day), interruptions ${result.interruptions}, ETTR ${(result.ettr.overall * 100).toFixed(1)}% (largest jobs ${(result.ettr.largestJobs * 100).toFixed(1)}%)`,
)
const failures = []
if (simS >= 60) {
  failures.push('simulation took ≥ 60 s')
}
if (peakRss >= 2 * 2 ** 30) {
  failures.push('peak RSS ≥ 2 GB')
}
for (const f of failures) {
  console.log(`FAIL: ${f}`)
}
process.exitCode = failures.length === 0 ? 0 : 1
