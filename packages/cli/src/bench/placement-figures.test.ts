import { readFile } from 'node:fs/promises'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { parseJobComp } from '@zhisuan/slurm'
import { phillyTrace, readTrace } from '../trace.js'
import {
  heavySequence,
  placementReport,
  placementSequence,
  simulatedRuns,
  type JobRun,
} from './placement-figures.js'
import { sbatchArgs } from './slurm-replay.js'

const cluster = parseClusterFile(
  'tree-512.yaml',
  await readFile(new URL('../../../../examples/clusters/tree-512.yaml', import.meta.url), 'utf8'),
  defaultCatalog(),
)
const run = (id: string, nodes: number[], over: Partial<JobRun> = {}): JobRun => ({
  id,
  accelerators: nodes.length * 8,
  nodes,
  submitS: 0,
  startS: 0,
  endS: 3600,
  ...over,
})

describe('placement figures (tree-512: leaves of 8 nodes, spines of 4 leaves, a core)', () => {
  it('counts the ring edges of each gang that cross a spine or the core, GPU-weighted', () => {
    const report = placementReport(
      cluster,
      [
        run('leaf', [0, 1, 2, 3]), // one leaf: no crossing
        run('spine', [6, 7, 8, 9]), // leaves 0 and 1: edges 7→8 and 9→6 cross the spine
        run('core', [31, 32]), // pods 0 and 1: both edges cross the core
        run('single', [40], { accelerators: 2 }),
      ],
      8,
    )
    // weights 32, 32, 16: spine (0 + 32·2/4 + 16·2/2) / 80, core 16/80
    expect(report.overall.spineShare).toBeCloseTo((16 + 16) / 80, 12)
    expect(report.overall.coreShare).toBeCloseTo(16 / 80, 12)
    expect(report.overall.gangs).toBe(3)
    expect(report.bySize['32 GPUs']?.meanTopTier).toBe(2.5) // a leaf gang and a spine gang
    expect(report.bySize['16 GPUs']?.meanTopTier).toBe(4)
    expect(Object.keys(report.bySize)).toEqual(['1–8 GPUs', '16 GPUs', '32 GPUs'])
  })

  it('measures Slurm’s own placements from its jobcomp log', async () => {
    const log = await readFile(
      new URL('../../../slurm/fixtures/jobcomp/dev-64-3tier.log', import.meta.url),
      'utf8',
    )
    const runs = parseJobComp(log, 'dev-64-3tier.log').map((r) => ({
      id: r.jobId,
      accelerators: r.nodes.length * 8,
      nodes: r.nodes.map((n) => Number(n.slice(4)) - 1),
      submitS: r.submittedAt,
      startS: r.startedAt,
      endS: r.endedAt,
    }))
    const report = placementReport(cluster, runs, 8)
    // the 16-node gang took leaves 1 and 2 of one spine; the 64-node job every leaf of both
    expect(report.bySize['128 GPUs']?.meanTopTier).toBe(3)
    expect(report.bySize['512 GPUs']?.meanTopTier).toBe(4)
    expect(report.bySize['64 GPUs']?.spineShare).toBe(0) // gpu-[001-008]: one leaf
    expect(report.overall.meanWaitH).toBeGreaterThan(0)
  })

  it('keeps every share in [0, 1] and core ≤ spine, whatever the placements', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 16 }), {
          minLength: 1,
          maxLength: 20,
        }),
        (placements) => {
          const report = placementReport(
            cluster,
            placements.map((nodes, i) => run(`j${i}`, nodes)),
            8,
          )
          const o = report.overall
          return (
            o.spineShare >= 0 &&
            o.spineShare <= 1 + 1e-12 &&
            o.coreShare <= o.spineShare + 1e-12 &&
            o.coreShare >= 0
          )
        },
      ),
    )
  })
})

const rows = await readTrace(phillyTrace)

describe('the sequence both worlds replay', () => {
  const jobs = placementSequence(rows, { ...heavySequence, limitStepS: 36_000 })

  it('is the heavy sequence: 517 jobs, limits Slurm can express at ×600, the same for a seed', () => {
    expect(jobs).toHaveLength(517)
    expect(jobs.filter((j) => j.id.startsWith('gang-'))).toHaveLength(117)
    for (const j of jobs) {
      expect((j.timeLimitS ?? 0) % 36_000).toBe(0)
      expect(j.timeLimitS ?? 0).toBeGreaterThanOrEqual(j.workS)
    }
    expect(placementSequence(rows, { ...heavySequence, limitStepS: 36_000 })).toEqual(jobs)
  })

  it('becomes sbatch calls: a gang takes whole nodes, a one-node job its GPUs, -t in minutes', () => {
    const gang = jobs.find((j) => j.replicas > 1)
    const one = jobs.find((j) => j.replicas === 1 && j.perReplica < 8)
    if (gang === undefined || one === undefined) {
      throw new Error('the sequence has gangs and one-node jobs of fewer than 8 GPUs')
    }
    const o = { compress: 600, partition: 'gpu', perNode: 8 }
    expect(sbatchArgs(gang, o)).toEqual(
      expect.arrayContaining(['-N', String(gang.replicas), '--exclusive', '--gres=gpu:8']),
    )
    const args = sbatchArgs(one, o)
    expect(args).toEqual(expect.arrayContaining(['-N', '1', `--gres=gpu:${one.perReplica}`]))
    expect(args[args.indexOf('-t') + 1]).toBe(String((one.timeLimitS ?? 0) / 600 / 60))
    expect(args.at(-1)).toBe(`sleep ${(one.workS / 600).toFixed(3)}`)
  })

  it('runs through the simulator to the end with every job placed', () => {
    const runs = simulatedRuns(cluster, jobs, 'zhisuan')
    expect(runs.every((r) => Number.isFinite(r.startS) && r.endS >= r.startS)).toBe(true)
    const report = placementReport(cluster, runs, 8)
    expect(report.utilization).toBeGreaterThan(0.5)
    expect(report.utilization).toBeLessThanOrEqual(1)
  })
})
