import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'
import { lifecycleDefaults } from '@zhisuan/engine'
import type { FailureModel } from './failures.js'
import { withGangs } from './gang-mix.js'
import type { SimJob } from './sim-job.js'
import type { SimConfig } from './sim-config.js'
import { simulate } from './simulate.js'
import { phillyRows } from './philly.test-support.js'
import { jobsFromTrace } from './workload.js'

/** A moment at which a pending job could have been placed on free nodes, and was not in time. */
interface Violation {
  readonly at: number
  readonly jobs: readonly string[]
  /** When the next cycle ran (infinite: none ran before the deadline). */
  readonly nextCycle: number
}

/**
 * Runs the simulation and audits it after every event: when a fresh scheduler holding the same
 * nodes, gangs and queue would place a pending job on free nodes now (quotas and reservations
 * respected), a real cycle must run within one cycle period.
 */
function auditWorkConservation(cluster: Cluster, jobs: readonly SimJob[], config: SimConfig) {
  const period = config.cycleS ?? lifecycleDefaults.cycleS
  const violations: Violation[] = []
  let open: { at: number; jobs: string[] } | undefined
  const result = simulate(cluster, jobs, {
    ...config,
    observe: (now, cycled, engine) => {
      if (open !== undefined && now > open.at + period) {
        violations.push({ ...open, nextCycle: cycled ? now : Number.POSITIVE_INFINITY })
        open = undefined
      }
      if (cycled) {
        open = undefined
      }
      if (open === undefined) {
        const placeable = engine.placeableNow(now)
        if (placeable.length > 0) {
          open = { at: now, jobs: placeable }
        }
      }
    },
  })
  return { result, violations }
}

const clusterYaml = (nodes: number, perBlock: number, perPod: number, tiers: 2 | 3) => `
schemaVersion: 1
name: property
pools:
  - name: gpu
    count: ${nodes}
    accelerator: nvidia-h100-sxm-80gb
    scaleUp: nvswitch-8
    cpu: intel-sapphire-rapids
    memoryGB: 2048
    nvmeTB: 30.72
fabric:
  design: rail-optimized
  tiers: ${tiers}
  switchRadix: 64
  nodesPerBlock: ${perBlock}
${tiers === 3 ? `  blocksPerPod: ${perPod}\n` : ''}  oversubscription: { leaf: 1 }
  nic: { count: 8, gbps: 400 }
storage:
  - { name: local-nvme, kind: local-nvme, readGBs: 200, writeGBs: 100, capacityTB: 245 }
`

/** A fabric's shape (counterexamples print this, not the built cluster). */
const arbShape = fc.record({
  perBlock: fc.integer({ min: 1, max: 4 }),
  perPod: fc.integer({ min: 1, max: 3 }),
  pods: fc.integer({ min: 1, max: 2 }),
  tiers: fc.constantFrom<2 | 3>(2, 3),
})

function clusterOf(shape: { perBlock: number; perPod: number; pods: number; tiers: 2 | 3 }) {
  const { perBlock, perPod, pods, tiers } = shape
  const nodes = tiers === 3 ? perBlock * perPod * pods : perBlock * perPod
  return parseClusterFile(
    'property.yaml',
    clusterYaml(nodes, perBlock, perPod, tiers),
    defaultCatalog(),
  )
}

const arbJobs = fc
  .array(
    fc.record({
      gapS: fc.integer({ min: 0, max: 3600 }),
      workS: fc.integer({ min: 60, max: 4 * 3600 }),
      gpus: fc.constantFrom(1, 2, 4, 8, 16, 24, 32),
      tenant: fc.constantFrom('a', 'b'),
      limit: fc.option(fc.double({ min: 1, max: 3, noNaN: true }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((rows) => {
    let t = 0
    return rows.map((r, i): SimJob => {
      t += r.gapS
      const multi = r.gpus > 8
      return {
        id: `j${String(i).padStart(3, '0')}`,
        tenant: r.tenant,
        submitS: t,
        workS: r.workS,
        replicas: multi ? r.gpus / 8 : 1,
        perReplica: multi ? 8 : r.gpus,
        ...(r.limit === undefined ? {} : { timeLimitS: Math.round(r.workS * r.limit) }),
      }
    })
  })

const arbFailures = fc.option(
  fc.record({
    per1000PerDay: fc.double({ min: 1, max: 200, noNaN: true }),
    repairHours: fc.constantFrom(0, 1, 6),
    detectionS: fc.constantFrom(0, 120),
  }),
  { nil: null },
)

const failureModel = (f: {
  per1000PerDay: number
  repairHours: number
  detectionS: number
}): FailureModel => ({
  name: 'property',
  per1000PerDay: f.per1000PerDay,
  mix: [
    { name: 'hardware', weight: 2, repairHours: f.repairHours },
    { name: 'software', weight: 1, repairHours: 0 },
  ],
  detectionS: f.detectionS,
})

describe('work conservation', () => {
  it('never leaves a job that fits the free nodes waiting longer than one cycle (random clusters, traces, failures, reservations)', () => {
    fc.assert(
      fc.property(
        arbShape,
        arbJobs,
        arbFailures,
        fc.constantFrom<SimConfig['policy']>('zhisuan', 'first-fit'),
        fc.integer({ min: 1, max: 1000 }),
        (shape, jobs, failures, policy, seed) => {
          const { violations } = auditWorkConservation(clusterOf(shape), jobs, {
            seed,
            policy,
            failures: failures === null ? null : failureModel(failures),
            checkpoint: { intervalS: 1800, stallS: 30, restartS: 120 },
            horizonS: 30 * 86_400,
          })
          expect(violations).toEqual([])
        },
      ),
      { numRuns: 60, seed: 15 },
    )
  })

  it('keeps a heavy gang-rich replay as busy as first fit (Philly jobs + 16-64-GPU gangs at 80% load, 3-tier tree)', () => {
    const cluster = parseClusterFile(
      'tree-512.yaml',
      readFileSync(new URL('../../../examples/clusters/tree-512.yaml', import.meta.url), 'utf8'),
      defaultCatalog(),
    )
    const jobs = heavyReplay()
    expect(jobs).toHaveLength(517)
    const base: SimConfig = {
      seed: 1,
      policy: 'zhisuan',
      failures: null,
      checkpoint: { intervalS: 'auto', stallS: 30, restartS: 600 },
    }
    const zhisuan = auditWorkConservation(cluster, jobs, base)
    const firstFit = simulate(cluster, jobs, { ...base, policy: 'first-fit' })
    expect(zhisuan.violations).toEqual([])
    expect(zhisuan.result.jobs.completed).toBe(517)
    expect(firstFit.utilization).toBeGreaterThan(0.5)
    expect(Math.abs(zhisuan.result.utilization - firstFit.utilization)).toBeLessThanOrEqual(0.01)
  })
})

/** 400 Philly jobs of up to 12 h and 117 synthetic gangs of 16, 32 or 64 GPUs, offered at 80% of 512 GPUs. */
function heavyReplay(): SimJob[] {
  const rows = phillyRows()
  // the first 400 jobs of up to 12 h: a multi-day tail would leave the cluster idle after the
  // submissions whatever the scheduler did
  const short = rows.filter((r) => r.durationS <= 12 * 3600).slice(0, 400)
  return withGangs(jobsFromTrace(short, 8), {
    gangs: 117,
    sizes: [16, 32, 64],
    perNode: 8,
    hours: [0.5, 8],
    load: 0.8,
    capacity: 512,
    seed: 7,
  })
}
