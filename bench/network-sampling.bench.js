// NIC counter sampling (issue #21): the CPU that NicSampler + NicHealthTracker cost per sample on
// a node with 8 NICs — a sysfs tree of temporary files built from the real H100 dump (8 mlx5
// InfiniBand ports, every counters/ and hw_counters/ file) — back to back and at 1 Hz, for both
// ways of reading the files (descriptors kept open and pread, or readFileSync each time).
// Target: < 1 % of one core at 1 Hz. Exits non-zero only when it cannot run.
// NIC_BENCH_SAMPLES (default 2000) and NIC_BENCH_SECONDS (default 10) size the two phases; where
// the machine has a /sys/class/infiniband with devices, that is measured too.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { NicHealthTracker, NicSampler, writeSysfsTree } from '@zhisuan/agent'

const fixture = new URL(
  '../packages/agent/fixtures/network/sysfs-infiniband--leptonai-gpud--h100-8x-mlx5-counters-hw_counters.txt',
  import.meta.url,
)
const strategies = ['pread', 'read-file']
const samples = Number(process.env.NIC_BENCH_SAMPLES ?? 2000)
const seconds = Number(process.env.NIC_BENCH_SECONDS ?? 10)
const rounds = 5

/**
 * The dump as the file tree it was read from (writeSysfsTree), less mlx5_bond_0, the node's
 * Ethernet (RoCE) bond: its InfiniBand NICs.
 */
function buildTree(text) {
  const root = mkdtempSync(join(tmpdir(), 'zhisuan-nic-bench-'))
  writeSysfsTree(text, root)
  for (const device of readdirSync(root).filter((d) => d.includes('bond'))) {
    rmSync(join(root, device), { recursive: true, force: true })
  }
  return root
}

const cpuMicros = (start) => {
  const d = process.cpuUsage(start)
  return d.user + d.system
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const countersOf = (sample) =>
  sample.counters.reduce((n, c) => n + Object.keys(c.counters).length, 0)

/** A sampler and a tracker on `root`, with the first sample (discovery) taken and timed. */
function setUp(root, read) {
  const sampler = new NicSampler({ root, read })
  const tracker = new NicHealthTracker()
  const start = process.cpuUsage()
  const first = sampler.sample()
  tracker.observe(first)
  return { sampler, tracker, discoveryUs: cpuMicros(start), first }
}

/** CPU µs per sample over `n` back-to-back samples, with and without the verdicts. */
function backToBack(s, n) {
  let start = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    s.sampler.sample()
  }
  const sampleUs = cpuMicros(start) / n
  start = process.cpuUsage()
  let health
  for (let i = 0; i < n; i++) {
    health = s.tracker.observe(s.sampler.sample())
  }
  return { sampleUs, bothUs: cpuMicros(start) / n, health: health?.health }
}

/** Back to back, in rounds that alternate the strategies (a loaded machine drifts). */
function backToBackAll(sets, n) {
  const runs = new Map(strategies.map((r) => [r, []]))
  for (const s of Object.values(sets)) {
    backToBack(s, 200) // warm-up: JIT and caches
  }
  for (let r = 0; r < rounds; r++) {
    for (const read of r % 2 === 0 ? strategies : [...strategies].reverse()) {
      runs.get(read).push(backToBack(sets[read], Math.ceil(n / rounds)))
    }
  }
  return Object.fromEntries(
    strategies.map((read) => {
      const rs = runs.get(read)
      return [
        read,
        {
          sampleUs: median(rs.map((x) => x.sampleUs)),
          bothUs: median(rs.map((x) => x.bothUs)),
          health: rs.at(-1).health,
        },
      ]
    }),
  )
}

/**
 * One sample + verdicts each second for `secs` seconds, one strategy alone: CPU µs of each
 * sample, and the whole process's CPU over the phase (samples, timers, GC; what the agent pays).
 */
async function oneHertz(set, secs) {
  globalThis.gc?.()
  await sleep(1000) // let the earlier phase's GC settle
  const perSample = []
  const wallStart = performance.now()
  const processStart = process.cpuUsage()
  for (let tick = 0; tick < secs; tick++) {
    await sleep(1000)
    const start = process.cpuUsage()
    set.tracker.observe(set.sampler.sample())
    perSample.push(cpuMicros(start))
  }
  const wallS = (performance.now() - wallStart) / 1000
  return { perSample, processPct: (cpuMicros(processStart) / 1e6 / wallS) * 100, wallS }
}

const pct = (us) => (us / 1e6) * 100 // at 1 sample a second
const row = (cells) => '| ' + cells.join(' | ') + ' |'
const verdict = (us) => (pct(us) < 1 ? '✔' : '✘')

const header = ['strategy', 'mode', 'samples', 'files/sample', 'counters/sample']
const figures = ['CPU µs/sample', '% of a core at 1 Hz', 'target < 1 %']

/** Rows of one strategy: discovery, back to back, and the 1 Hz phase when there is one. */
function rowsOf(read, set, b, hz) {
  const counters = countersOf(set.first)
  const what = (mode, n) => [read, mode, n, counters + 3 * set.first.nics.length, counters]
  const at1Hz = (us) => [us.toFixed(1), pct(us).toFixed(3), verdict(us)]
  const rows = [
    [...what('discovery (first sample)', 1), set.discoveryUs.toFixed(0), '—', '—'],
    [...what('back to back, sample only', samples), ...at1Hz(b.sampleUs)],
    [...what('back to back, sample + verdicts', samples), ...at1Hz(b.bothUs)],
  ]
  if (hz !== undefined) {
    const xs = hz.perSample
    const [med, max] = [median(xs), Math.max(...xs)]
    const mode = `1 Hz for ${xs.length} s, sample + verdicts: median; max`
    rows.push([
      ...what(mode, xs.length),
      `${med.toFixed(0)}; ${max.toFixed(0)}`,
      `${pct(med).toFixed(3)}; ${pct(max).toFixed(3)}`,
      verdict(max),
    ])
    const whole = `1 Hz for ${hz.wallS.toFixed(1)} s, whole process (samples, timers, GC)`
    rows.push([
      ...what(whole, xs.length),
      '—',
      hz.processPct.toFixed(3),
      hz.processPct < 1 ? '✔' : '✘',
    ])
  }
  return rows
}

function printRows(title, sets, b2b, hz) {
  console.log(`\n${title}`)
  console.log(row([...header, ...figures]))
  console.log(row(Array(header.length + figures.length).fill('---')))
  for (const read of strategies) {
    rowsOf(read, sets[read], b2b[read], hz?.[read]).forEach((r) => console.log(row(r)))
  }
  const ratio = b2b['read-file'].bothUs / b2b.pread.bothUs
  console.log(`read-file / pread CPU per sample (back to back, with verdicts): ${ratio.toFixed(2)}`)
  const health = strategies.map((r) => `${r} ${b2b[r].health}`).join(', ')
  console.log(`node health after the last sample (the tree does not change): ${health}`)
}

async function main() {
  console.log(
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  const root = buildTree(readFileSync(fixture, 'utf8'))
  const nics = readdirSync(root)
  try {
    const sets = Object.fromEntries(strategies.map((read) => [read, setUp(root, read)]))
    console.log(`tree: ${nics.join(', ')} (${sets.pread.first.nics.length} ports)`)
    const b2b = backToBackAll(sets, samples)
    const hz = {}
    for (const read of strategies) {
      hz[read] = await oneHertz(sets[read], seconds)
    }
    printRows(
      `NicSampler + NicHealthTracker, ${nics.length} NICs from the H100 dump (temporary files)`,
      sets,
      b2b,
      hz,
    )
    for (const s of Object.values(sets)) {
      s.sampler.close()
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  const real = '/sys/class/infiniband'
  let devices = []
  try {
    devices = readdirSync(real)
  } catch {
    // no RDMA stack on this machine
  }
  if (devices.length > 0) {
    const sets = Object.fromEntries(strategies.map((read) => [read, setUp(real, read)]))
    const b2b = backToBackAll(sets, Math.min(samples, 500))
    printRows(`the same on this machine's ${real} (${devices.join(', ')})`, sets, b2b, undefined)
  } else {
    console.log(`\n(${real} has no device here: the real-sysfs row is skipped)`)
  }
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
}

main().catch((error) => {
  console.error(`cannot run: ${error instanceof Error ? error.stack : String(error)}`)
  process.exitCode = 1
})
