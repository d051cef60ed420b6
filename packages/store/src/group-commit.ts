/**
 * Collects writes that arrive together and runs them as one batch on the next turn of the
 * event loop; each caller's promise settles when its batch is written (or fails with it).
 * The writer may refuse single items of a batch: it answers an error, or undefined, per item.
 * Batches are capped so one transaction stays short (SQLite allows 32,766 bound values).
 */
export class GroupCommit<T> {
  private queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = []
  private scheduled = false

  constructor(
    private readonly write: (batch: readonly T[]) => Promise<readonly unknown[] | undefined>,
    private readonly max = 200,
  ) {}

  /** Queues an item; settles when the batch it joined is written, or fails with it. */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => {
          void this.flush()
        })
      }
    })
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max)
      try {
        const refused = await this.write(batch.map((b) => b.item))
        batch.forEach((b, i) => {
          const error: unknown = refused?.[i]
          if (error === undefined) {
            b.resolve()
          } else {
            b.reject(error)
          }
        })
      } catch (error) {
        for (const b of batch) {
          b.reject(error)
        }
      }
    }
    this.scheduled = false
  }
}
