import { setTimeout as sleep } from 'node:timers/promises'

/** How {@link withRetry} waits between attempts. */
export interface BackoffPolicy {
  /** First wait; doubles each attempt. */
  readonly baseMs: number
  /** Longest wait. */
  readonly maxMs: number
  /** Attempts in all (the first included); default: until `signal` aborts. */
  readonly attempts?: number
}

/** The wait before attempt `failures + 1`: exponential, capped, with jitter in its upper half. */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30))
  // Jitter spreads the agents of a whole job, all retrying after one outage, over time.
  return Math.round(full * (0.5 + Math.random() / 2))
}

/**
 * Runs `operation` until it succeeds, waiting longer after each failure. `retryable` decides
 * which errors are worth another try (default: all); `onRetry` hears of each wait.
 * @throws the last error once `attempts` are spent, a non-retryable error at once, and the
 * signal's reason when `signal` aborts (also during a wait).
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: BackoffPolicy,
  options: {
    readonly signal?: AbortSignal
    readonly retryable?: (error: unknown) => boolean
    readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await operation()
    } catch (error) {
      const spent = policy.attempts !== undefined && attempt >= policy.attempts
      if (spent || options.signal?.aborted === true || options.retryable?.(error) === false) {
        throw error
      }
      const delayMs = backoffDelay(policy, attempt)
      options.onRetry?.(error, attempt, delayMs)
      await sleep(
        delayMs,
        undefined,
        options.signal === undefined ? {} : { signal: options.signal },
      )
    }
  }
}
