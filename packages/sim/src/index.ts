export { failurePresets, llama3Mix, type FailureCategory, type FailureModel } from './failures.js'
export { quantile, summarize, type JobRecord, type SimResult } from './metrics.js'
export { createRng, type Rng, type Stream } from './rng.js'
export {
  simulate,
  type CheckpointSettings,
  type SimConfig,
  type SimJob,
  type Timeline,
} from './simulate.js'
export { jobsFromTrace, type TraceRow } from './workload.js'
export { llmMix, llmMixJobs, type LlmJobClass } from './llm-mix.js'
export {
  TwinBackend,
  memoryJournal,
  type TwinBackendOptions,
  type TwinJournal,
  type TwinRun,
} from './twin-backend.js'
