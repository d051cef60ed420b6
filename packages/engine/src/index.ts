export {
  keptWork,
  wallSecondsFor,
  type AttemptClock,
  type CheckpointPlan,
} from './checkpoint-work.js'
export { CycleTimer } from './cycle-timer.js'
export { lifecycleDefaults } from './defaults.js'
export { deeperTier, type JobAccount, type JobAccountState } from './job-account.js'
export {
  Engine,
  type CycleOutcome,
  type EngineEffect,
  type EngineJob,
  type EngineOptions,
  type InterruptCause,
} from './lifecycle.js'
