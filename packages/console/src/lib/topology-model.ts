import type { Topology, TopologyNode } from '../api/types'

/**
 * What an accelerator is doing, as the map colours it: free; held by a job the caller may see
 * (`allocated`), or by another tenant's job (`other`, whose id the API does not give); on a
 * failed node; or free on a node an admin drained (`drained`: healthy, but it takes no new work).
 */
export type AcceleratorState = 'free' | 'allocated' | 'other' | 'failed' | 'drained'

export const acceleratorStateNames: readonly AcceleratorState[] = [
  'free',
  'allocated',
  'other',
  'failed',
  'drained',
]

/** The id the API gives in place of another tenant's job. */
export const otherTenantJob = 'other-tenant'

/**
 * A state in the legend's words. An admin sees every job, so `allocated` is any job; to others
 * it is their own tenant's, beside the `other` tenants'.
 */
export function stateLabel(state: AcceleratorState, admin: boolean): string {
  switch (state) {
    case 'free':
      return 'free'
    case 'allocated':
      return admin ? 'allocated to a job' : 'your tenant’s jobs'
    case 'other':
      return 'other tenants’ jobs'
    case 'failed':
      return 'failed node'
    case 'drained':
      return 'drained node (healthy, takes no new work)'
  }
}

/** One accelerator cell of a node: its state and the job holding it, if any. */
export interface AcceleratorCell {
  readonly state: AcceleratorState
  readonly job?: string
}

/** Accelerators per state. */
export type StateCounts = Record<AcceleratorState, number>

const zero = (): StateCounts => ({ free: 0, allocated: 0, other: 0, failed: 0, drained: 0 })

/**
 * The cells of a node, in order: a failed node's accelerators are all failed; otherwise the ones
 * jobs hold come first, job by job (another tenant's as `other`), and the rest are free, or
 * drained on a drained node.
 */
export function acceleratorCells(node: TopologyNode): AcceleratorCell[] {
  if (node.health === 'failed') {
    return Array.from({ length: node.accelerators }, () => ({ state: 'failed' }))
  }
  const cells: AcceleratorCell[] = []
  for (const j of node.jobs) {
    const state = j.id === otherTenantJob ? 'other' : 'allocated'
    for (let i = 0; i < j.accelerators && cells.length < node.accelerators; i++) {
      cells.push(state === 'other' ? { state } : { state, job: j.id })
    }
  }
  const rest: AcceleratorState = node.adminState === 'drained' ? 'drained' : 'free'
  while (cells.length < node.accelerators) {
    cells.push({ state: rest })
  }
  return cells
}

/** The chip families of some nodes, in the order they first appear. */
export function familiesOf(nodes: readonly Pick<TopologyNode, 'family'>[]): string[] {
  return [...new Set(nodes.map((n) => n.family))]
}

/** Accelerators per state over some nodes. */
export function countStates(nodes: readonly TopologyNode[]): StateCounts {
  const c = zero()
  for (const n of nodes) {
    for (const cell of acceleratorCells(n)) {
      c[cell.state]++
    }
  }
  return c
}

export interface BlockView {
  readonly key: string
  readonly index: number
  /** The chip families of its nodes (more than one only in a mixed block). */
  readonly families: readonly string[]
  readonly counts: StateCounts
  readonly nodeCount: number
  readonly expanded: boolean
  /** The nodes, only when expanded. */
  readonly nodes: readonly TopologyNode[]
  /** Whether the highlighted job has a node here. */
  readonly highlighted: boolean
}

export interface PodView {
  readonly key: string
  readonly index: number
  readonly families: readonly string[]
  readonly spines: number
  readonly counts: StateCounts
  readonly nodeCount: number
  readonly blockCount: number
  readonly expanded: boolean
  /** The blocks, only when expanded. */
  readonly blocks: readonly BlockView[]
  readonly highlighted: boolean
}

export const podKey = (pod: number): string => `pod:${pod}`
export const blockKey = (block: number): string => `block:${block}`

/**
 * The map's tree: pods (spine groups) of blocks (leaf groups) of nodes, each level with its
 * accelerators per state. Only what `expanded` opens carries its children, so a 2,000-node
 * cluster renders a few dozen summaries until the user opens one.
 */
export function mapView(
  topology: Pick<Topology, 'nodes' | 'switches'>,
  expanded: ReadonlySet<string>,
  highlight: ReadonlySet<string> = new Set(),
): PodView[] {
  const pods = new Map<number, Map<number, TopologyNode[]>>()
  for (const n of topology.nodes) {
    let blocks = pods.get(n.pod)
    if (blocks === undefined) {
      blocks = new Map()
      pods.set(n.pod, blocks)
    }
    const list = blocks.get(n.block)
    if (list === undefined) {
      blocks.set(n.block, [n])
    } else {
      list.push(n)
    }
  }
  return [...pods.entries()]
    .sort(([a], [b]) => a - b)
    .map(([pod, blocks]) => {
      const blockViews = [...blocks.entries()]
        .sort(([a], [b]) => a - b)
        .map(([block, nodes]): BlockView => {
          const open = expanded.has(blockKey(block))
          return {
            key: blockKey(block),
            index: block,
            families: familiesOf(nodes),
            counts: countStates(nodes),
            nodeCount: nodes.length,
            expanded: open,
            nodes: open ? nodes : [],
            highlighted: nodes.some((n) => highlight.has(n.name)),
          }
        })
      const open = expanded.has(podKey(pod))
      const counts = zero()
      for (const b of blockViews) {
        for (const s of acceleratorStateNames) {
          counts[s] += b.counts[s]
        }
      }
      return {
        key: podKey(pod),
        index: pod,
        families: [...new Set(blockViews.flatMap((b) => b.families))],
        spines: topology.switches.spinesPerPod[pod] ?? 0,
        counts,
        nodeCount: blockViews.reduce((s, b) => s + b.nodeCount, 0),
        blockCount: blockViews.length,
        expanded: open,
        blocks: open ? blockViews : [],
        highlighted: blockViews.some((b) => b.highlighted),
      }
    })
}

/**
 * What the map opens first: everything on a small cluster, the pods on a mid-sized one, nothing
 * on a large one (then the user opens what they look at).
 */
export function initialExpansion(
  nodes: readonly Pick<TopologyNode, 'pod' | 'block'>[],
): Set<string> {
  const open = new Set<string>()
  if (nodes.length > 512) {
    return open
  }
  for (const n of nodes) {
    open.add(podKey(n.pod))
    if (nodes.length <= 128) {
      open.add(blockKey(n.block))
    }
  }
  return open
}

/** The highest fabric tier a placement's traffic crosses, and how far it spreads. */
export interface Span {
  readonly tier: 'node' | 'leaf' | 'spine' | 'core' | 'none'
  readonly nodes: number
  readonly blocks: number
  readonly pods: number
}

/**
 * The tiers a job's nodes span: one node stays inside it (scale-up); one block stays under its
 * leaves; one pod under its spines; more pods cross the core.
 */
export function spanOf(
  nodes: readonly Pick<TopologyNode, 'name' | 'pod' | 'block'>[],
  placement: readonly string[],
): Span {
  const byName = new Map(nodes.map((n) => [n.name, n]))
  const used = [...new Set(placement)].flatMap((name) => {
    const n = byName.get(name)
    return n === undefined ? [] : [n]
  })
  const blocks = new Set(used.map((n) => n.block)).size
  const pods = new Set(used.map((n) => n.pod)).size
  const tier =
    used.length === 0
      ? 'none'
      : used.length === 1
        ? 'node'
        : blocks === 1
          ? 'leaf'
          : pods === 1
            ? 'spine'
            : 'core'
  return { tier, nodes: used.length, blocks, pods }
}

/** The keys to open so a job's nodes show: their pods and blocks. */
export function expansionFor(
  nodes: readonly Pick<TopologyNode, 'name' | 'pod' | 'block'>[],
  placement: readonly string[],
): string[] {
  const set = new Set(placement)
  const keys = new Set<string>()
  for (const n of nodes) {
    if (set.has(n.name)) {
      keys.add(podKey(n.pod))
      keys.add(blockKey(n.block))
    }
  }
  return [...keys]
}
