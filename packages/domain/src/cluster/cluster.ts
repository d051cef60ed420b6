import type { Accelerator, HostCpu } from '../catalog/schema.js'
import { resolveAccelerator, resolveHostCpu, type Catalog } from '../catalog/catalog.js'
import type { ValidationIssue } from '../errors.js'
import { checkFabricSpec, type FabricSpec, type NicSpec } from '../topology/fabric-spec.js'
import { buildFabric, type Fabric } from '../topology/fabric.js'
import { scaleUpDomain, type ScaleUpDomain } from '../topology/scale-up.js'
import { IssueCollector, parseSourceText, validateSchema } from '../validation.js'
import { ClusterFileSchema, type ClusterFile, type StorageTier } from './schema.js'

/** A node pool with its catalog entries resolved. */
export interface Pool {
  readonly name: string
  readonly nodeCount: number
  readonly accelerator: Accelerator
  readonly scaleUp: ScaleUpDomain
  readonly cpu: HostCpu
  readonly cpuSockets: number
  readonly memoryGB: number
  readonly nvmeTB: number
  readonly nic: NicSpec
  readonly spare: boolean
}

/** A Slurm node feature and the catalog accelerator it stands for (the file's `slurm.features`). */
export interface SlurmFeatureMapping {
  readonly feature: string
  readonly accelerator: Accelerator
}

/** A validated cluster: pools, the built fabric, storage tiers, and warnings worth showing. */
export interface Cluster {
  readonly name: string
  readonly description: string
  readonly pools: readonly Pool[]
  readonly fabric: Fabric
  readonly storage: readonly StorageTier[]
  /** How a Slurm cluster's nodes map to this one, when the file has a `slurm` section. */
  readonly slurm?: { readonly features: readonly SlurmFeatureMapping[] }
  readonly warnings: readonly ValidationIssue[]
}

/**
 * Parses, validates and builds a cluster file (YAML or JSON).
 * @throws ZhisuanError `invalid-config` naming the file, each bad field's path and line, and what
 * was expected; an unknown accelerator or CPU comes with the closest catalog names.
 */
export function parseClusterFile(source: string, text: string, catalog: Catalog): Cluster {
  const doc = parseSourceText(source, text)
  const file = validateSchema(ClusterFileSchema, doc, 'cluster file')
  const issues = new IssueCollector(doc)
  const warnings = new IssueCollector(doc)
  const pools = resolvePools(file, catalog, issues, warnings)
  const spec = fabricSpecOf(file)
  if (pools !== undefined) {
    for (const issue of checkFabricSpec(spec, pools.map(poolGroup))) {
      issues.add(issue.path[0] === 'pools' ? issue.path : ['fabric', ...issue.path], issue.message)
    }
  }
  const storageNames = new Set<string>()
  for (const [index, tier] of file.storage.entries()) {
    if (storageNames.has(tier.name)) {
      issues.add(['storage', index, 'name'], `duplicate storage tier name "${tier.name}"`)
    }
    storageNames.add(tier.name)
  }
  const slurm = resolveSlurmSection(file, catalog, issues)
  issues.throwIfAny('cluster file')
  const resolved = pools ?? []
  return {
    name: file.name,
    description: file.description ?? '',
    pools: resolved,
    fabric: buildFabric(spec, resolved.map(poolGroup)),
    storage: file.storage,
    ...(slurm === undefined ? {} : { slurm }),
    warnings: warnings.list(),
  }
}

/** `slurm.features`, each catalog id resolved; an unknown one is an issue with suggestions. */
function resolveSlurmSection(
  file: ClusterFile,
  catalog: Catalog,
  issues: IssueCollector,
): Cluster['slurm'] {
  if (file.slurm === undefined) {
    return undefined
  }
  const features: SlurmFeatureMapping[] = []
  for (const [feature, id] of Object.entries(file.slurm.features)) {
    if (!/^[A-Za-z0-9_.+-]+$/.test(feature)) {
      issues.add(
        ['slurm', 'features', feature],
        `"${feature}" is not a Slurm node feature (letters, digits and _ . + - only)`,
      )
      continue
    }
    const accelerator = resolveAccelerator(catalog, id)
    if (accelerator.ok) {
      features.push({ feature, accelerator: accelerator.value })
    } else {
      issues.add(
        ['slurm', 'features', feature],
        `${accelerator.reason}; did you mean ${accelerator.suggestions.join(', ')}?`,
      )
    }
  }
  return { features }
}

function poolGroup(pool: Pool): {
  name: string
  nodeCount: number
  scaleUp: ScaleUpDomain
  nic: NicSpec
} {
  return { name: pool.name, nodeCount: pool.nodeCount, scaleUp: pool.scaleUp, nic: pool.nic }
}

function fabricSpecOf(file: ClusterFile): FabricSpec {
  const f = file.fabric
  return {
    design: f.design,
    tiers: f.tiers,
    planes: f.planes ?? 1,
    switchRadix: f.switchRadix,
    nodesPerBlock: f.nodesPerBlock,
    ...(f.blocksPerPod === undefined ? {} : { blocksPerPod: f.blocksPerPod }),
    oversubscription: {
      leaf: f.oversubscription?.leaf ?? 1,
      spine: f.oversubscription?.spine ?? 1,
    },
    nic: f.nic,
  }
}

function resolvePools(
  file: ClusterFile,
  catalog: Catalog,
  issues: IssueCollector,
  warnings: IssueCollector,
): Pool[] | undefined {
  const pools: Pool[] = []
  const names = new Set<string>()
  const before = issues.count
  for (const [index, pool] of file.pools.entries()) {
    const at = (field: string): (string | number)[] => ['pools', index, field]
    if (names.has(pool.name)) {
      issues.add(at('name'), `duplicate pool name "${pool.name}"`)
    }
    names.add(pool.name)
    const accelerator = resolveAccelerator(catalog, pool.accelerator)
    if (!accelerator.ok) {
      issues.add(
        at('accelerator'),
        `${accelerator.reason}; did you mean ${accelerator.suggestions.join(', ')}?`,
      )
    }
    const cpu = resolveHostCpu(catalog, pool.cpu)
    if (!cpu.ok) {
      issues.add(at('cpu'), `${cpu.reason}; did you mean ${cpu.suggestions.join(', ')}?`)
    }
    if (pool.nodesPerDomain !== undefined && pool.count % pool.nodesPerDomain !== 0) {
      warnings.add(
        at('count'),
        `${pool.count} nodes do not fill whole scale-up domains of ${pool.nodesPerDomain}`,
      )
    }
    if (!accelerator.ok || !cpu.ok) {
      continue
    }
    if (!accelerator.value.hostCpuArchs.includes(cpu.value.arch)) {
      warnings.add(
        at('cpu'),
        `${accelerator.value.model} is not known to ship with ${cpu.value.arch} hosts (catalog: ${accelerator.value.hostCpuArchs.join(', ')})`,
      )
    }
    pools.push({
      name: pool.name,
      nodeCount: pool.count,
      accelerator: accelerator.value,
      scaleUp: scaleUpDomain(pool.scaleUp, {
        ...(pool.acceleratorsPerNode === undefined
          ? {}
          : { acceleratorsPerNode: pool.acceleratorsPerNode }),
        ...(pool.nodesPerDomain === undefined ? {} : { nodesPerDomain: pool.nodesPerDomain }),
      }),
      cpu: cpu.value,
      cpuSockets: pool.cpuSockets ?? 2,
      memoryGB: pool.memoryGB,
      nvmeTB: pool.nvmeTB,
      nic: pool.nics ?? file.fabric.nic,
      spare: pool.spare ?? false,
    })
  }
  return issues.count === before ? pools : undefined
}

/** Accelerators in the cluster. */
export function clusterAccelerators(cluster: Cluster): number {
  return cluster.fabric.acceleratorCount
}

/** Accelerators that take work: every pool's but the spares'. */
export function serviceAccelerators(cluster: Cluster): number {
  return cluster.pools.reduce(
    (sum, p) => sum + (p.spare ? 0 : p.nodeCount * p.scaleUp.acceleratorsPerNode),
    0,
  )
}
