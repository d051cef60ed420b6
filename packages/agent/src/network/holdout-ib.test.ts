import { describe, expect, it } from 'vitest'
import { readNet } from './ib-fixtures.test-support.js'
import { ibParsers } from './ib-parsers.js'
import { ibstatParser } from './ibstat.js'

/**
 * Acceptance on an output held out while the parsers were written: rdma-core PR 847's ibstat
 * of a ConnectX-3 (mlx4, MT4099, fw 2.42.5000) run with umad debug, `ibwarn:` lines
 * interleaved, cut part-way through a record. Its README says port 2 runs FDR at 56; ibstat
 * lists ports in order, so port 1 is the other one, expected Down / Polling.
 * These expectations were written before the file was first read or parsed; the first run
 * failed on one of them: port 1's physical state is Disabled, not Polling (still `failed`).
 */
const holdout = 'ibstat--linux-rdma-rdma-core-pr847--mlx4-fdr-with-ibwarn-debug-TRUNCATED.txt'

describe('held-out ibstat (mlx4 FDR with ibwarn debug lines, truncated)', () => {
  it('is recognised as ibstat and by no other IB parser', () => {
    const text = readNet(holdout)
    expect(ibstatParser.detect(text)).toBeGreaterThanOrEqual(0.9)
    for (const other of ibParsers.filter((p) => p !== ibstatParser)) {
      expect(other.detect(text), other.tool).toBeLessThanOrEqual(0.2)
    }
  })

  it('parses, skipping the ibwarn lines and warning of the cut', () => {
    const r = ibstatParser.parse(readNet(holdout))
    expect(r.nics).toHaveLength(2)
    for (const nic of r.nics) {
      expect(nic.device).toMatch(/^mlx4_\d+$/)
      expect(nic).toMatchObject({ model: 'MT4099', firmware: '2.42.5000' })
    }
    expect(r.warnings).toContainEqual(expect.stringMatching(/"ibwarn:" debug line\(s\) skipped$/))
    expect(r.warnings).toContainEqual(expect.stringMatching(/^output ends early: /))
    // added after the first run showed the file's `+ ibstat` (set -x) line as a warning, and
    // isCommandEcho learnt that prefix: only the cut and the debug lines are left to warn of
    expect(r.warnings).toEqual([
      "output ends early: port 2 of CA 'mlx4_0' has no Port GUID, Link layer",
      '4 "ibwarn:" debug line(s) skipped',
    ])
  })

  it('fails the Down / Disabled port and finds the active one healthy at FDR 56', () => {
    const r = ibstatParser.parse(readNet(holdout))
    const [p1, p2] = r.nics
    // first run: expected 'polling' (from the brief's "Down/Polling"); the file says Disabled
    expect(p1).toMatchObject({ port: 1, state: 'down', physicalState: 'disabled' })
    expect(p2).toMatchObject({ port: 2, state: 'active', physicalState: 'linkup', rateGbps: 56 })
    expect(r.verdicts.map(({ port, health, reason }) => ({ port, health, reason }))).toEqual([
      { port: 1, health: 'failed', reason: 'port down (physical state Disabled)' },
      { port: 2, health: 'healthy', reason: 'active at 56 Gb/s' },
    ])
  })
})
