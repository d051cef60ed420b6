export { failurePresets, llama3Mix, type FailureCategory, type FailureModel } from './failures.js'
export { quantile, summarize, type JobRecord, type SimResult } from './metrics.js'
export { createRng, type Rng, type Stream } from './rng.js'
export { type NetworkEvents, type SimJob } from './sim-job.js'
export {
  simulate,
  type CheckpointSettings,
  type ScriptedNodeEvent,
  type SimConfig,
  type SimOutcome,
  type Timeline,
} from './simulate.js'
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
