import { describe, expect, it } from 'vitest'
import type { FabricLeaf } from '../api/types'
import {
  blockOf,
  gangWords,
  jobPath,
  leafCounts,
  leafStateLabel,
  leafWords,
  leavesByBlock,
  podLeafWords,
  slowdownWords,
  worse,
} from './fabric-health'

const leaf = (block: number, over: Partial<FabricLeaf> = {}): FabricLeaf => ({
  id: `block-${block}`,
  tier: 'leaf',
  pod: Math.floor(block / 2),
  state: 'healthy',
  reason: '',
  lossRate: 0,
  congestion: 0,
  nodes: Array.from({ length: 4 }, (_, i) => `n${block * 4 + i}`),
  gangsAffected: [],
  ...over,
})

/** 16 nodes: blocks of 4, pods of 2 blocks. */
const nodes = Array.from({ length: 16 }, (_, i) => ({
  name: `n${i}`,
  block: Math.floor(i / 4),
  pod: Math.floor(i / 8),
}))

describe('the fabric health overlay', () => {
  it('reads block ids and indexes the leaves by block', () => {
    expect(blockOf('block-12')).toBe(12)
    expect(blockOf('spine-1')).toBeUndefined()
    const m = leavesByBlock([leaf(0), leaf(3, { state: 'degraded' })])
    expect([...m.keys()]).toEqual([0, 3])
    expect(m.get(3)?.state).toBe('degraded')
  })

  it('orders states and counts a pod’s unhealthy leaves in words', () => {
    expect(worse('healthy', 'degraded')).toBe('degraded')
    expect(worse('failed', 'degraded')).toBe('failed')
    const m = leavesByBlock([leaf(0, { state: 'degraded' }), leaf(1, { state: 'failed' })])
    const c = leafCounts(m, [0, 1, 2])
    expect(c).toEqual({ healthy: 1, degraded: 1, failed: 1 })
    expect(podLeafWords(c)).toBe('1 leaf failed, 1 leaf degraded')
    expect(podLeafWords({ healthy: 0, degraded: 2, failed: 0 })).toBe('2 leaves degraded')
    expect(podLeafWords({ healthy: 3, degraded: 0, failed: 0 })).toBe('')
    expect(leafStateLabel('degraded')).toMatch(/^leaf degraded/)
  })

  it('puts the expected slowdown and the leaf’s findings in words', () => {
    expect(slowdownWords(1)).toBe('no slowdown')
    expect(slowdownWords(1.0123)).toBe('+1.2% step time (×1.012)')
    expect(slowdownWords(null)).toMatch(/stalls/)
    expect(gangWords({ job: 'job-1', nodes: 2, expectedSlowdown: 1.05 })).toBe(
      'job-1 (2 nodes): +5.0% step time (×1.050)',
    )
    expect(gangWords({ job: 'other-tenant', nodes: 1, expectedSlowdown: 1 })).toBe(
      'another tenant’s job (1 node): no slowdown',
    )
    expect(leafWords(leaf(0))).toBe('healthy')
    expect(
      leafWords(
        leaf(0, {
          state: 'degraded',
          reason: 'n3 mlx5_3/1 degraded: packet loss 0.1%',
          lossRate: 0.001,
          congestion: 0.25,
        }),
      ),
    ).toBe('degraded: n3 mlx5_3/1 degraded: packet loss 0.1% · loss 0.10% · 25% of ports congested')
  })

  it('traces a job’s path: its leaves with their health, the spines and the core', () => {
    const health = leavesByBlock([leaf(1, { state: 'degraded' }), leaf(2)])
    const within = jobPath(nodes, ['n0', 'n1'], health)
    expect(within).toEqual({
      leaves: [{ block: 0, pod: 0, state: 'healthy', nodes: ['n0', 'n1'] }],
      pods: [],
      core: false,
      state: 'healthy',
    })
    const pod = jobPath(nodes, ['n5', 'n0'], health)
    expect(pod.leaves.map((l) => [l.block, l.state])).toEqual([
      [0, 'healthy'],
      [1, 'degraded'],
    ])
    expect(pod.pods).toEqual([0])
    expect(pod.core).toBe(false)
    expect(pod.state).toBe('degraded')
    const core = jobPath(nodes, ['n0', 'n12', 'unknown'], health)
    expect(core.leaves.map((l) => l.block)).toEqual([0, 3])
    expect(core.pods).toEqual([0, 1])
    expect(core.core).toBe(true)
    expect(jobPath(nodes, [], health).leaves).toEqual([])
  })
})
