export { calibration } from './calibration.js'
export {
  allReduceSeconds,
  groupOf,
  p2pSeconds,
  reduceScatterSeconds,
  type Group,
} from './collectives.js'
export {
  embeddingParams,
  hardwareFlopsPerToken,
  kvWidth,
  layerMatmulParams,
  modelFlopsPerToken,
  activeParameterCount,
  parameterCount,
  type Recompute,
} from './flops.js'
export { chipOf, matmulEfficiency, matmulSeconds, memorySeconds, type Chip } from './hardware.js'
export {
  elementwiseBytesPerToken,
  layerCost,
  logitForwardSeconds,
  type LayerCost,
} from './layer-cost.js'
export { activationBytesPerLayer, memoryUse, usableMemoryGB, type MemoryUse } from './memory.js'
export {
  chunkKinds,
  chunkLayers,
  heldLayerMicroBatches,
  paramsPerGpu,
  stageKinds,
  type KindCounts,
} from './pipeline-layout.js'
export {
  checkModelShape,
  gptShape,
  modelPreset,
  modelPresets,
  parseModelShape,
  ModelShapeSchema,
  type ModelShape,
} from './model-shape.js'
export {
  checkJobNetwork,
  groupTier,
  networkGBsPerGpu,
  type JobNetwork,
  type Placement,
} from './network.js'
export { lossModelDefaults, rdmaGoodput, type Retransmission } from './packet-loss.js'
export {
  deepseekV3Stack,
  megatron2021Stack,
  microBatches,
  llama3Stack,
  modernStack,
  parallelSize,
  type Parallelism,
  type Software,
  type ZeroStage,
} from './parallelism.js'
export {
  configurationProblem,
  defaultBatchTokens,
  evaluate,
  searchParallelism,
  type Candidate,
  type SearchSpace,
} from './search.js'
export { stepTime, type StepBreakdown } from './step-time.js'
export { domainsPerToken, expertExchangeSeconds } from './expert-exchange.js'
export { routingImbalance } from './layer-cost.js'
export { llama3Network, seleneNetwork, singleLayerSeconds } from './reference-systems.js'
export {
  checkpointBytesPerParam,
  dalyInterval,
  expectedEttr,
  jobMtbfHours,
  planCheckpoints,
  youngInterval,
  type CheckpointPlan,
  type CheckpointTier,
} from './reliability.js'
export {
  checkpointTiers,
  clusterJobNetwork,
  defaultJobNetwork,
  parseNics,
  poolFor,
  type NetworkOptions,
  type NicOption,
} from './job-network.js'
export { planTraining, type PlanInput, type PlanResult } from './plan.js'
export {
  referenceThroughput,
  scuReferenceId,
  scuReferenceWorkloads,
  standardComputeUnits,
  workloadClasses,
  type WorkloadClass,
} from './scu.js'
export {
  expertsTouched,
  formatProblem,
  numberFormats,
  replicaOf,
  servingDefaults,
  servingPrecisions,
  stepSeconds,
  type NumberFormat,
  type Replica,
  type ServingPrecision,
  type StepCost,
  type StepLoad,
} from './serving-cost.js'
export {
  azureConversationWorkload,
  defaultEngineLimits,
  fixedLength,
  lengthStats,
  maxDecodeSeqs,
  maxRate,
  poissonQuantile,
  replicaLoad,
  saturatedThroughput,
  sloMiss,
  type EngineLimits,
  type LengthStats,
  type Overload,
  type Quantiles,
  type ReplicaLoad,
  type ServingSlo,
  type ServingWorkload,
} from './serving-load.js'
export { planServing, type ServeInput, type ServeOption, type ServePlan } from './serving-plan.js'
export { planServiceOn, servicePool, type ServicePlan } from './serving-service.js'
