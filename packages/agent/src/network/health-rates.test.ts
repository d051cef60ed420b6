import { ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { ethtoolStatsParser } from './ethtool-stats.js'
import { rateRules } from './health-rate-rules.js'
import { assessRates, rateVerdict, type RateInput } from './health-rates.js'
import { sysfsInfinibandParser } from './sysfs-infiniband.js'
import type { CounterSample, NetHealth, NicPort } from './types.js'

const sysfs = (file: string) => sysfsInfinibandParser.parse(readNet(file))
const mlx4 = sysfs('sysfs-infiniband--prometheus-procfs--mlx4_0-counters-counters_ext.txt')
const exporter = sysfs('sysfs-infiniband--prometheus-node_exporter--mlx4_0-2port-counters.txt')
const ethtool = ethtoolStatsParser.parse(
  readNet('ethtool-S--isc-projects-ethq--mlx5_core-connectx4lx-ubuntu1804.txt'),
)

const first = <T>(xs: readonly T[]): T => {
  const x = xs[0]
  if (x === undefined) {
    throw new Error('fixture gave nothing')
  }
  return x
}
/** Port 1 of the ConnectX-3 (40 Gb/s QDR): the real sample 1 of most sequences below. */
const mlx4Port1 = first(mlx4.counters)
const mlx4Nic = first(mlx4.nics)
/** The mlx4 port whose 32-bit port_xmit_wait is saturated at 4294967295. */
const saturated = first(exporter.counters)
const mlx5Eth = first(ethtool.counters)

/** Sample 2: sample 1 plus increments (negative for a reset). */
function plus(s: CounterSample, inc: Readonly<Record<string, number>>): CounterSample {
  const counters = { ...s.counters }
  for (const [k, v] of Object.entries(inc)) {
    counters[k] = (counters[k] ?? 0) + v
  }
  return { port: s.port, counters }
}

/** A sample 1 with the mlx5 hw_counters an mlx4 lacks, at 0 as on a fresh port. */
const withHw = plus(mlx4Port1, {
  local_ack_timeout_err: 0,
  out_of_sequence: 0,
  req_transport_retries_exceeded: 0,
})

const judge = (
  before: CounterSample,
  inc: Record<string, number>,
  seconds: number,
  nic?: NicPort,
) => assessRates({ before, after: plus(before, inc), seconds, nic })

describe('health-rates: link flaps', () => {
  it('an identical second sample is healthy', () => {
    const v = rateVerdict({ before: mlx4Port1, after: mlx4Port1, seconds: 60, nic: mlx4Nic })
    expect(v).toEqual({
      device: 'mlx4_0',
      port: 1,
      health: 'healthy',
      reason: 'counter rates normal over 60 s',
    })
  })

  it('one link_downed in the window fails the port as a flap', () => {
    const a = judge(mlx4Port1, { link_downed: 1 }, 300, mlx4Nic)
    expect(a.verdict.health).toBe('failed')
    expect(a.findings[0]).toMatchObject({ counter: 'link_downed', kind: 'flap', increments: 1 })
    expect(a.verdict.reason).toMatch(/^the link went down \(flap\).*: link_downed \+1 in 300 s/)
  })

  it('link error recovery degrades at 5 a minute, not below', () => {
    expect(judge(mlx4Port1, { link_error_recovery: 5 }, 60).verdict.health).toBe('degraded')
    expect(judge(mlx4Port1, { link_error_recovery: 4 }, 60).verdict.health).toBe('healthy')
  })
})

describe('health-rates: cable and optic errors', () => {
  it('symbol errors degrade above the 10^-12 budget of the port rate', () => {
    // 40 Gb/s: 0.04 errors/s; 400 Gb/s: 0.4 errors/s
    const ndr: NicPort = { ...mlx4Nic, rateGbps: 400 }
    expect(judge(mlx4Port1, { symbol_error: 20 }, 60, mlx4Nic).verdict.health).toBe('degraded')
    expect(judge(mlx4Port1, { symbol_error: 20 }, 60, ndr).verdict.health).toBe('healthy')
    expect(judge(mlx4Port1, { symbol_error: 30 }, 60, ndr).verdict.health).toBe('degraded')
    const a = judge(mlx4Port1, { symbol_error: 30 }, 60, ndr)
    expect(a.findings[0]).toMatchObject({ kind: 'physical', rule: 'symbol-errors' })
    expect(a.verdict.reason).toContain('symbol_error +30 in 60 s (0.5/s, degraded at 0.4/s)')
  })

  it('a few receive errors in a short window are not a rate', () => {
    expect(judge(mlx4Port1, { port_rcv_errors: 9 }, 10, mlx4Nic).verdict.health).toBe('healthy')
    expect(judge(mlx4Port1, { port_rcv_errors: 10 }, 10, mlx4Nic).verdict.health).toBe('degraded')
  })

  it('uses 120 errors an hour when the port rate is unknown', () => {
    expect(judge(mlx4Port1, { symbol_error: 12 }, 360).verdict.health).toBe('degraded')
    expect(judge(mlx4Port1, { symbol_error: 12 }, 400).verdict.health).toBe('healthy')
  })
})

describe('health-rates: packet loss', () => {
  it('ACK timeouts degrade at one a minute and fail at one a second', () => {
    const some = judge(withHw, { local_ack_timeout_err: 1 }, 30, mlx4Nic)
    expect(some.verdict.health).toBe('degraded')
    expect(some.verdict.reason).toMatch(/^packet loss: ACK timeouts/)
    expect(judge(withHw, { local_ack_timeout_err: 60 }, 30, mlx4Nic).verdict.health).toBe('failed')
  })

  it('out-of-sequence packets degrade at 1/s and fail at 100/s', () => {
    expect(judge(withHw, { out_of_sequence: 5 }, 10).verdict.health).toBe('healthy')
    expect(judge(withHw, { out_of_sequence: 50 }, 10).verdict.health).toBe('degraded')
    expect(judge(withHw, { out_of_sequence: 2000 }, 10).verdict.health).toBe('failed')
  })

  it('a QP that exhausted its retries fails the port', () => {
    expect(judge(withHw, { req_transport_retries_exceeded: 1 }, 600).verdict.health).toBe('failed')
  })

  it('the mlx5 port dropping received packets is loss', () => {
    const a = judge(mlx5Eth, { rx_discards_phy: 100 }, 10)
    expect(a.findings[0]).toMatchObject({
      kind: 'loss',
      counter: 'rx_discards_phy',
      health: 'degraded',
    })
    expect(a.verdict).toMatchObject({ device: '', port: null })
  })
})

describe('health-rates: congestion', () => {
  it('pause frames and pause time degrade an mlx5 Ethernet port', () => {
    expect(judge(mlx5Eth, { rx_pause_ctrl_phy: 20000 }, 10).findings[0]).toMatchObject({
      kind: 'congestion',
      rule: 'pause-frames',
      health: 'degraded',
    })
    expect(judge(mlx5Eth, { rx_pause_ctrl_phy: 2000 }, 10).verdict.health).toBe('healthy')
    // 3 s paused in 10 s
    expect(judge(mlx5Eth, { rx_global_pause_duration: 3_000_000 }, 10).verdict.health).toBe(
      'degraded',
    )
  })

  it('a pause storm that tripped the NIC protection fails the port', () => {
    const before = plus(mlx5Eth, { tx_pause_storm_error_events: 0 })
    expect(judge(before, { tx_pause_storm_error_events: 1 }, 60).verdict.health).toBe('failed')
  })

  it('xmit wait degrades at 10^5 ticks a second', () => {
    expect(judge(mlx4Port1, { port_xmit_wait: 2_000_000 }, 10).verdict.health).toBe('degraded')
    expect(judge(mlx4Port1, { port_xmit_wait: 500_000 }, 10).verdict.health).toBe('healthy')
  })
})

describe('health-rates: resets, wraps and saturation', () => {
  it('a counter that went down is noted, not judged', () => {
    const a = judge(mlx4Port1, { port_xmit_wait: -3599, port_rcv_data: -2_000_000_000 }, 60)
    expect(a.verdict.health).toBe('healthy')
    // port_rcv_data has no rule: only judged counters are noted
    expect(a.notes).toEqual(['port_xmit_wait went down (3599 → 0): reset or wrapped, not judged'])
    expect(a.verdict.reason).toContain('1 counter(s) not judged')
  })

  it('mlx4 port_xmit_wait saturated at 2^32−1 in both samples raises nothing', () => {
    expect(saturated.counters.port_xmit_wait).toBe(4294967295)
    const a = assessRates({ before: saturated, after: saturated, seconds: 60 })
    expect(a.verdict.health).toBe('healthy')
    expect(a.notes).toEqual([
      'port_xmit_wait is saturated at 4294967295 (32 bits): rises no longer show; clear it',
    ])
  })

  it('link_downed stuck at 255 says nothing; reaching 255 is still a flap', () => {
    const stuck = plus(mlx4Port1, { link_downed: 255 })
    expect(assessRates({ before: stuck, after: stuck, seconds: 60 }).verdict.health).toBe('healthy')
    const almost = plus(mlx4Port1, { link_downed: 254 })
    expect(judge(almost, { link_downed: 1 }, 60).verdict.health).toBe('failed')
  })

  it('a port that is down is failed whatever its counters say', () => {
    const down: NicPort = { ...mlx4Nic, state: 'down', physicalState: 'polling' }
    expect(judge(mlx4Port1, {}, 60, down).verdict).toMatchObject({
      health: 'failed',
      reason: expect.stringContaining('port down') as string,
    })
  })

  it('rejects an interval that is not positive and samples of two ports', () => {
    expect(() => rateVerdict({ before: mlx4Port1, after: mlx4Port1, seconds: 0 })).toThrow(
      ZhisuanError,
    )
    const other = { ...mlx4Port1, port: 'mlx4_0/2' }
    expect(() => rateVerdict({ before: mlx4Port1, after: other, seconds: 1 })).toThrow(
      'samples of two ports',
    )
  })
})

describe('health-rates: properties over real samples', () => {
  const ruleCounters = [
    'link_downed',
    'symbol_error',
    'port_rcv_errors',
    'local_ack_timeout_err',
    'out_of_sequence',
    'packet_seq_err',
    'rnr_nak_retry_err',
    'roce_adp_retrans',
    'roce_slow_restart',
    'port_xmit_wait',
    'rx_prio3_pause',
    'tx_prio3_pause',
    'rx_pause_ctrl_phy',
    'link_error_recovery',
    'port_xmit_discards',
  ]
  const zeros = Object.fromEntries(ruleCounters.map((c) => [c, 0]))
  const bases = [plus(mlx4Port1, zeros), plus(saturated, zeros), plus(mlx5Eth, zeros)]
  const nics = [undefined, mlx4Nic, { ...mlx4Nic, rateGbps: 400 }]
  const names = [...new Set(bases.flatMap((b) => Object.keys(b.counters)))]
  const rank: Record<NetHealth, number> = { healthy: 0, degraded: 1, failed: 2 }
  const input = fc.record({
    base: fc.constantFrom(...bases),
    nic: fc.constantFrom(...nics),
    seconds: fc.double({ min: 0.5, max: 7200, noNaN: true }),
  })
  const increments = fc.dictionary(
    fc.constantFrom(...names, ...ruleCounters),
    fc.nat({ max: 1_000_000 }),
  )

  it('identical samples are healthy', () => {
    fc.assert(
      fc.property(input, ({ base, nic, seconds }) => {
        expect(rateVerdict({ before: base, after: base, seconds, nic }).health).toBe('healthy')
      }),
    )
  })

  it('more errors in the same time never give a better verdict', () => {
    fc.assert(
      fc.property(input, increments, increments, ({ base, nic, seconds }, inc, extra) => {
        const after: RateInput = { before: base, after: plus(base, inc), seconds, nic }
        const worse: RateInput = { ...after, after: plus(after.after, extra) }
        expect(rank[rateVerdict(worse).health]).toBeGreaterThanOrEqual(
          rank[rateVerdict(after).health],
        )
      }),
    )
  })

  it('a counter reset never gives failed on its own', () => {
    const drops = fc.dictionary(
      fc.constantFrom(...names),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    fc.assert(
      fc.property(input, drops, ({ base, nic, seconds }, drop) => {
        const after = { ...base.counters }
        for (const [k, f] of Object.entries(drop)) {
          after[k] = Math.floor((after[k] ?? 0) * f)
        }
        const v = rateVerdict({
          before: base,
          after: { port: base.port, counters: after },
          seconds,
          nic,
        })
        expect(v.health).not.toBe('failed')
      }),
    )
  })

  it('every rule fires somewhere, and no counter name is read by two rules', () => {
    for (const name of ruleCounters) {
      expect(
        rateRules.filter((r) => r.counters.test(name)),
        name,
      ).toHaveLength(1)
    }
    for (const r of rateRules) {
      expect(r.degraded !== null || r.failed !== null, r.name).toBe(true)
      expect(r.source, r.name).not.toBe('')
    }
  })
})
