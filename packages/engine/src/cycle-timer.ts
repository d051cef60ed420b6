/**
 * When the next scheduling cycle runs. Cycles follow changes (an arrival, a completion, a
 * failure, a repair): with nothing changed the pending jobs would get the same answers again.
 * A change asks for a cycle one period later unless one is already due sooner; a reservation
 * that runs out frees its nodes with no event, so a cycle also wakes at its end. A wake-up never
 * postpones a change's cycle: a cycle due at a reservation's end hours away must not swallow the
 * completions before it (it did, and the cluster idled while jobs waited).
 */
export class CycleTimer {
  private due = Number.POSITIVE_INFINITY

  constructor(readonly periodS: number) {}

  /** Asks for a cycle after a change at `now`; returns its time when the shell must schedule it. */
  changed(now: number): number | undefined {
    return this.at(now + this.periodS)
  }

  /** Asks for a cycle at `t` (a reservation's end); returns `t` when the shell must schedule it. */
  at(t: number): number | undefined {
    if (t >= this.due) {
      return undefined
    }
    this.due = t
    return t
  }

  /**
   * Whether a cycle scheduled for `t` should run now. A cycle superseded by an earlier one
   * (whose run cleared the due time or set a later one) does nothing.
   */
  take(t: number): boolean {
    if (t !== this.due) {
      return false
    }
    this.due = Number.POSITIVE_INFINITY
    return true
  }

  /** When the next cycle is due (infinite when none is). */
  get nextAt(): number {
    return this.due
  }
}
