export {
  keptWork,
  wallSecondsFor,
  type AttemptClock,
  type CheckpointPlan,
} from './checkpoint-work.js'
export { CycleTimer } from './cycle-timer.js'
export { lifecycleDefaults } from './defaults.js'
export { deeperTier, type JobAccount, type JobAccountState } from './job-account.js'
export type {
  CycleOutcome,
  EngineEffect,
  EngineJob,
  EngineOptions,
  InterruptCause,
} from './engine-types.js'
export { Engine } from './lifecycle.js'
export { placeableNow } from './placeable-now.js'
export {
  autoscalerDefaults,
  nextReplicas,
  wantedReplicas,
  type AutoscalerSettings,
} from './autoscaler.js'
