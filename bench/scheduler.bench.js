// The scheduler benchmark (`zhisuan bench scheduler`): decisions per second, time to place
// gangs of 8 to 8,192 on the 100k fabric, peak memory, and placement quality against first fit.
// Hard targets fail the run; the quality target is reported (BENCHMARKS.md says how far it is).
import { main } from '@zhisuan/cli'

let json = ''
const code = await main(['node', 'zhisuan', 'bench', 'scheduler', '--json'], {
  out: (text) => {
    json += text
  },
  err: (text) => {
    process.stderr.write(`${text}\n`)
  },
})
if (code !== 0) {
  process.exit(code)
}
const r = JSON.parse(json)
const f = (x, d = 3) => x.toFixed(d)
console.log(`decisions per second          ${Math.round(r.decisionsPerSecond)}   (target ≥ 2000)`)
for (const [gang, p] of Object.entries(r.placeMs)) {
  console.log(
    `place ${gang.padEnd(9)}              p50 ${f(p.p50)} ms, p99 ${f(p.p99)} ms (${p.n} samples)`,
  )
}
console.log(`peak RSS                      ${f(r.peakMemoryMB, 0)} MB`)
console.log(
  `100k: spine share             zhisuan ${f(r.spineTrafficShare.zhisuan)} (least possible ${f(r.spineTrafficFloor)}), first fit ${f(r.spineTrafficShare.firstFit)}`,
)
console.log(
  `100k: utilization / wait h    zhisuan ${f(r.utilization.zhisuan)} / ${f(r.meanWaitHours.zhisuan, 2)}, first fit ${f(r.utilization.firstFit)} / ${f(r.meanWaitHours.firstFit, 2)}`,
)
const t = r.tree64
console.log(
  `tree-64: spine share          zhisuan ${f(t.spineTrafficShare.zhisuan)}, first fit ${f(t.spineTrafficShare.firstFit)} (ratio ${f(t.spineTrafficShare.zhisuan / t.spineTrafficShare.firstFit, 2)}, target ≤ 0.30)`,
)
console.log(
  `tree-64: utilization / wait h zhisuan ${f(t.utilization.zhisuan)} / ${f(t.meanWaitHours.zhisuan, 2)}, first fit ${f(t.utilization.firstFit)} / ${f(t.meanWaitHours.firstFit, 2)}`,
)
const failures = []
if (r.decisionsPerSecond < 2000) {
  failures.push('decisions per second below 2,000')
}
if (r.placeMs.gang8192.p99 >= 50) {
  failures.push('8,192-accelerator gang p99 ≥ 50 ms')
}
for (const failure of failures) {
  console.log(`FAIL: ${failure}`)
}
if (t.spineTrafficShare.zhisuan > 0.3 * t.spineTrafficShare.firstFit) {
  console.log('MISS: spine share above 0.3 × first fit on tree-64 (see BENCHMARKS.md)')
}
process.exitCode = failures.length === 0 ? 0 : 1
