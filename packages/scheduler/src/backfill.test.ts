import { describe, expect, it } from 'vitest'
import { job, openConfig, testCluster, testScheduler } from './testing.js'
import type { Decision } from './types.js'

const placed = (decisions: readonly Decision[], id: string) =>
  decisions.find((d): d is Decision & { kind: 'place' } => d.kind === 'place' && d.jobId === id)

/**
 * 2 pods × 2 blocks × 4 nodes. Job a holds nodes 0–5 until 1,000 s, job b nodes 8–13 until
 * 5,000 s (by their limits); nodes 6, 7, 14 and 15 are free. Two 8-node gangs wait: the first
 * can start on pod 0 at 1,000 s, the second on pod 1 at 5,000 s.
 */
function twoBlocked(reservationDepth?: number) {
  const s = testScheduler(testCluster(), {
    ...openConfig,
    ...(reservationDepth === undefined ? {} : { reservationDepth }),
  })
  s.adopt(job('a', { replicas: 6, runtimeLimitS: 1000 }), [0, 1, 2, 3, 4, 5], 0)
  s.adopt(job('b', { replicas: 6, runtimeLimitS: 5000 }), [8, 9, 10, 11, 12, 13], 0)
  s.submit(job('g1', { replicas: 8, priority: 9, runtimeLimitS: 36_000 }))
  s.submit(job('g2', { replicas: 8, priority: 8, runtimeLimitS: 36_000 }))
  return s
}

describe('backfill around several reservations', () => {
  it('plans a start for each blocked gang, the later around the earlier', () => {
    const { decisions } = twoBlocked(8).schedule(0)
    expect(decisions.filter((d) => d.kind === 'reserve')).toEqual([
      { kind: 'reserve', jobId: 'g1', nodes: [0, 1, 2, 3, 4, 5, 6, 7], until: 1000 },
      { kind: 'reserve', jobId: 'g2', nodes: [8, 9, 10, 11, 12, 13, 14, 15], until: 5000 },
    ])
  })

  it('lets a job use the nodes of the reservations it ends before, and no others', () => {
    const s = twoBlocked(8)
    // ends at 2,000 s: after g1's start, before g2's
    s.submit(job('mid', { runtimeLimitS: 2000, submittedAt: 1 }))
    s.submit(job('none', { submittedAt: 2 }))
    const { decisions, pending } = s.schedule(0)
    expect([14, 15]).toContain(placed(decisions, 'mid')?.nodes[0])
    expect(placed(decisions, 'none')).toBeUndefined()
    // it would take node 15, held for g2: the reason names that reservation
    expect(pending.get('none')).toMatchObject({
      kind: 'waiting-for-reservation',
      reservedFor: 'g2',
      until: 5000,
    })
  })

  it('plans for one gang only by default (depth 1)', () => {
    const s = twoBlocked()
    s.submit(job('long', { runtimeLimitS: 9000, submittedAt: 1 }))
    const { decisions } = s.schedule(0)
    expect(decisions.filter((d) => d.kind === 'reserve').map((d) => d.jobId)).toEqual(['g1'])
    // no reservation holds pod 1's free nodes: a job outlasting g2's start takes one
    expect([14, 15]).toContain(placed(decisions, 'long')?.nodes[0])
  })
})
