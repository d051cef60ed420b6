import type { UploaderStats } from './uploader-types.js'

/**
 * The uploader's counters, and its busy clock: the time at least one shard is in flight, over
 * which `bytesPerSecond` is taken (an idle uploader waiting for the next checkpoint is not slow).
 */
export class UploadStats {
  readonly counts = {
    bytesSent: 0,
    bytesDurable: 0,
    shardsDurable: 0,
    shardsSkipped: 0,
    shardsRejected: 0,
    shardsUnreadable: 0,
    committed: 0,
    retries: 0,
  }
  readonly dropped: { step: number; dir: string }[] = []
  /** Shards in flight. */
  active = 0
  private busyMs = 0
  private busySince = 0

  /** A shard upload starts. */
  begin(): void {
    if (this.active === 0) {
      this.busySince = performance.now()
    }
    this.active++
  }

  /** A shard upload ends, however it went. */
  end(): void {
    this.active--
    if (this.active === 0) {
      this.busyMs += performance.now() - this.busySince
    }
  }

  snapshot(pendingLocal: number): UploaderStats {
    const busy = this.busyMs + (this.active > 0 ? performance.now() - this.busySince : 0)
    return {
      ...this.counts,
      bytesPerSecond: busy > 0 ? (this.counts.bytesSent * 1000) / busy : 0,
      pendingLocal,
      dropped: this.dropped.map((d) => ({ ...d })),
    }
  }
}
