import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { UplinkLoad } from './uplink-load.js'
import { job, openConfig, testCluster, testScheduler } from './testing.js'
import type { Decision } from './types.js'

const placed = (decisions: readonly Decision[], id: string) =>
  decisions.find((d): d is Decision & { kind: 'place' } => d.kind === 'place' && d.jobId === id)

/** Busy one-node jobs on these nodes. */
function fill(s: ReturnType<typeof testScheduler>, nodes: readonly number[]) {
  for (const n of nodes) {
    s.adopt(job(`busy-${n}`), [n], 0)
  }
}

describe('placement scored by what the ring gets on shared uplinks', () => {
  it('spans the pods whose core uplinks have room, not the fullest ones', () => {
    // 4 pods × 2 blocks × 4 nodes, spines 8:1: a pod's uplink carries one node's NICs. Gang a
    // runs across pods 0 and 1; one node is free in each pod.
    const cluster = testCluster({ pods: 4, oversubscription: { spine: 8 } })
    // (no wait for a better placement: none will come)
    const s = testScheduler(cluster, { ...openConfig, placementWaitShare: 0 })
    s.adopt(job('a', { replicas: 2 }), [0, 8], 0)
    fill(
      s,
      [...Array(32).keys()].filter((n) => ![0, 8, 7, 15, 23, 31].includes(n)),
    )
    s.submit(job('g', { replicas: 2, runtimeLimitS: 3600 }))
    // first fit of pods would take 7 and 15 and share a's uplinks (half the NIC rate each)
    const g = placed(s.schedule(0).decisions, 'g')
    expect(g?.nodes).toEqual([23, 31])
    expect(g?.score.reason).toMatch(/least-loaded core uplinks first/)
  })

  it('takes the pod whose leaf uplinks are free when two fit as tightly', () => {
    // 2 pods × 2 blocks × 4 nodes, leaves 8:1: a block's uplink carries half a node's NICs.
    // Gang a crosses pod 0's two blocks; each pod has one free node per block.
    const cluster = testCluster({ oversubscription: { leaf: 8 } })
    const s = testScheduler(cluster, openConfig)
    s.adopt(job('a', { replicas: 2 }), [0, 4], 0)
    fill(s, [1, 2, 5, 6, 8, 9, 10, 12, 13, 14])
    s.submit(job('g', { replicas: 2, runtimeLimitS: 3600 }))
    const g = placed(s.schedule(0).decisions, 'g')
    expect(g?.nodes).toEqual([11, 15])
    expect(g?.score.reason).toMatch(/^least-loaded pod 1: .*its ring gets 50% of its NIC rate/)
  })

  it('leaves a non-blocking fabric to best fit, and counts nothing there', () => {
    const s = testScheduler(testCluster(), openConfig)
    s.adopt(job('a', { replicas: 2 }), [0, 4], 0)
    fill(s, [1, 2, 5, 6, 8, 9, 10, 12, 13, 14])
    s.submit(job('g', { replicas: 2, runtimeLimitS: 3600 }))
    const g = placed(s.schedule(0).decisions, 'g')
    expect(g?.nodes).toEqual([3, 7])
    expect(g?.score.reason).toMatch(/^best-fit pod 0/)
    expect(new UplinkLoad(testCluster().fabric).blocking).toBe(false)
  })

  it('keeps its counts in step as gangs start, move and stop', () => {
    const fabric = testCluster({ pods: 4, oversubscription: { spine: 8 } }).fabric
    const load = new UplinkLoad(fabric)
    expect(load.blocking).toBe(true)
    expect(load.rateShare([7, 15])).toBe(1)
    load.add([0, 8], 1)
    load.add([1, 9], 1)
    // pods 0 and 1 each carry 2 hops of a 1-NIC uplink: a third ring gets a third
    expect(load.rateShare([7, 15])).toBeCloseTo(1 / 3, 12)
    expect(load.podHeadroom(0)).toBeCloseTo(-1, 12)
    load.add([1, 9], -1)
    load.add([0, 8], -1)
    expect(load.rateShare([7, 15])).toBe(1)
    expect(load.podHeadroom(2)).toBeCloseTo(1, 12)
  })

  it('never gives a ring more as others join, and forgets every ring that leaves', () => {
    const fabric = testCluster({ pods: 4, oversubscription: { leaf: 2, spine: 8 } }).fabric
    const ring = fc.uniqueArray(fc.nat(31), { minLength: 2, maxLength: 8 })
    fc.assert(
      fc.property(fc.array(ring, { maxLength: 12 }), ring, (others, probe) => {
        const load = new UplinkLoad(fabric)
        const alone = load.rateShare(probe)
        expect(alone).toBeLessThanOrEqual(1)
        let last = alone
        for (const r of others) {
          load.add(r, 1)
          const now = load.rateShare(probe)
          expect(now).toBeLessThanOrEqual(last)
          expect(now).toBeGreaterThan(0)
          last = now
        }
        for (const r of [...others].reverse()) {
          load.add(r, -1)
        }
        expect(load.rateShare(probe)).toBeCloseTo(alone, 12)
        expect(load.podHeadroom(0)).toBeCloseTo(new UplinkLoad(fabric).podHeadroom(0), 9)
      }),
    )
  })
})
