/** How an autoscaler sizes a service: the share of a replica's capacity it plans to use, and the hysteresis. */
export interface AutoscalerSettings {
  /** Share of a replica's capacity within the SLO the load may use (headroom for bursts). */
  readonly targetUtilization: number
  /** Seconds the load must want fewer replicas before one is removed. */
  readonly downDelayS: number
}

/** 80% of capacity (an estimate: headroom for Poisson bursts), 5 minutes before a replica goes. */
export const autoscalerDefaults: AutoscalerSettings = { targetUtilization: 0.8, downDelayS: 300 }

/**
 * Replicas a load wants: its rate over the target share of one replica's capacity (requests/s
 * within the SLO, from the serving model), at least one while requests wait, within [min, max].
 */
export function wantedReplicas(
  rateRps: number,
  capacityRps: number,
  bounds: { readonly min: number; readonly max: number },
  waiting = false,
  settings: AutoscalerSettings = autoscalerDefaults,
): number {
  const byLoad =
    capacityRps > 0 ? Math.ceil(rateRps / (settings.targetUtilization * capacityRps)) : bounds.max
  return Math.min(bounds.max, Math.max(bounds.min, byLoad, waiting ? 1 : 0))
}

/**
 * The next replica count, with hysteresis: up at once to what the load wants; down one at a
 * time, once the load has wanted fewer for `downDelayS` (the clock restarts after each removal).
 * Deterministic: the same inputs give the same answer.
 */
export function nextReplicas(
  current: number,
  wanted: number,
  lowSince: number | null,
  now: number,
  settings: AutoscalerSettings = autoscalerDefaults,
): { readonly replicas: number; readonly lowSince: number | null } {
  if (wanted >= current) {
    return { replicas: wanted, lowSince: null }
  }
  const since = lowSince ?? now
  if (now - since >= settings.downDelayS) {
    return { replicas: current - 1, lowSince: now }
  }
  return { replicas: current, lowSince: since }
}
