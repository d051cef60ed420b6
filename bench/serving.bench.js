// The twin serves: the Azure conversation hour (19,366 requests) against a Llama 3 70B FP8
// service on H800 in a mixed H800 + Ascend 910B3 cluster kept busy by training gangs, with the
// autoscaler, as `zhisuan sim --services` runs it (training alone first, to say what it gave up).
// Targets (issue #18): the whole command < 10 s, ≥ 99% of requests within the SLO.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const args = [
  'packages/cli/bin/zhisuan.js',
  'sim',
  '--cluster',
  'examples/clusters/serving-mixed.yaml',
  '--workload',
  'philly-gangs',
  '--serve-at',
  '2',
  '--services',
  'examples/services/chat-70b.yaml',
  '--requests',
  'data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv',
  '--json',
]
const started = performance.now()
const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
const wallS = (performance.now() - started) / 1000
if (run.status !== 0) {
  console.log(run.stderr)
  console.log('FAIL: the command failed')
  process.exit(1)
}
const result = JSON.parse(run.stdout)
const [chat] = result.services
const t = result.training
console.log(`zhisuan ${args.slice(1).join(' ')}`)
console.log(
  `  ${chat.requests.toLocaleString('en-US')} requests, ${(chat.sloAttainment * 100).toFixed(2)}% within the SLO (target ≥ 99%), TTFT p50/p99 ${(chat.ttftS.p50 * 1000).toFixed(0)}/${(chat.ttftS.p99 * 1000).toFixed(0)} ms, TPOT p50/p99 ${(chat.tpotS.p50 * 1000).toFixed(0)}/${(chat.tpotS.p99 * 1000).toFixed(0)} ms, replicas ${chat.replicas.min}/${chat.replicas.mean}/${chat.replicas.max}`,
)
console.log(
  `  training gave up ${t.givenUpAcceleratorHours} accelerator-hours (${(t.givenUpShare * 100).toFixed(1)}%), ${t.preempted} gang(s) preempted`,
)
console.log(
  `  whole command ${wallS.toFixed(1)} s (target < 10 s); the services run alone ${result.wallSeconds} s`,
)
const failures = []
if (wallS >= 10) {
  failures.push('the command took ≥ 10 s')
}
if (chat.sloAttainment < 0.99) {
  failures.push('fewer than 99% of requests within the SLO')
}
for (const f of failures) {
  console.log(`FAIL: ${f}`)
}
process.exitCode = failures.length === 0 ? 0 : 1
