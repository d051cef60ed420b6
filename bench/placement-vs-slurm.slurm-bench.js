// Placement against a real Slurm (issue #16), side by side on one job sequence and one fabric:
// `npm run bench -- placement-vs-slurm` (not part of a plain `npm run bench`, nor of CI: it needs
// root and Debian's Slurm 22.05, from `npm run slurm:install`; about 12 minutes).
// `ZHISUAN_BENCH_SEQUENCE=light` replays the light sequence instead: the same 400 Philly jobs at
// their own times, no gangs (about 3 minutes). `ZHISUAN_BENCH_SACCT=DIR` runs Slurm with
// slurmdbd (`npm run slurm:install -- --accounting`) and keeps each run's history in DIR: its
// `sacct --parsable2 --allocations` output and its jobcomp log.
//
// The sequence: the Philly window's first 400 jobs of ≤ 12 h plus 117 synthetic gangs of 16, 32
// and 64 GPUs (seed 7), offered at 80% of 512 GPUs, each job given a runtime limit of 1.5× its
// work rounded up to what Slurm can express at this compression. The fabric: 64 nodes × 8 GPUs,
// leaves of 8 nodes, spines of 4 leaves, a core (examples/clusters/tree-512.yaml; the dev Slurm
// cluster with the same topology/tree). Slurm (select/cons_tres, topology/tree, sched/backfill,
// FIFO priority) replays it twice, time-compressed ×600, with sbatch; placements come back from
// its jobcomp log. Zhisuan and first fit replay it in the simulator. One function measures all.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultCatalog, parseClusterFile, clusterNodes } from '@zhisuan/domain'
import { sacctColumns } from '@zhisuan/slurm'
import {
  heavySequence,
  lightSequence,
  placementReport,
  placementRows,
  placementSequence,
  reactionS,
  simulatedRuns,
} from '../packages/cli/dist/bench/placement-figures.js'
import { slurmReplay } from '../packages/cli/dist/bench/slurm-replay.js'
import { formatFixed, formatPercent } from '../packages/cli/dist/numbers.js'
import { phillyTrace, readTrace } from '../packages/cli/dist/trace.js'

const root = fileURLToPath(new URL('../', import.meta.url))
const compress = Number(process.env.ZHISUAN_BENCH_COMPRESS ?? 600)
// heavy (default): 400 Philly jobs + 117 gangs at 80%; light: the 400 Philly jobs at their own times
const sequenceName = process.env.ZHISUAN_BENCH_SEQUENCE ?? 'heavy'
const sequence = { heavy: heavySequence, light: lightSequence }[sequenceName]
if (sequence === undefined) {
  console.error(`ZHISUAN_BENCH_SEQUENCE: heavy or light, got "${sequenceName}"`)
  process.exit(1)
}
const slurmRuns = Number(process.env.ZHISUAN_BENCH_SLURM_RUNS ?? 2)
const dir = process.env.ZHISUAN_BENCH_SLURM_DIR ?? '/tmp/zhisuan-bench-slurm'
const step = (i, text) => console.log(`[${i}/${3 + slurmRuns}] ${text}`)

if (process.getuid?.() !== 0 || spawnSync('which', ['slurmctld']).status !== 0) {
  console.error(
    'placement-vs-slurm needs root and Slurm 22.05 (npm run slurm:install); nothing was run',
  )
  process.exit(1)
}

step(1, 'the sequence and the fabric')
const cluster = parseClusterFile(
  'tree-512.yaml',
  readFileSync(`${root}examples/clusters/tree-512.yaml`, 'utf8'),
  defaultCatalog(),
)
const jobs = placementSequence(await readTrace(phillyTrace), {
  ...sequence,
  limitStepS: 60 * compress,
})
const perNode = sequence.perNode
console.log(
  `    the ${sequenceName} sequence: ${jobs.length} jobs on ${cluster.fabric.acceleratorCount} GPUs, ×${compress}`,
)

step(2, 'Zhisuan and first fit in the simulator')
// Zhisuan answers a change as its control plane would, compressed as Slurm's clock is
const cycleS = reactionS * compress
const reports = {
  zhisuan: placementReport(cluster, simulatedRuns(cluster, jobs, 'zhisuan', cycleS), perNode),
  'first fit': placementReport(cluster, simulatedRuns(cluster, jobs, 'first-fit', cycleS), perNode),
}

const index = new Map(
  clusterNodes(cluster).map((n, i) => [`gpu-${String(i + 1).padStart(3, '0')}`, i]),
)
const slurmEnv = {
  ...process.env,
  ZHISUAN_SLURM_DIR: dir,
  ZHISUAN_SLURM_NODES: '64',
  ZHISUAN_SLURM_NODES_PER_LEAF: '8',
  ZHISUAN_SLURM_LEAVES_PER_SPINE: '4',
  // at ×600 Slurm's default 30 s backfill interval would be 5 trace hours
  ZHISUAN_SLURM_SCHED_PARAMS: 'bf_interval=1,sched_interval=1,bf_resolution=1',
}
// ZHISUAN_BENCH_SACCT=DIR: run Slurm with slurmdbd and keep each run's sacct history
const keep = process.env.ZHISUAN_BENCH_SACCT
if (keep !== undefined) {
  slurmEnv.ZHISUAN_SLURM_ACCOUNTING = 'slurmdbd'
}
// the columns `zhisuan sim --trace` reads, and the job's name after its id
const sacctFormat = [sacctColumns[0], 'JobName', ...sacctColumns.slice(1)].join(',')
for (let r = 1; r <= slurmRuns; r++) {
  step(2 + r, `Slurm run ${r} of ${slurmRuns}: a fresh 64-node cluster, the sequence by sbatch`)
  const up = spawnSync('bash', [`${root}scripts/slurm/up.sh`], { env: slurmEnv, encoding: 'utf8' })
  if (up.status !== 0) {
    console.error(up.stdout, up.stderr)
    process.exit(1)
  }
  try {
    const runs = await slurmReplay(jobs, {
      conf: `${dir}/etc/slurm.conf`,
      jobcompLog: `${dir}/log/jobcomp.log`,
      partition: 'gpu',
      compress,
      perNode,
      nodeIndex: (name) => {
        const i = index.get(name)
        if (i === undefined) {
          throw new Error(`Slurm ran a job on ${name}, not in tree-512`)
        }
        return i
      },
      drainTimeoutS: 1200,
      onProgress: (submitted, ended, total) =>
        process.stdout.write(`\r    submitted ${submitted}/${total}, ended ${ended}/${total}   `),
    })
    process.stdout.write('\n')
    reports[`Slurm run ${r}`] = placementReport(cluster, runs, perNode)
    if (keep !== undefined) {
      mkdirSync(keep, { recursive: true })
      const sacct = spawnSync(
        'sacct',
        [
          '--parsable2',
          '--allocations',
          '--allusers',
          '--starttime=2000-01-01',
          `--format=${sacctFormat}`,
        ],
        { env: { ...process.env, SLURM_CONF: `${dir}/etc/slurm.conf` }, encoding: 'utf8' },
      )
      writeFileSync(`${keep}/sacct-${sequenceName}-run${r}.txt`, sacct.stdout)
      writeFileSync(
        `${keep}/jobcomp-${sequenceName}-run${r}.log`,
        readFileSync(`${dir}/log/jobcomp.log`, 'utf8'),
      )
      console.log(`    kept the sacct history and the jobcomp log in ${keep}`)
    }
  } finally {
    spawnSync('bash', [`${root}scripts/slurm/down.sh`, '--wipe'], { env: slurmEnv })
  }
}

step(3 + slurmRuns, 'the figures')
const names = Object.keys(reports)
const slurmNames = names.filter((n) => n.startsWith('Slurm'))
const rows = placementRows(reports, perNode, { percent: formatPercent, fixed: formatFixed })
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)))
for (const r of rows) {
  console.log(r.map((cell, c) => String(cell).padEnd(widths[c])).join('  '))
}
const mean = (f) => slurmNames.reduce((s, n) => s + f(reports[n]), 0) / slurmNames.length
const z = reports.zhisuan
if (z.overall.gangs === 0) {
  console.log(
    `\nZhisuan / Slurm (mean of ${slurmNames.length}), no multi-node jobs: ` +
      `mean wait ${(z.overall.meanWaitH / mean((r) => r.overall.meanWaitH)).toFixed(2)} (≤ 1.1), ` +
      `utilization ${(z.utilization - mean((r) => r.utilization)).toFixed(3)} (within ±0.01)`,
  )
} else {
  console.log(
    `\nZhisuan / Slurm (mean of ${slurmNames.length}): spine share ${(z.overall.spineShare / mean((r) => r.overall.spineShare)).toFixed(2)} (target ≤ 0.8), ` +
      `core share ${(
        z.overall.coreShare /
        Math.max(
          1e-9,
          mean((r) => r.overall.coreShare),
        )
      ).toFixed(2)} (≤ 1), ` +
      `mean wait ${(z.overall.meanWaitH / mean((r) => r.overall.meanWaitH)).toFixed(2)} (≤ 1.1), ` +
      `utilization ${(z.utilization - mean((r) => r.utilization)).toFixed(3)} (within ±0.01)`,
  )
}
mkdirSync(`${root}bench-results`, { recursive: true })
writeFileSync(
  `${root}bench-results/placement-vs-slurm${sequenceName === 'heavy' ? '' : `-${sequenceName}`}.json`,
  `${JSON.stringify({ sequence: sequenceName, compress, jobs: jobs.length, reports }, null, 2)}\n`,
)
