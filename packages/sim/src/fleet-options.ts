// What a fleet of services in the twin is told: its autoscaler and timings, and its requests.

/** How replicas are set: from observed load and the model's capacity, or held at `minReplicas`. */
export type Autoscaler = 'model' | 'fixed'
export const autoscalers: readonly Autoscaler[] = ['model', 'fixed']

export interface FleetOptions {
  readonly autoscaler: Autoscaler
  /** Seconds between autoscaler passes. */
  readonly intervalS: number
  /** Seconds from placement to serving: loading the weights (an estimate: 140 GB at ~2.5 GB/s). */
  readonly loadS: number
  /** Share of a replica's capacity within the SLO that the autoscaler plans to use. */
  readonly targetUtilization: number
  /** Seconds the load must stay below what one replica fewer carries before one is removed. */
  readonly downDelayS: number
}

export const fleetDefaults: FleetOptions = {
  autoscaler: 'model',
  intervalS: 30,
  loadS: 60,
  targetUtilization: 0.8,
  downDelayS: 300,
}

/** A request of a trace for one service: arrival (s, on the run's clock) and its tokens. */
export interface RequestRow {
  readonly arrivalS: number
  readonly inputTokens: number
  readonly outputTokens: number
}
