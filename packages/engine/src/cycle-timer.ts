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
  private ranAt = Number.NEGATIVE_INFINITY

  /**
   * @param periodS seconds from a change to its cycle
   * @param grid cycles fall on multiples of `periodS` instead, as a server loop's periodic passes
   * do: a change is answered at the first pass at or after it
   */
  constructor(
    readonly periodS: number,
    private readonly grid = false,
  ) {}

  /** Asks for a cycle after a change at `now`; returns its time when the shell must schedule it. */
  changed(now: number): number | undefined {
    if (!this.grid || this.periodS <= 0) {
      return this.at(now + this.periodS)
    }
    const pass = Math.ceil(now / this.periodS) * this.periodS
    // a pass that already ran at this instant saw the state before the change
    return this.at(pass <= this.ranAt ? pass + this.periodS : pass)
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
    this.ranAt = t
    return true
  }

  /** When the next cycle is due (infinite when none is). */
  get nextAt(): number {
    return this.due
  }
}
