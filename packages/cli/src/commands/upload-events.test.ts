import { describe, expect, it } from 'vitest'
import type { UploaderEvent } from '@zhisuan/checkpoint'
import { describeUploadEvent } from './upload-events.js'

const events: UploaderEvent[] = [
  { kind: 'registered', step: 7, checkpointId: 'cp-1', existing: false },
  { kind: 'registered', step: 7, checkpointId: 'cp-1', existing: true },
  { kind: 'shard-skipped', step: 7, path: 'rank0.pt' },
  {
    kind: 'shard-durable',
    step: 7,
    path: 'rank0.pt',
    bytes: 3 * 1024 * 1024,
    sha256: 'ab',
    location: 's3://b/k',
    seconds: 0.5,
  },
  { kind: 'shard-rejected', step: 7, path: 'rank0.pt', sha256: 'ab', state: 'corrupt' },
  { kind: 'shard-unreadable', step: 7, path: 'rank0.pt', reason: 'missing' },
  { kind: 'committed', step: 7, checkpointId: 'cp-1', bytes: 100, bytesPerSecond: 2e6 },
  { kind: 'dropped', step: 7, dir: 'step-7' },
  { kind: 'retry', operation: 'upload', attempt: 3, delayMs: 2000, reason: 'ECONNREFUSED' },
  { kind: 'invalid', dir: 'junk', reason: 'no step' },
  { kind: 'error', reason: 'boom' },
]

describe('upload event lines', () => {
  it('names the step or directory and what happened, one line each', () => {
    const lines = events.map(describeUploadEvent)
    expect(new Set(lines).size).toBe(lines.length)
    for (const [i, line] of lines.entries()) {
      const e = events[i]
      expect(line).not.toContain('\n')
      if (e !== undefined && 'step' in e) {
        expect(line).toContain(`step ${e.step}`)
      }
      if (e !== undefined && 'path' in e) {
        expect(line).toContain(e.path)
      }
      if (e !== undefined && 'reason' in e) {
        expect(line).toContain(e.reason)
      }
    }
    expect(lines[3]).toBe('step 7: rank0.pt durable, 3.0 MiB in 0.5 s (6 MB/s)')
    expect(lines[8]).toBe('retrying upload (attempt 3) in 2.0 s: ECONNREFUSED')
  })
})
