import {
  clusterNodes,
  ZhisuanError,
  type Cluster,
  type CpuArch,
  type Fabric,
} from '@zhisuan/domain'
import type { NodeHealth } from './types.js'

/** A node as the scheduler sees it. */
export interface SchedNode {
  readonly index: number
  readonly name: string
  readonly pool: string
  readonly family: string
  readonly acceleratorId: string
  readonly accelerators: number
  readonly arch: CpuArch
  readonly memoryGBPerAccelerator: number
  health: NodeHealth
  spare: boolean
}

/**
 * Who holds which accelerator, and, per block, how many usable nodes have each count of free
 * accelerators (a histogram), so that "how many replicas of k fit in this block" is a few
 * additions. Mutable for speed; `clone` gives a scratch copy for what-if questions.
 */
export class ClusterState {
  readonly fabric: Fabric
  readonly nodes: SchedNode[]
  /** Free accelerators per node (whatever its health). */
  readonly free: Int32Array
  /** Owner slot per accelerator; -1 when free. */
  readonly owner: Int32Array
  /** Per block, counts of usable nodes by free accelerators: `hist[b * width + j]`. */
  readonly hist: Int32Array
  readonly width: number
  /** Nodes hidden from placement in a scratch copy (reserved for another job). */
  readonly hidden: Uint8Array
  readonly blockFamily: readonly string[]
  readonly blockArch: readonly CpuArch[]

  private constructor(source: {
    fabric: Fabric
    nodes: SchedNode[]
    free: Int32Array
    owner: Int32Array
    hist: Int32Array
    width: number
    hidden: Uint8Array
    blockFamily: readonly string[]
    blockArch: readonly CpuArch[]
  }) {
    this.fabric = source.fabric
    this.nodes = source.nodes
    this.free = source.free
    this.owner = source.owner
    this.hist = source.hist
    this.width = source.width
    this.hidden = source.hidden
    this.blockFamily = source.blockFamily
    this.blockArch = source.blockArch
  }

  /** All accelerators free, every node healthy; nodes of `spare` pools are spares. */
  static fromCluster(cluster: Cluster): ClusterState {
    const fabric = cluster.fabric
    // Names and positions from domain, which the Slurm start-up check uses too: one rule.
    const nodes: SchedNode[] = clusterNodes(cluster).map(({ index, name, pool }) => ({
      index,
      name,
      pool: pool.name,
      family: pool.accelerator.family,
      acceleratorId: pool.accelerator.id,
      accelerators: pool.scaleUp.acceleratorsPerNode,
      arch: pool.cpu.arch,
      memoryGBPerAccelerator: pool.accelerator.memory.gb.value,
      health: 'healthy',
      spare: pool.spare,
    }))
    const width = Math.max(...nodes.map((n) => n.accelerators)) + 1
    const free = Int32Array.from(nodes.map((n) => n.accelerators))
    const owner = new Int32Array(fabric.acceleratorCount).fill(-1)
    const blockFamily = fabric.blocks.map((b) => cluster.pools[b.group]?.accelerator.family ?? '')
    const blockArch = fabric.blocks.map((b) => cluster.pools[b.group]?.cpu.arch ?? 'x86_64')
    const state = new ClusterState({
      fabric,
      nodes,
      free,
      owner,
      hist: new Int32Array(fabric.blocks.length * width),
      width,
      hidden: new Uint8Array(nodes.length),
      blockFamily,
      blockArch,
    })
    for (const node of nodes) {
      state.count(node.index, 1)
    }
    return state
  }

  /**
   * A scratch copy for what-if placement: it shares the node records and the owner table
   * (read-only there: use `releaseCounts`, never `allocate` or `release`, on a scratch copy).
   */
  scratch(): ClusterState {
    return new ClusterState({
      fabric: this.fabric,
      nodes: this.nodes,
      free: this.free.slice(),
      owner: this.owner,
      hist: this.hist.slice(),
      width: this.width,
      hidden: this.hidden.slice(),
      blockFamily: this.blockFamily,
      blockArch: this.blockArch,
    })
  }

  /** Whether a node takes new work: healthy, not a spare, not hidden. */
  usable(node: number): boolean {
    const n = this.nodes[node]
    return n !== undefined && n.health === 'healthy' && !n.spare && this.hidden[node] === 0
  }

  private count(node: number, delta: 1 | -1): void {
    if (!this.usable(node)) {
      return
    }
    const block = this.fabric.nodeBlock[node] ?? 0
    const at = block * this.width + (this.free[node] ?? 0)
    this.hist[at] = (this.hist[at] ?? 0) + delta
  }

  /** Replicas of `k` accelerators that fit on one node. */
  nodeSlots(node: number, k: number): number {
    return this.usable(node) ? Math.floor((this.free[node] ?? 0) / k) : 0
  }

  /** Replicas of `k` accelerators that fit in a block, one replica never spanning nodes. */
  blockSlots(block: number, k: number): number {
    let slots = 0
    const base = block * this.width
    for (let j = k; j < this.width; j++) {
      slots += (this.hist[base + j] ?? 0) * Math.floor(j / k)
    }
    return slots
  }

  /** The most replicas of `k` one usable node of the block can take. */
  blockBestNodeSlots(block: number, k: number): number {
    const base = block * this.width
    for (let j = this.width - 1; j >= k; j--) {
      if ((this.hist[base + j] ?? 0) > 0) {
        return Math.floor(j / k)
      }
    }
    return 0
  }

  /**
   * Takes `count` free accelerators of a node (lowest indices first) for `slot`.
   * @throws ZhisuanError `conflict` when the node has fewer free accelerators.
   */
  allocate(node: number, count: number, slot: number): number[] {
    if ((this.free[node] ?? 0) < count) {
      throw new ZhisuanError(
        'conflict',
        `node ${this.nodes[node]?.name ?? node} has ${this.free[node]} free accelerators, ${count} asked`,
      )
    }
    this.count(node, -1)
    const taken: number[] = []
    const first = this.fabric.nodeFirstAccelerator[node] ?? 0
    const last = this.fabric.nodeFirstAccelerator[node + 1] ?? first
    for (let a = first; a < last && taken.length < count; a++) {
      if (this.owner[a] === -1) {
        this.owner[a] = slot
        taken.push(a)
      }
    }
    this.free[node] = (this.free[node] ?? 0) - count
    this.count(node, 1)
    return taken
  }

  /** Frees accelerators (of one job). */
  release(accelerators: readonly number[]): void {
    for (const a of accelerators) {
      const node = this.fabric.acceleratorNode[a] ?? 0
      if (this.owner[a] === -1) {
        continue
      }
      this.count(node, -1)
      this.owner[a] = -1
      this.free[node] = (this.free[node] ?? 0) + 1
      this.count(node, 1)
    }
  }

  /** On a scratch copy: counts accelerators as free without touching the shared owner table. */
  releaseCounts(accelerators: readonly number[]): void {
    for (const a of accelerators) {
      const node = this.fabric.acceleratorNode[a] ?? 0
      this.count(node, -1)
      this.free[node] = (this.free[node] ?? 0) + 1
      this.count(node, 1)
    }
  }

  /** Shows a node hidden by `hide` again. */
  unhide(node: number): void {
    if (this.hidden[node] === 1) {
      this.hidden[node] = 0
      this.count(node, 1)
    }
  }

  /** Changes a node's health or spare flag, keeping the histograms right. */
  setNode(node: number, change: { health?: NodeHealth; spare?: boolean }): void {
    const n = this.nodes[node]
    if (n === undefined) {
      throw new ZhisuanError('not-found', `no node ${node}`)
    }
    this.count(node, -1)
    if (change.health !== undefined) {
      n.health = change.health
    }
    if (change.spare !== undefined) {
      n.spare = change.spare
    }
    this.count(node, 1)
  }

  /** Hides a node from placement (a reservation holds it). */
  hide(node: number): void {
    if (this.hidden[node] === 0) {
      this.count(node, -1)
      this.hidden[node] = 1
    }
  }
}
