import {
  ZhisuanError,
  type Accelerator,
  type Cluster,
  type Pool,
  type StorageTier,
} from '@zhisuan/domain'
import type { JobNetwork, Placement } from './network.js'
import type { Retransmission } from './packet-loss.js'
import type { CheckpointTier } from './reliability.js'

/** NICs per node as `--nics 8x400` gives them: count × Gb/s. */
export interface NicOption {
  readonly count: number
  readonly gbps: number
}

/**
 * Parses `AxB` (A NICs of B Gb/s per node).
 * @throws ZhisuanError `invalid-input` naming the flag and the expected form.
 */
export function parseNics(text: string, flag = '--nics'): NicOption {
  const match = /^(\d+)\s*[x×]\s*(\d+(?:\.\d+)?)$/i.exec(text.trim())
  const count = Number(match?.[1])
  const gbps = Number(match?.[2])
  if (match === null || !(count > 0) || !(gbps > 0)) {
    throw new ZhisuanError(
      'invalid-input',
      `${flag}: expected COUNTxGBPS such as 8x400, got "${text}"`,
    )
  }
  return { count, gbps }
}

/** Loss and placement settings that do not come from a cluster file. */
export interface NetworkOptions {
  readonly lossRate: number
  readonly retransmission: Retransmission
  readonly placement: Placement
}

/** PCIe ×16 rate per direction by generation, GB/s (PCI-SIG: 16 GT/s Gen4 ≈ 32 GB/s, doubling per generation). */
export function pcieGBs(generation: number): number {
  return 32 * 2 ** (generation - 4)
}

/**
 * The network of a standard node for a chip when no cluster file is given: 8 accelerators per
 * node; the scale-up domain is the chip's when it holds whole nodes (8, an NVL72 rack), else the
 * node joined by PCIe (PCIe cards, NVLink-bridged pairs, 4-chip HCCS groups: a TP group of 8
 * must cross PCIe). NICs as given; a non-blocking rail-optimized fabric of 64-node blocks and
 * 512-node pods (the shape of examples/clusters/rail-100k.yaml).
 */
export function defaultJobNetwork(
  accelerator: Accelerator,
  nics: NicOption,
  options: NetworkOptions,
): JobNetwork {
  const domain = accelerator.scaleUp.domainSize.value
  const gpusPerNode = 8
  const wholeNodes = domain >= gpusPerNode && domain % gpusPerNode === 0
  return {
    gpusPerNode,
    domainGpus: wholeNodes ? domain : gpusPerNode,
    scaleUpGBs: wholeNodes
      ? accelerator.scaleUp.gbpsPerDirection.value
      : pcieGBs(accelerator.pcieGen.value),
    scaleUpBusEfficiency: accelerator.software.scaleUpBusEfficiency.value,
    nicEfficiency: accelerator.software.nicEfficiency.value,
    nicGBsPerGpu: (nics.count * nics.gbps) / 8 / gpusPerNode,
    nodesPerBlock: 64,
    nodesPerPod: 512,
    oversubscription: { leaf: 1, spine: 1 },
    ...options,
  }
}

/**
 * The network a job sees on one pool of a cluster file: its nodes, scale-up domain, NICs and the
 * fabric's block and pod sizes and oversubscription.
 */
export function clusterJobNetwork(
  cluster: Cluster,
  pool: Pool,
  options: NetworkOptions,
): JobNetwork {
  const spec = cluster.fabric.spec
  const perNode = pool.scaleUp.acceleratorsPerNode
  // A pool declared `pcie` joins its accelerators over PCIe, whatever link the chip has.
  const scaleUpGBs =
    pool.scaleUp.topology === 'pcie'
      ? pcieGBs(pool.accelerator.pcieGen.value)
      : pool.accelerator.scaleUp.gbpsPerDirection.value
  return {
    gpusPerNode: perNode,
    domainGpus: perNode * pool.scaleUp.nodesPerDomain,
    scaleUpGBs,
    scaleUpBusEfficiency: pool.accelerator.software.scaleUpBusEfficiency.value,
    nicEfficiency: pool.accelerator.software.nicEfficiency.value,
    nicGBsPerGpu: (pool.nic.count * pool.nic.gbps) / 8 / perNode,
    nodesPerBlock: spec.nodesPerBlock,
    nodesPerPod:
      spec.tiers === 3 ? spec.nodesPerBlock * (spec.blocksPerPod ?? 1) : Number.POSITIVE_INFINITY,
    oversubscription: spec.oversubscription,
    ...options,
  }
}

/** The pool of a cluster that has this accelerator, or the first pool when none is named. */
export function poolFor(cluster: Cluster, acceleratorId: string | undefined): Pool {
  const pool =
    acceleratorId === undefined
      ? cluster.pools[0]
      : cluster.pools.find((p) => p.accelerator.id === acceleratorId)
  if (pool === undefined) {
    const have = cluster.pools.map((p) => `${p.name} (${p.accelerator.id})`).join(', ')
    throw new ZhisuanError(
      'invalid-input',
      `cluster ${cluster.name} has no pool of ${acceleratorId ?? 'any accelerator'}; pools: ${have}`,
    )
  }
  return pool
}

/**
 * Storage tiers for checkpoints, fastest first. From a cluster file, its tiers scaled to the
 * job's share of the nodes (node-local tiers) or whole (shared tiers); without one, estimates:
 * host memory at the H200's measured 55 GB/s pinned device-to-host copy per accelerator,
 * local NVMe at 6 GB/s per node (estimate: ~4 drives), and a shared file system at 100 GB/s
 * aggregate (estimate; Selene's wrote 273 GB/s, paper-tables.md §1.4).
 */
export function checkpointTiers(
  accelerators: number,
  gpusPerNode: number,
  cluster?: { readonly storage: readonly StorageTier[]; readonly nodes: number },
): CheckpointTier[] {
  const nodes = Math.ceil(accelerators / gpusPerNode)
  if (cluster !== undefined && cluster.storage.length > 0) {
    const order = ['host-memory', 'local-nvme', 'shared-fs', 'object-store']
    return [...cluster.storage]
      .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
      .map((tier) => {
        const share =
          tier.kind === 'host-memory' || tier.kind === 'local-nvme'
            ? Math.min(1, nodes / cluster.nodes)
            : 1
        return {
          name: tier.name,
          kind: tier.kind,
          writeGBs: tier.writeGBs * share,
          readGBs: tier.readGBs * share,
        }
      })
  }
  return [
    {
      name: 'host-memory',
      kind: 'host-memory',
      writeGBs: 55.3 * accelerators,
      readGBs: 55.3 * accelerators,
    },
    { name: 'local-nvme', kind: 'local-nvme', writeGBs: 6 * nodes, readGBs: 12 * nodes },
    { name: 'shared-fs', kind: 'shared-fs', writeGBs: 100, readGBs: 200 },
  ]
}
