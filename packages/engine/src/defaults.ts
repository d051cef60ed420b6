/**
 * One default for each lifecycle constant, used by the simulator, the twin and the server alike
 * (they were copies before).
 */
export const lifecycleDefaults = {
  /** A job is not preempted again within this many seconds of its last preemption. */
  preemptionWindowS: 600,
  /** Seconds between scheduling cycles when something changed (the simulator's cycle). */
  cycleS: 60,
} as const
