import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { job, openConfig, testCluster, testScheduler } from './testing.js'
import type { Decision } from './types.js'

const placed = (decisions: readonly Decision[], id: string) =>
  decisions.find((d): d is Decision & { kind: 'place' } => d.kind === 'place' && d.jobId === id)

const leaf0 = { block: 0, reason: 'node-0001 mlx5_3 loss 0.1%', lossRate: 0.001 }
// testCluster(): 2 pods × 2 blocks × 4 nodes of 8 H800; block b holds nodes 4b..4b+3
const blockOf = (n: number) => Math.floor(n / 4)

describe('degraded leaves', () => {
  it('places a multi-node gang off a degraded leaf when another leaf holds it', () => {
    const s = testScheduler()
    s.setDegradedLeaves([leaf0])
    s.submit(job('g', { replicas: 4 }))
    const g = placed(s.schedule(0).decisions, 'g')
    expect(g?.nodes.map(blockOf)).toEqual([1, 1, 1, 1])
    expect(g?.score.tier).toBe('leaf')
    expect(g?.score.reason).toMatch(
      /leaf block-0 degraded \(node-0001 mlx5_3 loss 0\.1%\): placing elsewhere/,
    )
  })

  it('leaves single-node gangs where they went before', () => {
    const s = testScheduler()
    s.setDegradedLeaves([leaf0])
    s.submit(job('one'))
    const one = placed(s.schedule(0).decisions, 'one')
    expect(one?.nodes).toEqual([0])
    expect(one?.score.reason).not.toMatch(/degraded/)
  })

  it('takes the degraded leaf when it is the only fit of its tier, and says so', () => {
    const s = testScheduler()
    // one busy node in each of blocks 1..3: only block 0 holds 4 nodes
    for (const n of [4, 8, 12]) {
      s.adopt(job(`busy-${n}`), [n], 0)
    }
    s.setDegradedLeaves([leaf0])
    s.submit(job('g', { replicas: 4 }))
    const g = placed(s.schedule(0).decisions, 'g')
    expect(g?.nodes).toEqual([0, 1, 2, 3])
    expect(g?.score.reason).toMatch(/leaf block-0 degraded .*: the only fit at tier leaf uses it/)
  })

  it('reports the degraded leaves it was given, by block', () => {
    const s = testScheduler()
    s.setDegradedLeaves([{ ...leaf0, block: 3 }, leaf0])
    expect(s.degradedLeaves().map((l) => l.block)).toEqual([0, 3])
    s.setDegradedLeaves([])
    expect(s.degradedLeaves()).toEqual([])
  })

  it('property: with one degraded leaf and a free leaf elsewhere, no multi-node gang lands on it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 2, max: 4 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { maxLength: 10 }),
        (bad, replicas, busy) => {
          const s = testScheduler(testCluster(), { ...openConfig, placementWaitShare: 0 })
          for (const n of busy) {
            s.adopt(job(`busy-${n}`), [n], 0)
          }
          const freeIn = (b: number) => [0, 1, 2, 3].filter((i) => !busy.includes(b * 4 + i)).length
          fc.pre([0, 1, 2, 3].some((b) => b !== bad && freeIn(b) >= replicas))
          s.setDegradedLeaves([{ ...leaf0, block: bad }])
          s.submit(job('g', { replicas }))
          const g = placed(s.schedule(0).decisions, 'g')
          expect(g).toBeDefined()
          expect(g?.nodes.some((n) => blockOf(n) === bad)).toBe(false)
        },
      ),
    )
  })

  it('property: with no degraded leaf, decisions are identical to before', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            replicas: fc.integer({ min: 1, max: 6 }),
            perReplica: fc.constantFrom(1, 2, 4, 8),
            priority: fc.integer({ min: 0, max: 2 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (jobs) => {
          const run = (setEmpty: boolean) => {
            const s = testScheduler(testCluster({ pods: 2, blocksPerPod: 3 }))
            if (setEmpty) {
              s.setDegradedLeaves([])
            }
            jobs.forEach((j, i) => {
              s.submit(
                job(`j${i}`, {
                  replicas: j.replicas,
                  acceleratorsPerReplica: j.perReplica,
                  priority: j.priority,
                  runtimeLimitS: 3600,
                  submittedAt: i,
                }),
              )
            })
            return JSON.stringify([s.schedule(100), s.schedule(200)])
          }
          expect(run(true)).toBe(run(false))
        },
      ),
    )
  })
})
