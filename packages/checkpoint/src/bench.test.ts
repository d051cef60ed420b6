import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { benchCheckpoint } from './bench.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

describe('the checkpoint benchmark', () => {
  it('measures every phase on a small checkpoint and cleans up', async () => {
    const lines: string[] = []
    const dir = mkdtempSync(join(tmpdir(), 'zhisuan-bench-test-'))
    const r = await benchCheckpoint({
      dir,
      totalBytes: 12 * 1024 * 1024,
      shards: 2,
      repeats: 1,
      settleMs: 0,
      s3Server: 'in-process',
      partSizeBytes: 5 * 1024 * 1024,
      log: (line) => lines.push(line),
    })
    expect(r).toMatchObject({ totalBytes: 12 * 1024 * 1024, shards: 2, repeats: 1 })
    for (const ratio of [
      r.fsRatioToCp,
      r.fsRatioToCpSync,
      r.fsRatioCeiling,
      r.s3RatioToSingleStream,
    ]) {
      expect(ratio).toBeGreaterThan(0)
    }
    expect(r.syncSeconds).toBeGreaterThan(0)
    expect(r.fsRatioCeiling).toBeCloseTo(r.cpSeconds / r.syncSeconds)
    expect(r.peakRssMB).toBeGreaterThanOrEqual(r.baselineRssMB)
    expect(r.s3ServerCpuSeconds).toBeNull()
    expect(lines.filter((l) => l.startsWith('round 1/1'))).toHaveLength(6)
    expect(readdirSync(dir)).toEqual([])
    rmSync(dir, { recursive: true })
  })
})
