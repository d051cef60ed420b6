export { ClusterState, type SchedNode } from './cluster-state.js'
export { canEverRun, clusterLimits, type ClusterLimits, type Feasibility } from './feasibility.js'
export { avoidDegraded, degradedLeafNote, type DegradedLeaf } from './degraded-leaves.js'
export { findPlacement, type GangRequest, type PlacementResult } from './placement.js'
export { chooseVictims, type VictimChoice } from './preemption.js'
export { QuotaLedger, type Admission } from './quota.js'
export { familiesOf, familyRequests, type FamilyInfo, type FamilyRequest } from './requests.js'
export { findReservation, type Reservation } from './reservation.js'
export { expectedEnd, lostWork, type RunningJob } from './running.js'
export { Scheduler, type CycleResult } from './scheduler.js'
export {
  UplinkLoad,
  gangNicGbps,
  ringLoads,
  uplinkCapacities,
  type RingLoad,
} from './uplink-load.js'
export { checkJobSpec } from './validate.js'
export type {
  ChipRequirement,
  Decision,
  JobSpec,
  NodeHealth,
  PendingReason,
  PlacementScore,
  Quota,
  SchedulerConfig,
  Tenant,
  TopologyPreference,
  TopologyTier,
} from './types.js'
