export { failurePresets, llama3Mix, type FailureCategory, type FailureModel } from './failures.js'
export { quantile, summarize, type JobRecord, type SimResult, type TierFigures } from './metrics.js'
export { createRng, type Rng, type Stream } from './rng.js'
export { type LeafEpisodes, type NetworkEvents, type SimJob } from './sim-job.js'
export type {
  CheckpointSettings,
  ScriptedNodeEvent,
  SimConfig,
  SimOutcome,
  Timeline,
} from './sim-config.js'
export { simulate } from './simulate.js'
export { traceNetworkShare } from './cluster-model.js'
export { jobResultColumns, jobResultRows, jobResultsCsv, type JobResultRow } from './job-results.js'
export { jobsFromTrace, type TraceRow } from './workload.js'
export { withGangs, type GangMixOptions } from './gang-mix.js'
export { llmMix, llmMixJobs, type LlmJobClass } from './llm-mix.js'
export {
  TwinBackend,
  memoryJournal,
  type TwinBackendOptions,
  type TwinJournal,
  type TwinRun,
} from './twin-backend.js'
export { ServiceFleet } from './service-fleet.js'
export {
  autoscalers,
  fleetDefaults,
  type Autoscaler,
  type FleetOptions,
  type RequestRow,
} from './fleet-options.js'
export { ReplicaServer, type ServedRequest } from './serving-replica.js'
export { serviceReport, type ServiceReport, type ServiceSample } from './service-report.js'
export { diurnalRequests, type DiurnalLoad } from './request-load.js'
export {
  fitEpisodes,
  networkFromFit,
  parseEpisodeHistory,
  type EpisodeFit,
  type EpisodeHistory,
  type HistoryEpisode,
  type LeafFit,
} from './episode-history.js'
