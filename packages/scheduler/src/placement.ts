import type { CpuArch, Tier } from '@zhisuan/domain'
import type { ClusterState } from './cluster-state.js'
import type { UplinkLoad } from './uplink-load.js'
import type { PlacementScore, TopologyTier } from './types.js'
import { counted, nodeName, replicasOf } from './wording.js'

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
  /**
   * The uplinks running gangs load (on a fabric where some can fill): a gang that must span
   * blocks or pods goes, among the candidates that fit as tightly, where its ring gets the most.
   */
  readonly uplinks?: UplinkLoad
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
      `best-fit block ${fit.block}: room for ${replicasOf(fit.slots, k)}, ${req.replicas} asked`,
    )
  }
  if (cap < 2) {
    return { ok: false, freeReplicas: Math.max(...candidates.map((c) => c.slots)), tier: 'leaf' }
  }
  const pods = groupByPod(state, candidates)
  const fitting = pods
    .filter((p) => p.slots >= req.replicas)
    .sort((a, b) => a.slots - b.slots || a.pod - b.pod)
  if (fitting.length > 0) {
    // best fit; with loaded uplinks, the pod of the first few where the ring gets the most
    const options = fitting.slice(0, req.uplinks === undefined ? 1 : scoredCandidates)
    const scored = options.map((p) => {
      const nodes = takeBlocks(state, p.blocks, k, req.replicas)
      return { p, nodes, share: req.uplinks?.rateShare(nodes) ?? 1 }
    })
    const pick = scored.reduce((a, b) => (b.share > a.share ? b : a))
    return done(
      state,
      pick.nodes,
      pick.p.slots,
      `${pick === scored[0] ? 'best-fit' : 'least-loaded'} pod ${pick.p.pod}: room for ${replicasOf(pick.p.slots, k)}, ${req.replicas} asked; fewest blocks${uplinkNote(pick.share)}`,
    )
  }
  if (cap < 3) {
    return { ok: false, freeReplicas: Math.max(...pods.map((p) => p.slots)), tier: 'spine' }
  }
  const fewest = acrossPods(state, pods, k, req.replicas)
  const fewestShare = req.uplinks?.rateShare(fewest) ?? 1
  if (req.uplinks !== undefined && fewestShare < 1) {
    // the same, taking pods whose uplinks to the core carry the least first
    const uplinks = req.uplinks
    const byLoad = [...pods].sort(
      (a, b) => uplinks.podHeadroom(b.pod) - uplinks.podHeadroom(a.pod) || a.pod - b.pod,
    )
    const light = acrossPods(state, byLoad, k, req.replicas, false)
    const lightShare = uplinks.rateShare(light)
    if (lightShare > fewestShare) {
      return done(
        state,
        light,
        total,
        `spans pods: least-loaded core uplinks first for ${replicasOf(req.replicas, k)}${uplinkNote(lightShare)}`,
      )
    }
  }
  return done(
    state,
    fewest,
    total,
    `spans pods: fewest pods and blocks for ${replicasOf(req.replicas, k)}${uplinkNote(fewestShare)}`,
  )
}

/**
 * Pods a spanning gang weighs by its ring's share of the uplinks (the best fits first). Chosen,
 * not measured: enough to step around a loaded pod, few enough that scoring stays a small part of
 * a placement (rail-100k-1to7: 21,296 decisions/s with it, BENCHMARKS.md).
 */
const scoredCandidates = 4

/** A placement's note on its ring's share of the uplinks, when it is below the NICs' rate. */
function uplinkNote(share: number): string {
  return share < 1
    ? `; its ring gets ${Math.round(share * 100)}% of its NIC rate on the uplinks it shares`
    : ''
}

/**
 * Nodes for a gang over several pods: with `fit`, the best-fit pod for what remains when one
 * holds it, else the largest; without, pods in the order given. Fewest blocks inside each.
 */
function acrossPods(
  state: ClusterState,
  pods: readonly { pod: number; slots: number; blocks: Slots[] }[],
  k: number,
  replicas: number,
  fit = true,
): number[] {
  const nodes: number[] = []
  let need = replicas
  const remaining = [...pods]
  while (need > 0 && remaining.length > 0) {
    const options = remaining.map((p) => ({ block: p.pod, slots: p.slots }))
    const pick = fit
      ? (bestFit(options, need) ?? largest(options))
      : (options.find((o) => o.slots > 0) ?? largest(options))
    const at = remaining.findIndex((p) => p.pod === pick.block)
    const chosen = remaining.splice(at, 1)[0]
    const take = Math.min(need, pick.slots)
    nodes.push(...takeBlocks(state, chosen?.blocks ?? [], k, take))
    need -= take
  }
  return nodes
}

/**
 * A gang that fits on one node goes to a partly used node before it breaks a whole one, to the
 * fullest block that has such a node — so small jobs gather in few blocks and whole nodes stay
 * together elsewhere for multi-node gangs — and there to the node with the least room that suffices.
 */
function singleNode(
  state: ClusterState,
  candidates: readonly Slots[],
  req: GangRequest,
): PlacementResult | undefined {
  const k = req.perReplica
  const need = k * req.replicas
  let bestBlock = -1
  let best = { breaksWhole: true, whole: Number.POSITIVE_INFINITY, free: Number.POSITIVE_INFINITY }
  let bestJ = 0
  const wholeAt = state.width - 1
  for (const c of candidates) {
    const base = c.block * state.width
    let smallest = 0
    let free = 0
    for (let j = 1; j < state.width; j++) {
      const count = state.hist[base + j] ?? 0
      free += count * j
      if (smallest === 0 && j >= need && count > 0) {
        smallest = j
      }
    }
    if (smallest === 0) {
      continue
    }
    // Order: keep whole nodes whole; then the block with the fewest whole free nodes (they are
    // what multi-node gangs need); then the fullest block.
    const key = { breaksWhole: smallest === wholeAt, whole: state.hist[base + wholeAt] ?? 0, free }
    const better =
      key.breaksWhole !== best.breaksWhole
        ? !key.breaksWhole
        : key.whole !== best.whole
          ? key.whole < best.whole
          : key.free < best.free
    if (bestBlock < 0 || better) {
      bestBlock = c.block
      best = key
      bestJ = smallest
    }
  }
  const bestBlockFree = best.free
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
        `fullest block ${bestBlock} (${counted(bestBlockFree, 'free accelerator')}), best-fit node ${nodeName(state, n)}: ${counted(bestJ, 'free accelerator')}, ${need} asked`,
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

/**
 * The naive baseline: the first usable nodes in index order with room for a replica, until the
 * gang is placed. Ignores the fabric (and any required tier), as simple schedulers do.
 */
export function firstFitPlacement(state: ClusterState, req: GangRequest): PlacementResult {
  const k = req.perReplica
  const nodes: number[] = []
  let free = 0
  for (let n = 0; n < state.nodes.length && nodes.length < req.replicas; n++) {
    const node = state.nodes[n]
    if (node === undefined || node.family !== req.family || !req.archs.includes(node.arch)) {
      continue
    }
    if (req.blocks !== undefined && !req.blocks(state.fabric.nodeBlock[n] ?? -1)) {
      continue
    }
    const slots = state.nodeSlots(n, k)
    free += slots
    for (let s = 0; s < slots && nodes.length < req.replicas; s++) {
      nodes.push(n)
    }
  }
  if (nodes.length < req.replicas) {
    return { ok: false, freeReplicas: free, tier: 'core' }
  }
  return done(state, nodes, free, 'first fit in node order')
}
