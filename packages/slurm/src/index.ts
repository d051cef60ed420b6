export {
  slurmApiVersion,
  type Answer,
  type SlurmError,
  type SlurmJob,
  type SlurmJobProperties,
  type SlurmJobSubmission,
  type SlurmNode,
} from './api.js'
export {
  SlurmBackend,
  buildSubmission,
  commentPrefix,
  isLive,
  isRefusedSubmit,
  jobComment,
  jobName,
  jobOutcome,
  nodeHealth,
  parseJobComment,
  shellQuote,
  type SlurmBackendOptions,
  type SubmissionOptions,
} from './backend.js'
export { SlurmRestClient, SlurmRestError, type SlurmRestClientOptions } from './client.js'
export { compressHostlist, expandHostlist } from './hostlist.js'
export {
  Scontrol,
  execFileAsync,
  parseScontrolRecord,
  type ExecFn,
  type ScontrolOptions,
} from './scontrol.js'
export { readEnvFile, slurmBackendOptionsFromEnv } from './env.js'
export { gresCount, slurmInventory, type SlurmInventoryNode } from './inventory.js'
export { checkFabricPositions, checkInventory, type InventoryCheck } from './inventory-check.js'
export {
  parseSlurmTopology,
  slurmNodePositions,
  type SlurmNodePosition,
  type SlurmSwitch,
} from './topology.js'
