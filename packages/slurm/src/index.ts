export {
  slurmApiVersion,
  type Answer,
  type SlurmError,
  type SlurmJob,
  type SlurmJobProperties,
  type SlurmJobSubmission,
  type SlurmNode,
} from './api.js'
export { SlurmBackend, type SlurmBackendOptions } from './backend.js'
export {
  commentPrefix,
  isLive,
  isRefusedSubmit,
  jobComment,
  jobOutcome,
  parseJobComment,
} from './slurm-jobs.js'
export { nodeHealth } from './node-health.js'
export { buildSubmission, jobName, shellQuote, type SubmissionOptions } from './submission.js'
export { SlurmRestClient, SlurmRestError, type SlurmRestClientOptions } from './client.js'
export { compressHostlist, expandHostlist } from './hostlist.js'
export { parseJobComp, type JobCompRecord } from './jobcomp.js'
export {
  Scontrol,
  execFileAsync,
  parseScontrolRecord,
  type ExecFn,
  type ScontrolOptions,
} from './scontrol.js'
export { readEnvFile, slurmBackendOptionsFromEnv } from './env.js'
export { gresCount, slurmInventory, type SlurmInventoryNode } from './inventory.js'
export { checkInventory, type InventoryCheck } from './inventory-check.js'
export {
  parseSlurmTopology,
  slurmNodePositions,
  type SlurmNodePosition,
  type SlurmSwitch,
} from './topology.js'
export {
  parseSacct,
  sacctColumns,
  sacctCommand,
  slurmDurationS,
  tresGpus,
  type SacctRecord,
} from './sacct.js'
