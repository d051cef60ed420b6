import { clusterNodes, type Cluster, type ClusterNode, type ValidationIssue } from '@zhisuan/domain'
import { hostlistOf, nodeIssue, type SlurmInventoryNode } from './inventory.js'
import { defaultDrainReasonPrefix } from './node-health.js'

/** What comparing Slurm's inventory with the cluster file found. */
export interface InventoryCheck {
  /** Disagreements Zhisuan cannot run with: the backend refuses to start. */
  readonly errors: readonly ValidationIssue[]
  /** Worth saying at start-up, harmless to run with. */
  readonly warnings: readonly ValidationIssue[]
}

/**
 * Compares the Slurm partition's nodes with the cluster file, node by node. Errors: a node of
 * the file missing from the partition, a GPU GRES count other than the pool's accelerators per
 * node, features that map to no accelerator (or to several, or to another model than the
 * pool's) through `slurm.features`, a fabric position other than Slurm's topology (see
 * `checkFabricPositions`). Warnings: a Slurm node the file lacks, a node drained in Slurm, no
 * `slurm` section (models unchecked), no Slurm topology (positions unchecked).
 */
export function checkInventory(
  cluster: Cluster,
  inventory: readonly SlurmInventoryNode[],
  options: {
    readonly partition: string
    readonly hasTopology: boolean
    /** Drains whose reason starts with this are Zhisuan's own: no warning (default `zhisuan: `). */
    readonly drainReasonPrefix?: string
  },
): InventoryCheck {
  const errors: ValidationIssue[] = []
  const warnings: ValidationIssue[] = []
  const ours = clusterNodes(cluster)
  const slurm = new Map(inventory.map((n) => [n.name, n]))
  const mapping = cluster.slurm?.features
  const mapped = (mapping ?? []).map((m) => `${m.feature} → ${m.accelerator.id}`).join(', ')
  if (mapping === undefined) {
    warnings.push({
      path: 'slurm.features',
      message:
        `the cluster file ${cluster.name} has no slurm section, so the accelerator models of ` +
        `the Slurm nodes are not checked (map node features to catalog ids in slurm.features)`,
    })
  }
  for (const node of ours) {
    const s = slurm.get(node.name)
    const pool = node.pool
    if (s === undefined) {
      errors.push(
        nodeIssue(
          node.name,
          'partition',
          `in the cluster file (pool ${pool.name}) but not in Slurm partition ${options.partition}`,
        ),
      )
      continue
    }
    const perNode = pool.scaleUp.acceleratorsPerNode
    if (s.accelerators !== perNode) {
      errors.push(
        nodeIssue(
          node.name,
          'gres',
          `Slurm gives it Gres=${s.gres === '' ? '(none)' : s.gres} (${s.accelerators} GPUs), ` +
            `the cluster file's pool ${pool.name} ${perNode} accelerators per node`,
        ),
      )
    }
    if (mapping !== undefined) {
      const model = s.accelerator
      const features = s.features.join(',')
      if (model === undefined) {
        errors.push(
          nodeIssue(
            node.name,
            'features',
            (s.features.length === 0
              ? 'it has no Slurm features'
              : `none of its Slurm features (${features}) is mapped`) +
              `; the cluster file's slurm.features maps ${mapped === '' ? 'nothing' : mapped}`,
          ),
        )
      } else if (model === 'ambiguous') {
        errors.push(
          nodeIssue(
            node.name,
            'features',
            `its Slurm features (${features}) map to different accelerators (${mapped})`,
          ),
        )
      } else if (model.id !== pool.accelerator.id) {
        errors.push(
          nodeIssue(
            node.name,
            'features',
            `its Slurm features (${features}) map to ${model.id}, but the cluster file's pool ` +
              `${pool.name} has ${pool.accelerator.id}`,
          ),
        )
      }
    }
    if (
      s.flags.includes('DRAIN') &&
      !s.reason.startsWith(options.drainReasonPrefix ?? defaultDrainReasonPrefix)
    ) {
      warnings.push(
        nodeIssue(
          node.name,
          'state',
          `drained in Slurm${s.reason === '' ? '' : ` (${s.reason})`}: jobs placed there wait ` +
            `in Slurm until it is resumed (drain it in Zhisuan too, or resume it in Slurm)`,
        ),
      )
    }
  }
  const known = new Set(ours.map((n) => n.name))
  for (const s of inventory) {
    if (!known.has(s.name)) {
      warnings.push(
        nodeIssue(
          s.name,
          'partition',
          `in Slurm partition ${options.partition} but not in the cluster file's fabric; ` +
            `Zhisuan places nothing there`,
        ),
      )
    }
  }
  if (options.hasTopology) {
    errors.push(
      ...checkFabricPositions(
        cluster,
        ours.filter((n) => slurm.has(n.name)),
        slurm,
      ),
    )
  } else {
    warnings.push({
      path: 'topology',
      message:
        'Slurm has no switch topology (TopologyPlugin=topology/tree and topology.conf), so the ' +
        "nodes' fabric positions are not checked against the cluster file",
    })
  }
  return { errors, warnings }
}

/**
 * The fabric check: the nodes of one leaf block of the cluster file hang under one Slurm leaf
 * switch, with no node of another block, and the leaves of one spine group (pod) under one
 * switch. Switch names do not matter, only the grouping. A node that disagrees is named with
 * both positions: its block and the block's nodes, its Slurm switch and that switch's nodes.
 */
function checkFabricPositions(
  cluster: Cluster,
  nodes: readonly ClusterNode[],
  slurm: ReadonlyMap<string, SlurmInventoryNode>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const blockNodes = groupBy(nodes, (n) => n.block)
  const describeBlock = (b: number): string =>
    `leaf block ${b} (${hostlistOf((blockNodes.get(b) ?? []).map((n) => n.name))})`
  const underLeaf = groupBy([...slurm.values()], (s) => s.position?.leaf ?? '')
  const describeLeaf = (leaf: string): string =>
    `switch ${leaf} (${hostlistOf((underLeaf.get(leaf) ?? []).map((s) => s.name))})`

  const placed = nodes.filter((n) => slurm.get(n.name)?.position !== undefined)
  for (const n of nodes.filter((x) => slurm.get(x.name)?.position === undefined)) {
    issues.push(
      nodeIssue(
        n.name,
        'topology',
        `the cluster file puts it in ${describeBlock(n.block)}, Slurm's topology under no switch`,
      ),
    )
  }
  const leafOf = (n: ClusterNode): string => slurm.get(n.name)?.position?.leaf ?? ''
  const wrongLeaf = disagreeing(placed, (n) => n.block, leafOf)
  for (const n of wrongLeaf) {
    issues.push(
      nodeIssue(
        n.name,
        'topology',
        `the cluster file puts it in ${describeBlock(n.block)}, Slurm under ` +
          describeLeaf(leafOf(n)),
      ),
    )
  }
  // one level up, leaf by leaf: the blocks of a pod under one Slurm switch
  const wrong = new Set(wrongLeaf)
  const leaves = [
    ...groupBy(
      placed.filter((n) => !wrong.has(n)),
      leafOf,
    ).values(),
  ]
    .map((group) => group[0])
    .filter((n): n is ClusterNode => n !== undefined)
  const spineOf = (n: ClusterNode): string => slurm.get(n.name)?.position?.spine ?? '(none)'
  const podBlocks = groupBy(leaves, (n) => n.pod)
  for (const n of disagreeing(leaves, (x) => x.pod, spineOf)) {
    const leaf = leafOf(n)
    const sameSpine = leaves.filter((x) => spineOf(x) === spineOf(n)).map(leafOf)
    issues.push(
      nodeIssue(
        hostlistOf((underLeaf.get(leaf) ?? []).map((s) => s.name)),
        'topology',
        `the cluster file puts their leaf block ${n.block} in spine group ${n.pod} with blocks ` +
          `${(podBlocks.get(n.pod) ?? []).map((x) => x.block).join(', ')}; Slurm puts their ` +
          `switch ${leaf} under ${spineOf(n)} with ${sameSpine.join(', ')}` +
          (cluster.fabric.spec.tiers === 2 ? ' (a 2-tier fabric has one spine group)' : ''),
      ),
    )
  }
  return issues
}

/**
 * Items whose two groupings disagree. Each group of `ours` belongs to the `theirs` group most of
 * its items are in, and the other way round; an item off either match disagrees.
 */
function disagreeing<T>(
  items: readonly T[],
  ours: (item: T) => number,
  theirs: (item: T) => string,
): T[] {
  const theirsOf = majority(items, ours, theirs)
  const oursOf = majority(items, theirs, ours)
  return items.filter(
    (i) => theirsOf.get(ours(i)) !== theirs(i) || oursOf.get(theirs(i)) !== ours(i),
  )
}

/** For each key, the value most of its items have (the first seen on a tie). */
function majority<T, K, V>(items: readonly T[], key: (i: T) => K, value: (i: T) => V): Map<K, V> {
  const counts = new Map<K, Map<V, number>>()
  for (const i of items) {
    const c = counts.get(key(i)) ?? new Map<V, number>()
    c.set(value(i), (c.get(value(i)) ?? 0) + 1)
    counts.set(key(i), c)
  }
  const out = new Map<K, V>()
  for (const [k, c] of counts) {
    let best: [V, number] | undefined
    for (const [v, n] of c) {
      if (best === undefined || n > best[1]) {
        best = [v, n]
      }
    }
    if (best !== undefined) {
      out.set(k, best[0])
    }
  }
  return out
}

function groupBy<T, K>(items: readonly T[], key: (i: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>()
  for (const i of items) {
    out.set(key(i), [...(out.get(key(i)) ?? []), i])
  }
  return out
}
