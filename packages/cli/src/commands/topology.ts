import type { Command } from 'commander'
import { fabricCapacity, scaleUpDomainSize, type Cluster } from '@zhisuan/domain'
import { loadClusterFile } from '../load.js'
import { formatGbps, formatNumber, plural } from '../numbers.js'
import type { Io } from '../output.js'
import { columnTable, type Column } from '../table.js'

interface DescribeOptions {
  json?: boolean
  wide?: boolean
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

type Description = ReturnType<typeof describeCluster>

const poolColumns: readonly Column<Description['pools'][number]>[] = [
  { head: 'pool', cell: (p) => p.name },
  { head: 'nodes', cell: (p) => p.nodes },
  { head: 'accelerator', cell: (p) => p.accelerator },
  { head: 'per node', cell: (p) => p.acceleratorsPerNode, wide: true },
  { head: 'accelerators', cell: (p) => p.accelerators },
  { head: 'scale-up domain', cell: (p) => `${p.scaleUp.preset} (${p.scaleUp.domainSize})` },
  { head: 'host', cell: (p) => `${p.cpu} ${p.cpuArch}`, wide: true },
  {
    head: 'NICs per node',
    cell: (p) => `${p.nics.count}×${p.nics.gbps}G = ${formatGbps(p.nodeGbps)}`,
  },
]

const tierColumns: readonly Column<Description['tiers'][number]>[] = [
  { head: 'tier', cell: (t) => t.tier },
  { head: 'switches', cell: (t) => t.switches },
  { head: 'down ports', cell: (t) => t.downPorts },
  { head: 'up ports', cell: (t) => t.upPorts },
  {
    head: 'oversubscription',
    cell: (t) => (t.oversubscription === null ? '—' : `${t.oversubscription}:1`),
  },
  { head: 'uplink capacity', cell: (t) => (t.uplinkGbps > 0 ? formatGbps(t.uplinkGbps) : '—') },
]

/** Prints a cluster's counts by pool and tier, oversubscription, bisection and build time. */
export async function runDescribe(io: Io, file: string, options: DescribeOptions): Promise<void> {
  const { cluster, buildMs } = await loadClusterFile(file)
  const d = describeCluster(cluster, buildMs)
  if (options.json === true) {
    io.out(JSON.stringify(d, null, 2))
    return
  }
  const wide = options.wide === true
  io.out(
    [
      `${d.name}: ${plural(d.accelerators, 'accelerator')} on ${plural(d.nodes, 'node')}`,
      `fabric: ${d.fabric.design}, ${plural(d.fabric.tiers, 'tier')}, ${plural(d.fabric.planes, 'plane')}, switches of radix ${d.fabric.switchRadix}`,
    ].join('\n'),
  )
  io.out(columnTable(poolColumns, d.pools, wide))
  io.out(columnTable(tierColumns, d.tiers, wide))
  io.out(
    `${plural(d.blocks, 'block')}, ${plural(d.pods, 'pod')}; injection ${formatGbps(d.capacity.injectionGbps)}, bisection ${formatGbps(d.capacity.bisectionGbps)}; built in ${formatNumber(d.buildMs)} ms`,
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
    .option('--wide', 'every column: accelerators per node and host CPU of each pool')
    .option('--json', 'print one JSON object (accelerators, pools, tiers, capacity, buildMs)')
    .action(async (file: string, options: DescribeOptions) => {
      await runDescribe(io, file, options)
    })
}
