import { describe, expect, it } from 'vitest'
import { job, openConfig, testCluster, testScheduler } from './testing.js'
import type { Decision } from './types.js'

const placed = (decisions: readonly Decision[], id: string) =>
  decisions.find((d): d is Decision & { kind: 'place' } => d.kind === 'place' && d.jobId === id)

/**
 * 2 pods × 2 blocks × 4 nodes: one busy node in every block (nodes 0, 4, 8, 12), so no block
 * holds a 4-node gang now, and each pod holds 6 free nodes. The busy jobs' limits say they end
 * at 2 h, but node 8's at 20 min (`soon`): its block is the first expected to free up.
 */
function fragmented(config = openConfig, soon = 1200) {
  const s = testScheduler(testCluster(), config)
  for (const n of [0, 4, 8, 12]) {
    s.adopt(job(`busy-${n}`, { runtimeLimitS: n === 8 ? soon : 7200 }), [n], 0)
  }
  return s
}

describe('waiting for a better placement', () => {
  it('holds a gang that would span the spine while one leaf can hold it, and says why and until when', () => {
    const s = fragmented()
    s.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000, submittedAt: 100 }))
    const { decisions, pending } = s.schedule(100)
    expect(placed(decisions, 'gang')).toBeUndefined()
    // 5% of a 10 h limit: 30 min from its submission
    expect(pending.get('gang')).toEqual({
      kind: 'waiting-for-placement',
      tier: 'spine',
      bestTier: 'leaf',
      until: 100 + 1800,
      message:
        'waits for a better placement: now it would span the spine (2 blocks); one leaf block can hold it (the first is expected to free up in 18 min, by the runtime limits of the jobs there), and it waits for one 30 min more at most (5% of its 10 h runtime limit, at most 1 h), then takes what is free',
    })
  })

  it('starts across the spine at once when no leaf is expected to free up within its budget', () => {
    // node 8's job ends at 2 h too: no leaf before 2 h, past the gang's 30 min
    const s = fragmented(openConfig, 7200)
    s.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000, submittedAt: 100 }))
    expect(placed(s.schedule(100).decisions, 'gang')?.score.tier).toBe('spine')
  })

  it('waits its budget before crossing the core, whatever the leaves are expected to do', () => {
    // pod 0 keeps nodes 5–7 free and pod 1 nodes 13–15: a 4-node gang fits only across the core
    const s = testScheduler(testCluster(), openConfig)
    for (const n of [0, 1, 2, 3, 4, 8, 9, 10, 11, 12]) {
      s.adopt(job(`busy-${n}`, { runtimeLimitS: 7200 }), [n], 0)
    }
    s.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000, submittedAt: 100 }))
    expect(s.schedule(100).pending.get('gang')).toMatchObject({
      kind: 'waiting-for-placement',
      tier: 'core',
      until: 1900,
    })
    expect(placed(s.schedule(1900).decisions, 'gang')?.score.tier).toBe('core')
  })

  it('takes a leaf that frees up while it waits', () => {
    const s = fragmented()
    s.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000, submittedAt: 100 }))
    s.schedule(100)
    s.remove('busy-8')
    const gang = placed(s.schedule(600).decisions, 'gang')
    expect(gang?.score.tier).toBe('leaf')
    expect(gang?.nodes).toEqual([8, 9, 10, 11])
  })

  it('takes what is free when its wait is over', () => {
    const s = fragmented()
    s.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000, submittedAt: 100 }))
    expect(placed(s.schedule(1899).decisions, 'gang')).toBeUndefined()
    expect(placed(s.schedule(1900).decisions, 'gang')?.score.tier).toBe('spine')
  })

  it('waits at most an hour, and a job without a limit counts the default limit', () => {
    const s = fragmented()
    s.submit(job('long', { replicas: 4, runtimeLimitS: 30 * 86_400 }))
    expect(s.schedule(10).pending.get('long')).toMatchObject({
      kind: 'waiting-for-placement',
      until: 3600,
    })
    const t = fragmented()
    t.submit(job('unlimited', { replicas: 4, submittedAt: 5 }))
    expect(t.schedule(10).pending.get('unlimited')).toMatchObject({ until: 5 + 3600 })
  })

  it('never holds a gang whose best tier is the one it would span, a required topology, or with a share of 0', () => {
    const big = fragmented()
    // 6 nodes fit no leaf of 4: the spine is its best; it starts now
    big.submit(job('six', { replicas: 6, runtimeLimitS: 36_000 }))
    expect(placed(big.schedule(0).decisions, 'six')?.score.tier).toBe('spine')
    const required = fragmented()
    required.submit(job('spine-ok', { replicas: 4, topology: { mode: 'required', tier: 'spine' } }))
    expect(placed(required.schedule(0).decisions, 'spine-ok')).toBeDefined()
    const never = fragmented({ ...openConfig, placementWaitShare: 0 })
    never.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000 }))
    expect(placed(never.schedule(0).decisions, 'gang')?.score.tier).toBe('spine')
    const firstFit = fragmented({ ...openConfig, placement: 'first-fit' })
    firstFit.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000 }))
    expect(placed(firstFit.schedule(0).decisions, 'gang')).toBeDefined()
  })

  it('holds the leaf it waits for, and lets smaller jobs behind it run elsewhere meanwhile', () => {
    const s = fragmented()
    s.submit(job('gang', { replicas: 4, runtimeLimitS: 36_000, priority: 5 }))
    s.submit(job('small', { submittedAt: 1 }))
    const { decisions, pending } = s.schedule(10)
    expect(pending.get('gang')?.kind).toBe('waiting-for-placement')
    // the leaf of node 8 frees first: its free nodes are held for the gang from 1,200 s
    expect(decisions).toContainEqual({
      kind: 'reserve',
      jobId: 'gang',
      nodes: [8, 9, 10, 11],
      until: 1200,
    })
    const small = placed(decisions, 'small')
    expect(small).toBeDefined()
    expect(small?.nodes.some((n) => n >= 8 && n < 12)).toBe(false)
  })

  it("honours a preferred topology with a maximum wait, as Slurm's --switches=1@T", () => {
    // no leaf is expected to free for 2 h, and the cluster's own wait is off: the job's word counts
    const s = fragmented({ ...openConfig, placementWaitShare: 0 }, 7200)
    const preferLeaf = { mode: 'preferred', tier: 'leaf', maxWaitS: 3 * 3600 } as const
    s.submit(job('gang', { replicas: 4, topology: preferLeaf, submittedAt: 100 }))
    const reason = s.schedule(100).pending.get('gang')
    expect(reason).toMatchObject({
      kind: 'waiting-for-placement',
      tier: 'spine',
      bestTier: 'leaf',
      until: 100 + 3 * 3600,
    })
    expect(reason?.message).toMatch(/prefers one leaf block for up to 3 h after submission/)
    expect(placed(s.schedule(100 + 3 * 3600 - 1).decisions, 'gang')).toBeUndefined()
    expect(placed(s.schedule(100 + 3 * 3600).decisions, 'gang')?.score.tier).toBe('spine')
    // preferring the spine, it starts across one at once
    const t = fragmented({ ...openConfig, placementWaitShare: 0 }, 7200)
    t.submit(
      job('wide', { replicas: 4, topology: { mode: 'preferred', tier: 'spine', maxWaitS: 3600 } }),
    )
    expect(placed(t.schedule(0).decisions, 'wide')?.score.tier).toBe('spine')
  })

  it('refuses a maximum wait on a required topology, or a negative one', () => {
    const s = fragmented()
    expect(() => {
      s.submit(job('r', { topology: { mode: 'required', tier: 'leaf', maxWaitS: 60 } }))
    }).toThrow(/topology\.maxWaitS applies to a preferred topology only/)
    expect(() => {
      s.submit(job('n', { topology: { mode: 'preferred', tier: 'leaf', maxWaitS: -1 } }))
    }).toThrow(/topology\.maxWaitS must be a number of seconds ≥ 0, got -1/)
  })
})
