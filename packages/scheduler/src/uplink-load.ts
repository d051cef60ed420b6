import { blockUplinkGbps, nodeInjectionGbps, podUplinkGbps, type Fabric } from '@zhisuan/domain'

/** How many of a gang's ring hops leave one block (link < blocks) or one pod (blocks + pod). */
export interface RingLoad {
  readonly link: number
  readonly hops: number
}

/**
 * The uplinks a ring all-reduce over `nodes`, in their order, climbs: each hop from a node to
 * the next (the last back to the first) that leaves a block loads that block's uplink, and one
 * that leaves a pod that pod's uplink to the core. Every hop of a ring carries the same rate, so
 * a link's load is its hop count times the gang's rate. Repeated nodes count once.
 */
export function ringLoads(fabric: Fabric, nodes: readonly number[]): RingLoad[] {
  const ring = [...new Set(nodes)]
  if (ring.length < 2) {
    return []
  }
  const hops = new Map<number, number>()
  const blocks = fabric.blocks.length
  ring.forEach((from, i) => {
    const to = ring[(i + 1) % ring.length] ?? from
    const fromBlock = fabric.nodeBlock[from] ?? 0
    if (fromBlock !== (fabric.nodeBlock[to] ?? 0)) {
      hops.set(fromBlock, (hops.get(fromBlock) ?? 0) + 1)
      const fromPod = fabric.nodePod[from] ?? 0
      if (fabric.spec.tiers === 3 && fromPod !== (fabric.nodePod[to] ?? 0)) {
        hops.set(blocks + fromPod, (hops.get(blocks + fromPod) ?? 0) + 1)
      }
    }
  })
  return [...hops.entries()].sort((a, b) => a[0] - b[0]).map(([link, n]) => ({ link, hops: n }))
}

/** Uplink capacity of every block, then of every pod, Gb/s (the links `ringLoads` names). */
export function uplinkCapacities(fabric: Fabric): number[] {
  return [
    ...fabric.blocks.map((b) => blockUplinkGbps(fabric, b.index)),
    ...fabric.pods.map((p) => podUplinkGbps(fabric, p.index)),
  ]
}

/** The NIC rate of the slowest of these nodes, Gb/s (0 for none). */
export function gangNicGbps(fabric: Fabric, nodes: readonly number[]): number {
  let slowest = Number.POSITIVE_INFINITY
  for (const n of nodes) {
    const group = fabric.groups[fabric.nodeGroup[n] ?? 0]
    if (group !== undefined) {
      slowest = Math.min(slowest, nodeInjectionGbps(group.nic))
    }
  }
  return Number.isFinite(slowest) ? slowest : 0
}

/**
 * The ring hops running gangs put on each uplink, kept as gangs start, move and stop, so a
 * placement can be scored by what its ring would get: the scheduler's view of the fabric the
 * twin charges (`SharedUplinks` in the simulator). Hops count at their gang's full NIC rate.
 */
export class UplinkLoad {
  private readonly hops: Float64Array
  /** Each uplink's capacity in NIC rates of the nodes under it. */
  private readonly capacity: Float64Array
  /** Whether some uplink can carry fewer NIC rates than the nodes under it can send. */
  readonly blocking: boolean

  constructor(private readonly fabric: Fabric) {
    const gbps = uplinkCapacities(fabric)
    this.hops = new Float64Array(gbps.length)
    this.capacity = new Float64Array(gbps.length)
    const blocks = fabric.blocks.length
    let blocking = false
    gbps.forEach((c, link) => {
      const first =
        link < blocks ? fabric.blocks[link]?.firstNode : fabric.pods[link - blocks]?.firstNode
      const under =
        link < blocks
          ? (fabric.blocks[link]?.nodeCount ?? 0)
          : (fabric.pods[link - blocks]?.nodeCount ?? 0)
      const nic = gangNicGbps(fabric, first === undefined ? [] : [first])
      this.capacity[link] = nic > 0 ? c / nic : 0
      // a 2-tier fabric has no pod uplinks: nothing climbs them
      if (!(link >= blocks && fabric.spec.tiers === 2) && (this.capacity[link] ?? 0) < under) {
        blocking = true
      }
    })
    this.blocking = blocking
  }

  /** A gang's ring started (`sign` 1) or stopped (-1) on these nodes. */
  add(nodes: readonly number[], sign: 1 | -1): void {
    if (!this.blocking) {
      return // nothing will ask
    }
    for (const l of ringLoads(this.fabric, nodes)) {
      this.hops[l.link] = (this.hops[l.link] ?? 0) + sign * l.hops
    }
  }

  /** NIC rates a pod's uplink to the core has left for more ring hops (negative: over). */
  podHeadroom(pod: number): number {
    const link = this.fabric.blocks.length + pod
    return (this.capacity[link] ?? 0) - (this.hops[link] ?? 0)
  }

  /**
   * What a ring on these nodes would get now, as a share of its NIC rate (1: every uplink it
   * climbs has room for it): the least, over those uplinks, of the capacity over the hops there
   * with its own.
   */
  rateShare(nodes: readonly number[]): number {
    let share = 1
    for (const l of ringLoads(this.fabric, nodes)) {
      const room = (this.capacity[l.link] ?? 0) / ((this.hops[l.link] ?? 0) + l.hops)
      share = Math.min(share, room)
    }
    return share
  }
}
