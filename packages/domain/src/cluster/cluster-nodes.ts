import type { Cluster, Pool } from './cluster.js'

/** A node the cluster file defines, with its pool and fabric position. */
export interface ClusterNode {
  /** Position in the fabric's node numbering. */
  readonly index: number
  readonly name: string
  readonly pool: Pool
  /** The leaf block (one leaf switch, or one group of rail leaves) the node hangs under. */
  readonly block: number
  /** The spine group (pod) of that block; 0 for every node of a 2-tier fabric. */
  readonly pod: number
}

/**
 * The name of node `i` (0-based) of a pool: `<pool>-NNN`, numbered from 1 and zero-padded to
 * at least 3 digits (more for a pool of 1,000 nodes or more).
 * @example poolNodeName({ name: 'gpu', nodeCount: 8 }, 0) // 'gpu-001'
 */
export function poolNodeName(pool: Pick<Pool, 'name' | 'nodeCount'>, i: number): string {
  const digits = Math.max(3, String(pool.nodeCount).length)
  return `${pool.name}-${String(i + 1).padStart(digits, '0')}`
}

/** Every node of the cluster, in fabric order, named as the scheduler names them. */
export function clusterNodes(cluster: Cluster): readonly ClusterNode[] {
  const { fabric } = cluster
  const nodes: ClusterNode[] = []
  for (const [p, pool] of cluster.pools.entries()) {
    const first = fabric.groups[p]?.firstNode ?? 0
    for (let i = 0; i < pool.nodeCount; i++) {
      const index = first + i
      nodes.push({
        index,
        name: poolNodeName(pool, i),
        pool,
        block: fabric.nodeBlock[index] ?? 0,
        pod: fabric.nodePod[index] ?? 0,
      })
    }
  }
  return nodes
}
