import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { clusterNodes, defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { parseJobComp, tresGpus } from '@zhisuan/slurm'
import { placementReport, type PlacementReport } from './bench/placement-figures.js'
import { run } from './cli.test-support.js'

// A real Slurm history: the placement bench's heavy sequence on the 64-node dev cluster (×600,
// slurmdbd on), as `sacct --parsable2 --allocations` printed it, and the jobcomp log the same
// slurmctld wrote (packages/slurm/fixtures/sacct/README.md).
const fixtures = new URL('../../slurm/fixtures/sacct/', import.meta.url)
const sacctFile = new URL('dev-64-heavy.txt', fixtures)
const clusterFile = new URL('../../../examples/clusters/slurm-dev-64.yaml', import.meta.url)
const cluster = parseClusterFile(
  'slurm-dev-64.yaml',
  readFileSync(clusterFile, 'utf8'),
  defaultCatalog(),
)

/** Slurm's placement figures read the other way: from its jobcomp log, not from sacct. */
function fromJobComp(): PlacementReport {
  const log = gunzipSync(readFileSync(new URL('dev-64-heavy.jobcomp.log.gz', fixtures))).toString()
  const index = new Map(clusterNodes(cluster).map((n, i) => [n.name, i]))
  const records = parseJobComp(log, 'dev-64-heavy.jobcomp.log')
  const first = Math.min(...records.map((r) => r.submittedAt))
  const at = (t: number) => first + (t - first) * 600
  return placementReport(
    cluster,
    records.map((r) => ({
      id: r.jobId,
      accelerators: tresGpus(r.fields['Tres'] ?? ''),
      nodes: r.nodes.map((n) => index.get(n) ?? -1),
      submitS: at(r.submittedAt),
      startS: at(r.startedAt),
      endS: at(r.endedAt),
    })),
    8,
  )
}

/** A report with every number to 12 digits, as JSON would carry it (NaN as null). */
const rounded = (report: unknown): unknown =>
  JSON.parse(
    JSON.stringify(report, (_, v: unknown) =>
      typeof v === 'number' ? Math.round(v * 1e12) / 1e12 : v,
    ),
  ) as unknown

/** `zhisuan sim` on the fixture, on its cluster, read back ×600. */
const simOnFixture = (...extra: string[]) =>
  run(
    'sim',
    '--cluster',
    clusterFile.pathname,
    '--trace',
    sacctFile.pathname,
    '--time-scale',
    '600',
    ...extra,
  )

describe('zhisuan sim on a real sacct history', () => {
  it('reproduces Slurm’s own placement figures from its NodeList, and sets Zhisuan’s beside them', async () => {
    const { code, out, err } = await simOnFixture('--json')
    expect(code, err).toBe(0)
    expect(err).toMatch(/sacct: 517 allocations to replay/)
    const result = JSON.parse(out) as {
      jobs: { completed: number }
      againstSlurm: Record<string, PlacementReport>
    }
    expect(result.jobs.completed).toBe(517)
    const slurm = result.againstSlurm['Slurm (sacct)']
    const zhisuan = result.againstSlurm['Zhisuan']
    // the same figures from the other record Slurm keeps (to the last float rounding)
    expect(rounded(slurm)).toEqual(rounded(fromJobComp()))
    // Slurm spread some gangs over a spine; the twin, on the same jobs and fabric, fewer
    expect(slurm?.overall.gangs).toBeGreaterThan(100)
    expect(slurm?.overall.spineShare).toBeGreaterThan(0)
    expect(zhisuan?.overall.spineShare).toBeLessThan(0.8 * (slurm?.overall.spineShare ?? 0))
    expect(zhisuan?.overall.coreShare).toBeLessThanOrEqual(slurm?.overall.coreShare ?? 0)
  })

  it('prints the side-by-side table', async () => {
    const { code, out } = await simOnFixture()
    expect(code).toBe(0)
    expect(out).toMatch(
      /What Slurm did \(its NodeList and Start\) beside the twin, on the same jobs/,
    )
    expect(out).toMatch(/Slurm \(sacct\)\s+│\s+Zhisuan/)
    expect(out).toMatch(/64 GPUs spine share/)
  })

  it('refuses --time-scale without a sacct trace', async () => {
    const { code, err } = await run('sim', '--cluster', clusterFile.pathname, '--time-scale', '600')
    expect(code).not.toBe(0)
    expect(err).toMatch(/--time-scale applies to a sacct trace only/)
    const withWorkload = await run(
      'sim',
      '--cluster',
      clusterFile.pathname,
      '--workload',
      'llm-mix',
      '--time-scale',
      '2',
    )
    expect(withWorkload.code).not.toBe(0)
    expect(withWorkload.err).toMatch(/--time-scale applies to a sacct trace only/)
  })

  it('refuses --days with a sacct trace: the comparison needs every job to run', async () => {
    const { code, err } = await simOnFixture('--days', '0.1')
    expect(code).not.toBe(0)
    expect(err).toMatch(/--days cannot cut a sacct replay short/)
  })
})
