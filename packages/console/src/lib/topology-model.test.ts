import { describe, expect, it } from 'vitest'
import type { Topology, TopologyNode } from '../api/types'
import {
  acceleratorCells,
  expansionFor,
  initialExpansion,
  mapView,
  spanOf,
  stateLabel,
} from './topology-model'

const node = (i: number, over: Partial<TopologyNode> = {}): TopologyNode => ({
  name: `n${i}`,
  family: 'H100',
  accelerators: 8,
  pod: Math.floor(i / 8),
  block: Math.floor(i / 4),
  health: 'healthy',
  adminState: 'active',
  reason: '',
  jobs: [],
  ...over,
})

/** A fabric of `count` nodes: blocks of 4, pods of 2 blocks. */
const fabric = (count: number, over: Record<number, Partial<TopologyNode>> = {}) =>
  ({
    nodes: Array.from({ length: count }, (_, i) => node(i, over[i])),
    switches: {
      leavesPerBlock: 8,
      spinesPerPod: Array.from({ length: Math.ceil(count / 8) }, () => 4),
      core: 0,
    },
  }) as Pick<Topology, 'nodes' | 'switches'>

describe('the topology map model', () => {
  it('colours a node’s accelerators: held by jobs first, then free, drained or failed', () => {
    const busy = node(0, {
      jobs: [
        { id: 'a', accelerators: 4 },
        { id: 'b', accelerators: 2 },
      ],
    })
    expect(acceleratorCells(busy).map((c) => c.job ?? c.state)).toEqual([
      'a',
      'a',
      'a',
      'a',
      'b',
      'b',
      'free',
      'free',
    ])
    const drained = node(1, { adminState: 'drained', jobs: [{ id: 'a', accelerators: 8 }] })
    expect(
      acceleratorCells({ ...drained, jobs: [{ id: 'a', accelerators: 2 }] }).map((c) => c.state),
    ).toEqual([
      'allocated',
      'allocated',
      'drained',
      'drained',
      'drained',
      'drained',
      'drained',
      'drained',
    ])
    expect(
      new Set(acceleratorCells(node(2, { health: 'failed', jobs: busy.jobs })).map((c) => c.state)),
    ).toEqual(new Set(['failed']))
  })

  it('tells another tenant’s gang from the caller’s own, in the cells and the legend', () => {
    const shared = node(3, {
      jobs: [
        { id: 'mine', accelerators: 2 },
        { id: 'other-tenant', accelerators: 4 },
      ],
    })
    expect(acceleratorCells(shared).map((c) => c.state)).toEqual([
      'allocated',
      'allocated',
      'other',
      'other',
      'other',
      'other',
      'free',
      'free',
    ])
    expect(acceleratorCells(shared).some((c) => c.job === 'other-tenant')).toBe(false)
    expect(stateLabel('allocated', false)).toBe('your tenant’s jobs')
    expect(stateLabel('other', false)).toBe('other tenants’ jobs')
    expect(stateLabel('drained', true)).toBe('drained node (healthy, takes no new work)')
  })

  it('labels each block and pod with the chip families of its nodes', () => {
    const mixed = fabric(16, {
      4: { family: 'Ascend910' },
      5: { family: 'Ascend910' },
      6: { family: 'Ascend910' },
      7: { family: 'Ascend910' },
    })
    const view = mapView(mixed, new Set(['pod:0']))
    expect(view[0]?.families).toEqual(['H100', 'Ascend910'])
    expect(view[0]?.blocks.map((b) => b.families)).toEqual([['H100'], ['Ascend910']])
    expect(view[1]?.families).toEqual(['H100'])
  })

  it('aggregates pods and blocks and carries children only where expanded', () => {
    const topo = fabric(16, {
      0: { jobs: [{ id: 'j', accelerators: 8 }] },
      5: { health: 'failed' },
      9: { adminState: 'drained' },
    })
    const view = mapView(topo, new Set(['pod:0', 'block:1']), new Set(['n0']))
    expect(view).toHaveLength(2)
    const [pod0, pod1] = view
    expect(pod0?.counts).toEqual({ free: 48, allocated: 8, other: 0, failed: 8, drained: 0 })
    expect(pod0?.blocks.map((b) => [b.index, b.nodes.length, b.highlighted])).toEqual([
      [0, 0, true],
      [1, 4, false],
    ])
    expect(pod1).toMatchObject({
      expanded: false,
      blocks: [],
      nodeCount: 8,
      spines: 4,
      highlighted: false,
    })
    expect(pod1?.counts).toEqual({ free: 56, allocated: 0, other: 0, failed: 0, drained: 8 })
  })

  it('keeps a 2,000-node map to pod summaries until opened', () => {
    const topo = fabric(2000)
    const open = initialExpansion(topo.nodes)
    expect(open.size).toBe(0)
    const view = mapView(topo, open)
    expect(view).toHaveLength(250)
    expect(view.every((p) => p.blocks.length === 0)).toBe(true)
    expect(view.reduce((s, p) => s + p.counts.free, 0)).toBe(16_000)
    expect(initialExpansion(fabric(64).nodes)).toContain('block:15')
    expect(initialExpansion(fabric(256).nodes)).toEqual(
      new Set(Array.from({ length: 32 }, (_, i) => `pod:${i}`)),
    )
  })

  it('names the highest tier a placement spans and what to open to show it', () => {
    const nodes = fabric(16).nodes
    expect(spanOf(nodes, ['n1', 'n1'])).toEqual({ tier: 'node', nodes: 1, blocks: 1, pods: 1 })
    expect(spanOf(nodes, ['n0', 'n3']).tier).toBe('leaf')
    expect(spanOf(nodes, ['n0', 'n4'])).toEqual({ tier: 'spine', nodes: 2, blocks: 2, pods: 1 })
    expect(spanOf(nodes, ['n0', 'n15']).tier).toBe('core')
    expect(spanOf(nodes, ['gone']).tier).toBe('none')
    expect(expansionFor(nodes, ['n0', 'n9']).sort()).toEqual([
      'block:0',
      'block:2',
      'pod:0',
      'pod:1',
    ])
  })
})
