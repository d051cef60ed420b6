import type { Command } from 'commander'
import { fabricCapacity, scaleUpDomainSize, type Cluster } from '@zhisuan/domain'
import { loadClusterFile } from '../load.js'
import { formatGbps, table, type Io } from '../output.js'

interface DescribeOptions {
  json?: boolean
}

/** The facts `topology describe` prints, as one JSON-ready object. */
export function describeCluster(cluster: Cluster, buildMs: number) {
  const { fabric } = cluster
  const capacity = fabricCapacity(fabric)
  const pools = cluster.pools.map((pool) => ({
    name: pool.name,
    nodes: pool.nodeCount,
    accelerator: pool.accelerator.id,
    family: pool.accelerator.family,
    acceleratorsPerNode: pool.scaleUp.acceleratorsPerNode,
    accelerators: pool.nodeCount * pool.scaleUp.acceleratorsPerNode,
    scaleUp: {
      preset: pool.scaleUp.preset,
      topology: pool.scaleUp.topology,
      domainSize: scaleUpDomainSize(pool.scaleUp),
    },
    cpu: pool.cpu.id,
    cpuArch: pool.cpu.arch,
    nics: pool.nic,
    nodeGbps: pool.nic.count * pool.nic.gbps,
  }))
  const s = fabric.spec
  const tiers = [
    {
      tier: 'leaf',
      ...fabric.switches.leaf,
      oversubscription: s.oversubscription.leaf,
      uplinkGbps: capacity.leafUplinkGbps,
    },
    {
      tier: 'spine',
      ...fabric.switches.spine,
      oversubscription: s.tiers === 3 ? s.oversubscription.spine : null,
      uplinkGbps: capacity.spineUplinkGbps,
    },
    ...(s.tiers === 3
      ? [{ tier: 'core', ...fabric.switches.core, oversubscription: null, uplinkGbps: 0 }]
      : []),
  ]
  return {
    name: cluster.name,
    accelerators: fabric.acceleratorCount,
    nodes: fabric.nodeCount,
    blocks: fabric.blocks.length,
    pods: fabric.pods.length,
    fabric: {
      design: s.design,
      tiers: s.tiers,
      planes: s.planes,
      switchRadix: s.switchRadix,
      nodesPerBlock: s.nodesPerBlock,
      blocksPerPod: s.blocksPerPod ?? null,
    },
    pools,
    tiers,
    capacity: { ...capacity, bisectionTbps: capacity.bisectionGbps / 1000 },
    storage: cluster.storage,
    buildMs: Math.round(buildMs * 10) / 10,
    warnings: cluster.warnings,
  }
}

/** Prints a cluster's counts by pool and tier, oversubscription, bisection and build time. */
export async function runDescribe(io: Io, file: string, options: DescribeOptions): Promise<void> {
  const { cluster, buildMs } = await loadClusterFile(file)
  const d = describeCluster(cluster, buildMs)
  if (options.json === true) {
    io.out(JSON.stringify(d, null, 2))
    return
  }
  io.out(
    `${d.name}: ${d.accelerators.toLocaleString('en-US')} accelerators on ${d.nodes.toLocaleString('en-US')} nodes; ${d.fabric.design} fabric, ${d.fabric.tiers} tiers, ${d.fabric.planes} plane(s), radix ${d.fabric.switchRadix}`,
  )
  io.out(
    table(
      [
        'pool',
        'nodes',
        'accelerator',
        'per node',
        'accelerators',
        'scale-up domain',
        'host',
        'NICs',
      ],
      d.pools.map((p) => [
        p.name,
        p.nodes,
        p.accelerator,
        p.acceleratorsPerNode,
        p.accelerators,
        `${p.scaleUp.preset} (${p.scaleUp.domainSize})`,
        `${p.cpu} ${p.cpuArch}`,
        `${p.nics.count}×${p.nics.gbps}G = ${formatGbps(p.nodeGbps)}`,
      ]),
    ),
  )
  io.out(
    table(
      ['tier', 'switches', 'down ports', 'up ports', 'oversubscription', 'uplink capacity'],
      d.tiers.map((t) => [
        t.tier,
        t.switches,
        t.downPorts,
        t.upPorts,
        t.oversubscription === null ? '—' : `${t.oversubscription}:1`,
        t.uplinkGbps > 0 ? formatGbps(t.uplinkGbps) : '—',
      ]),
    ),
  )
  io.out(
    `blocks ${d.blocks}, pods ${d.pods}; injection ${formatGbps(d.capacity.injectionGbps)}, bisection ${formatGbps(d.capacity.bisectionGbps)}; built in ${d.buildMs} ms`,
  )
  for (const warning of d.warnings) {
    io.err(
      `warning: ${file}${warning.line === undefined ? '' : `:${warning.line}`}: ${warning.path}: ${warning.message}`,
    )
  }
}

/** Registers `zhisuan topology`. */
export function registerTopology(program: Command, io: Io): void {
  const topology = program.command('topology').description('inspect cluster fabrics')
  topology
    .command('describe')
    .description('validate a cluster file and describe its pools, switch tiers and bandwidth')
    .argument('<file>', 'cluster file (YAML or JSON)')
    .option('--json', 'print one JSON object (accelerators, pools, tiers, capacity, buildMs)')
    .action(async (file: string, options: DescribeOptions) => {
      await runDescribe(io, file, options)
    })
}
