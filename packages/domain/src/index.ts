export {
  ZhisuanError,
  assertNever,
  formatIssues,
  type ErrorCode,
  type ValidationIssue,
} from './errors.js'
export { closestNames, editDistance, nearestName } from './suggest.js'
export {
  parseSourceText,
  pointerSegments,
  pointerToPath,
  validateSchema,
  type SourceDocument,
} from './validation.js'
export {
  acceleratorById,
  normalizeName,
  parseCatalog,
  resolveAccelerator,
  resolveHostCpu,
  type Catalog,
  type Resolution,
} from './catalog/catalog.js'
export { defaultCatalog } from './catalog/default-catalog.js'
export type {
  Accelerator,
  Confidence,
  CpuArch,
  HostCpu,
  SoftwareStack,
  SourcedNumber,
} from './catalog/schema.js'
export {
  scaleUpDomain,
  scaleUpDomainSize,
  scaleUpPresets,
  type ScaleUpDomain,
  type ScaleUpPreset,
  type ScaleUpTopology,
} from './topology/scale-up.js'
export {
  checkFabricSpec,
  leafPorts,
  spinePorts,
  tierRank,
  tiers,
  type FabricDesign,
  type FabricIssue,
  type FabricSpec,
  type NicSpec,
  type NodeGroupSpec,
  type Tier,
} from './topology/fabric-spec.js'
export {
  buildFabric,
  nodeInjectionGbps,
  type Block,
  type Fabric,
  type FabricGroup,
  type Pod,
  type SwitchTier,
} from './topology/fabric.js'
export {
  acceleratorRail,
  lowestCommonTier,
  nodeTier,
  nodesUnder,
  pathBetween,
  spanOf,
  withinTier,
  type NodeRange,
  type Path,
  type Span,
  type SwitchRef,
} from './topology/fabric-queries.js'
export {
  blockUplinkGbps,
  fabricCapacity,
  podUplinkGbps,
  type FabricCapacity,
} from './topology/fabric-capacity.js'
export {
  clusterAccelerators,
  serviceAccelerators,
  parseClusterFile,
  type Cluster,
  type Pool,
  type SlurmFeatureMapping,
} from './cluster/cluster.js'
export { clusterNodes, poolNodeName, type ClusterNode } from './cluster/cluster-nodes.js'
export type { StorageTier } from './cluster/schema.js'
export type {
  BackendEvent,
  BackendNode,
  BackendRun,
  ExecutionBackend,
  PlacedJob,
} from './control/backend.js'
export {
  ServiceSpecSchema,
  checkServices,
  defaultServicePriority,
  parseServicesFile,
  replicaBoundsProblem,
  type ServiceSpec,
} from './control/service.js'
