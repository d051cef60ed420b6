import type { CpuArch, Tier } from '@zhisuan/domain'
import type { ClusterState } from './cluster-state.js'
import type { PlacementScore, TopologyTier } from './types.js'

/** A gang to place: `replicas` × `perReplica` accelerators of one family, one replica per node slot. */
export interface GangRequest {
  readonly family: string
  readonly archs: readonly CpuArch[]
  readonly replicas: number
  readonly perReplica: number
  /** The highest tier the gang may span (a `required` topology); absent = any. */
  readonly maxTier?: TopologyTier
  /** Restricts placement to some blocks (preemption looks at one domain at a time). */
  readonly blocks?: (block: number) => boolean
}

export type PlacementResult =
  | { readonly ok: true; readonly nodes: readonly number[]; readonly score: PlacementScore }
  | { readonly ok: false; readonly freeReplicas: number; readonly tier: Tier }

interface Slots {
  readonly block: number
  readonly slots: number
}

const tierCap: Record<TopologyTier, number> = { node: 0, leaf: 1, spine: 2 }

/**
 * Places a gang in the smallest fabric domain that holds it — a node, then a block (one leaf
 * set), then a pod (one spine group), then the whole fabric — choosing inside each level the
 * domain with the fewest free slots that still suffice (best fit), so partly used domains fill
 * up and whole ones stay free for big gangs. Across blocks it takes as few blocks as it can
 * (largest first, then the best fit for the remainder), which keeps ring traffic under the leaves.
 */
export function findPlacement(state: ClusterState, req: GangRequest): PlacementResult {
  const k = req.perReplica
  const candidates: Slots[] = []
  let total = 0
  for (let b = 0; b < state.blockFamily.length; b++) {
    if (
      state.blockFamily[b] !== req.family ||
      !req.archs.includes(state.blockArch[b] ?? 'x86_64')
    ) {
      continue
    }
    if (req.blocks !== undefined && !req.blocks(b)) {
      continue
    }
    const slots = state.blockSlots(b, k)
    if (slots > 0) {
      candidates.push({ block: b, slots })
      total += slots
    }
  }
  const cap = req.maxTier === undefined ? 3 : tierCap[req.maxTier]
  if (total < req.replicas) {
    return { ok: false, freeReplicas: total, tier: 'core' }
  }
  const single = singleNode(state, candidates, req)
  if (single !== undefined) {
    return single
  }
  if (cap < 1) {
    return {
      ok: false,
      freeReplicas: Math.max(0, ...candidates.map((c) => state.blockBestNodeSlots(c.block, k))),
      tier: 'node',
    }
  }
  const fit = bestFit(candidates, req.replicas)
  if (fit !== undefined) {
    const nodes = nodesInBlock(state, fit.block, k, req.replicas)
    return done(
      state,
      nodes,
      fit.slots,
      `best-fit block ${fit.block}: ${fit.slots} free slots for ${req.replicas}`,
    )
  }
  if (cap < 2) {
    return { ok: false, freeReplicas: Math.max(...candidates.map((c) => c.slots)), tier: 'leaf' }
  }
  const pods = groupByPod(state, candidates)
  const pod = bestFit(
    pods.map((p) => ({ block: p.pod, slots: p.slots })),
    req.replicas,
  )
  if (pod !== undefined) {
    const blocks = pods.find((p) => p.pod === pod.block)?.blocks ?? []
    const nodes = takeBlocks(state, blocks, k, req.replicas)
    return done(
      state,
      nodes,
      pod.slots,
      `best-fit pod ${pod.block}: ${pod.slots} free slots for ${req.replicas}, fewest blocks`,
    )
  }
  if (cap < 3) {
    return { ok: false, freeReplicas: Math.max(...pods.map((p) => p.slots)), tier: 'spine' }
  }
  const nodes: number[] = []
  let need = req.replicas
  const remaining = [...pods]
  while (need > 0 && remaining.length > 0) {
    const pick =
      bestFit(
        remaining.map((p) => ({ block: p.pod, slots: p.slots })),
        need,
      ) ?? largest(remaining.map((p) => ({ block: p.pod, slots: p.slots })))
    const at = remaining.findIndex((p) => p.pod === pick.block)
    const chosen = remaining.splice(at, 1)[0]
    const take = Math.min(need, pick.slots)
    nodes.push(...takeBlocks(state, chosen?.blocks ?? [], k, take))
    need -= take
  }
  return done(
    state,
    nodes,
    total,
    `spans pods: fewest pods and blocks for ${req.replicas} replicas`,
  )
}

function singleNode(
  state: ClusterState,
  candidates: readonly Slots[],
  req: GangRequest,
): PlacementResult | undefined {
  const k = req.perReplica
  let bestJ = Number.POSITIVE_INFINITY
  let bestBlock = -1
  let bestBlockSlots = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    const base = c.block * state.width
    for (let j = k * req.replicas; j < state.width && j <= bestJ; j++) {
      if ((state.hist[base + j] ?? 0) > 0) {
        // smallest sufficient node; among equals, the fuller block
        if (j < bestJ || c.slots < bestBlockSlots) {
          bestJ = j
          bestBlock = c.block
          bestBlockSlots = c.slots
        }
        break
      }
    }
  }
  if (bestBlock < 0) {
    return undefined
  }
  const block = state.fabric.blocks[bestBlock]
  if (block === undefined) {
    return undefined
  }
  for (let n = block.firstNode; n < block.firstNode + block.nodeCount; n++) {
    if (state.usable(n) && state.free[n] === bestJ) {
      const nodes = new Array<number>(req.replicas).fill(n)
      return done(
        state,
        nodes,
        Math.floor(bestJ / k),
        `best-fit node ${n}: ${bestJ} free accelerators for ${k * req.replicas}`,
      )
    }
  }
  return undefined
}

function bestFit(options: readonly Slots[], need: number): Slots | undefined {
  let best: Slots | undefined
  for (const o of options) {
    if (o.slots >= need && (best === undefined || o.slots < best.slots)) {
      best = o
    }
  }
  return best
}

function largest(options: readonly Slots[]): Slots {
  let best = options[0] ?? { block: -1, slots: 0 }
  for (const o of options) {
    if (o.slots > best.slots) {
      best = o
    }
  }
  return best
}

function groupByPod(
  state: ClusterState,
  candidates: readonly Slots[],
): { pod: number; slots: number; blocks: Slots[] }[] {
  const pods = new Map<number, { pod: number; slots: number; blocks: Slots[] }>()
  for (const c of candidates) {
    const pod = state.fabric.blocks[c.block]?.pod ?? 0
    const entry = pods.get(pod) ?? { pod, slots: 0, blocks: [] }
    entry.slots += c.slots
    entry.blocks.push(c)
    pods.set(pod, entry)
  }
  return [...pods.values()]
}

/** Fewest blocks: the best fit for what remains when one block holds it, else the largest. */
function takeBlocks(
  state: ClusterState,
  blocks: readonly Slots[],
  k: number,
  replicas: number,
): number[] {
  const remaining = [...blocks]
  const nodes: number[] = []
  let need = replicas
  while (need > 0 && remaining.length > 0) {
    const pick = bestFit(remaining, need) ?? largest(remaining)
    remaining.splice(remaining.indexOf(pick), 1)
    const take = Math.min(need, pick.slots)
    nodes.push(...nodesInBlock(state, pick.block, k, take))
    need -= take
  }
  return nodes
}

/** Nodes of a block for `replicas` replicas: nodes that take the most replicas first, then by index. */
function nodesInBlock(state: ClusterState, block: number, k: number, replicas: number): number[] {
  const b = state.fabric.blocks[block]
  if (b === undefined) {
    return []
  }
  const options: { node: number; slots: number }[] = []
  for (let n = b.firstNode; n < b.firstNode + b.nodeCount; n++) {
    const slots = state.nodeSlots(n, k)
    if (slots > 0) {
      options.push({ node: n, slots })
    }
  }
  options.sort((x, y) => y.slots - x.slots || x.node - y.node)
  const nodes: number[] = []
  for (const o of options) {
    for (let s = 0; s < o.slots && nodes.length < replicas; s++) {
      nodes.push(o.node)
    }
    if (nodes.length >= replicas) {
      break
    }
  }
  return nodes
}

function done(
  state: ClusterState,
  nodes: readonly number[],
  domainFreeSlots: number,
  reason: string,
): PlacementResult {
  const blocks = [...new Set(nodes.map((n) => state.fabric.nodeBlock[n] ?? 0))].sort(
    (a, b) => a - b,
  )
  const pods = [...new Set(blocks.map((b) => state.fabric.blocks[b]?.pod ?? 0))].sort(
    (a, b) => a - b,
  )
  const distinct = new Set(nodes).size
  const tier: Tier =
    pods.length > 1 ? 'core' : blocks.length > 1 ? 'spine' : distinct > 1 ? 'leaf' : 'node'
  return { ok: true, nodes, score: { tier, blocks, pods, domainFreeSlots, reason } }
}
