import { describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
import { canEverRun, clusterLimits, type Feasibility } from './feasibility.js'
import { job, testCluster, testScheduler } from './testing.js'
import type { Quota } from './types.js'

// 2 pods × 2 blocks × 4 nodes × 8 H800 (x86_64), 128 accelerators; H800 is 2.86 llm-train SCU
const limits = clusterLimits(testCluster(), defaultCatalog())
const mixed = clusterLimits(testCluster({ ascendNodes: 2 }), defaultCatalog())

const reasons = (verdict: Feasibility) => (verdict.ok ? [] : verdict.reasons)

describe('canEverRun', () => {
  it('accepts the largest gang the whole cluster holds', () => {
    expect(canEverRun(job('all', { replicas: 16 }), limits, undefined)).toEqual({ ok: true })
    expect(
      canEverRun(job('small', { replicas: 32, acceleratorsPerReplica: 4 }), limits, undefined),
    ).toEqual({ ok: true })
  })

  it('refuses more accelerators than every node of the family holds, and says the numbers', () => {
    expect(reasons(canEverRun(job('big', { replicas: 17 }), limits, undefined))).toEqual([
      {
        kind: 'exceeds-cluster',
        family: 'H800',
        neededReplicas: 17,
        clusterReplicas: 16,
        message:
          'needs 136 H800 accelerators (17 replicas of 8), the cluster has 128 (16 nodes × 8)',
      },
    ])
  })

  it('counts replicas, not accelerators, when a replica leaves part of each node unused', () => {
    // 3 of 8 per replica: a node holds 2 replicas, so 16 nodes hold 32, though 33 × 3 < 128
    const [reason] = reasons(
      canEverRun(job('odd', { replicas: 33, acceleratorsPerReplica: 3 }), limits, undefined),
    )
    expect(reason?.message).toBe(
      "needs 33 replicas of 3 H800 accelerators; the cluster's 16 nodes × 8 hold 32 such replicas, as a replica never spans nodes",
    )
  })

  it('does not count spare nodes, and says so', () => {
    const withSpares = clusterLimits(testCluster({ spareNodes: 2 }), defaultCatalog())
    const [reason] = reasons(canEverRun(job('big', { replicas: 17 }), withSpares, undefined))
    expect(reason?.message).toBe(
      'needs 136 H800 accelerators (17 replicas of 8), the cluster has 128 (16 nodes × 8; 2 spare nodes not counted)',
    )
  })

  it('refuses a chip family the cluster has no pool of', () => {
    const [reason] = reasons(
      canEverRun(job('mi', { chips: { kind: 'family', family: 'MI300X' } }), limits, undefined),
    )
    expect(reason).toMatchObject({
      kind: 'no-such-family',
      message: 'no pool has MI300X; the cluster has H800',
    })
  })

  it('refuses a CPU architecture none of the acceptable pools has', () => {
    const [reason] = reasons(canEverRun(job('arm', { archs: ['aarch64'] }), limits, undefined))
    expect(reason).toMatchObject({ kind: 'arch-mismatch', available: ['x86_64'] })
  })

  it('gives a reason for each family of anyOf, and accepts when one of them can hold it', () => {
    const both = { kind: 'families', families: ['H800', 'Ascend910B'], ordered: true } as const
    const archs = ['x86_64', 'aarch64'] as const
    const tooBig = reasons(
      canEverRun(job('any', { replicas: 17, chips: both, archs }), mixed, undefined),
    )
    expect(tooBig.map((r) => r.message)).toEqual([
      'needs 136 H800 accelerators (17 replicas of 8), the cluster has 128 (16 nodes × 8)',
      'needs 136 Ascend910B accelerators (17 replicas of 8), the cluster has 16 (2 nodes × 8)',
    ])
    expect(canEverRun(job('any', { replicas: 16, chips: both, archs }), mixed, undefined)).toEqual({
      ok: true,
    })
  })

  it('turns an SCU request into accelerators and refuses more than the cluster has', () => {
    const [reason] = reasons(
      canEverRun(job('scu', { chips: { kind: 'scu', units: 1000 } }), limits, undefined),
    )
    expect(reason?.message).toBe(
      'needs 352 H800 accelerators (44 replicas of 8, for 1000 llm-train SCU at 2.86 each), the cluster has 128 (16 nodes × 8)',
    )
    expect(
      canEverRun(job('scu', { chips: { kind: 'scu', units: 360 } }), limits, undefined),
    ).toEqual({ ok: true })
  })

  it('refuses a required tier no domain of which can hold the gang', () => {
    const leaf = { mode: 'required', tier: 'leaf' } as const
    const [reason] = reasons(
      canEverRun(job('leaf', { replicas: 5, topology: leaf }), limits, undefined),
    )
    expect(reason).toMatchObject({
      kind: 'topology-unsatisfiable',
      tier: 'leaf',
    })
    expect(reason?.message).toMatch(
      /5 replicas .* must share one leaf block, but the largest holds 4/,
    )
    expect(canEverRun(job('leaf', { replicas: 4, topology: leaf }), limits, undefined).ok).toBe(
      true,
    )
    const preferred = { mode: 'preferred', tier: 'leaf' } as const
    expect(
      canEverRun(job('leaf', { replicas: 5, topology: preferred }), limits, undefined).ok,
    ).toBe(true)
  })

  it('refuses more SCU than the tenant may ever hold: guarantee plus borrowing limit', () => {
    const quota: Quota = { guaranteed: 30, borrowingLimit: 10 }
    expect(reasons(canEverRun(job('q', { tenant: 'a', replicas: 2 }), limits, quota))).toEqual([
      {
        kind: 'exceeds-quota-ceiling',
        workloadClass: 'llm-train',
        requestedScu: 45.76,
        ceilingScu: 40,
        message:
          'needs 45.76 llm-train SCU (16 H800 accelerators at 2.86 each), more than tenant a may ever hold: 40 (guaranteed 30 + borrowing limit 10)',
      },
    ])
    expect(canEverRun(job('q', { tenant: 'a' }), limits, quota).ok).toBe(true)
    // without a borrowing limit the tenant may borrow what is idle: no ceiling
    expect(canEverRun(job('q', { replicas: 16 }), limits, { guaranteed: 30 }).ok).toBe(true)
  })

  it('lists every problem of a job at once', () => {
    const verdict = canEverRun(
      job('both', { replicas: 17, topology: { mode: 'required', tier: 'spine' } }),
      limits,
      { guaranteed: 0, borrowingLimit: 100 },
    )
    expect(reasons(verdict).map((r) => r.kind)).toEqual([
      'exceeds-cluster',
      'topology-unsatisfiable',
      'exceeds-quota-ceiling',
    ])
  })
})

describe('a job admitted though it can never run', () => {
  it('waits with a reason that says the cluster cannot hold it, and reserves nothing', () => {
    const s = testScheduler()
    s.submit(job('big', { replicas: 17 }))
    const { decisions, pending } = s.schedule(0)
    expect(decisions).toEqual([])
    expect(pending.get('big')).toMatchObject({
      kind: 'exceeds-cluster',
      message: 'needs 136 H800 accelerators (17 replicas of 8), the cluster has 128 (16 nodes × 8)',
    })
  })

  it('counts failed nodes as the cluster: a gang that fits when they are back only waits', () => {
    const s = testScheduler()
    s.setNodeHealth(0, 'failed', 0)
    s.submit(job('all', { replicas: 16 }))
    expect(s.schedule(0).pending.get('all')).toMatchObject({ kind: 'insufficient-capacity' })
  })
})
