import type { UploaderEvent } from '@zhisuan/checkpoint'

const mib = 1024 * 1024

const size = (bytes: number): string =>
  bytes >= mib ? `${(bytes / mib).toFixed(1)} MiB` : `${bytes} B`

const rate = (bytesPerSecond: number): string => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`

/**
 * One line for the operator per uploader event: what `zhisuan checkpoint upload` prints on
 * standard error as it goes (a step list), so a shard in flight, a retry with its wait, a commit
 * and its throughput are seen as they happen.
 * @example
 * describeUploadEvent({ kind: 'retry', operation: 'upload', attempt: 2, delayMs: 1000, reason: 'ECONNREFUSED' })
 * // 'retrying upload (attempt 2) in 1.0 s: ECONNREFUSED'
 */
export function describeUploadEvent(e: UploaderEvent): string {
  switch (e.kind) {
    case 'registered':
      return `step ${e.step}: ${e.existing ? 'known to the registry' : 'registered'} as ${e.checkpointId}`
    case 'shard-skipped':
      return `step ${e.step}: ${e.path} already durable, skipped`
    case 'shard-durable':
      return `step ${e.step}: ${e.path} durable, ${size(e.bytes)} in ${e.seconds.toFixed(1)} s${
        e.seconds > 0 ? ` (${rate(e.bytes / e.seconds)})` : ''
      }`
    case 'shard-rejected':
      return `step ${e.step}: ${e.path} rejected by the registry (${e.state}; sha256 ${e.sha256})`
    case 'shard-unreadable':
      return `step ${e.step}: ${e.path} unreadable: ${e.reason}`
    case 'committed':
      return `step ${e.step}: committed ${e.checkpointId}, ${size(e.bytes)} at ${rate(e.bytesPerSecond)}`
    case 'dropped':
      return `step ${e.step}: local checkpoint ${e.dir} dropped (the durable tier is behind)`
    case 'retry':
      return `retrying ${e.operation} (attempt ${e.attempt}) in ${(e.delayMs / 1000).toFixed(1)} s: ${e.reason}`
    case 'invalid':
      return `${e.dir}: not a checkpoint: ${e.reason}`
    case 'error':
      return `error: ${e.reason}`
  }
}
