import { describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { ethtoolStatsParser as parser } from './ethtool-stats.js'

const mlx5 = 'ethtool-S--isc-projects-ethq--mlx5_core-connectx4lx-ubuntu1804.txt'
const i40e = 'ethtool-S--isc-projects-ethq--i40e-xl710.txt'
const prio = 'ethtool-S-grep-prio--bytedance-byteps-issue179--mlx5-roce-before.txt'

describe('ethtool -S fixtures', () => {
  it('reads every mlx5_core counter of the ConnectX-4 Lx, with no header or indentation', () => {
    const r = parser.parse(readNet(mlx5))
    expect(r.tool).toBe('ethtool-stats')
    expect(r.counters).toHaveLength(1)
    const c = r.counters[0]
    expect(c?.port).toBe('')
    expect(Object.keys(c?.counters ?? {})).toHaveLength(751)
    expect(c?.counters).toMatchObject({
      rx_packets: 845320277,
      rx_bytes: 2195783498134,
      link_down_events_phy: 0,
      rx_pause_ctrl_phy: 0,
      rx_discards_phy: 0,
      rx_crc_errors_phy: 0,
      rx0_packets: 53947906,
      tx0_packets: 101488959,
    })
    expect(r.warnings).toEqual([])
    expect(r.verdicts).toEqual([])
  })

  it('reads i40e per-queue and port.* counters by their own names', () => {
    const c = parser.parse(readNet(i40e)).counters[0]?.counters ?? {}
    expect(Object.keys(c)).toHaveLength(202)
    expect(c).toMatchObject({
      'tx-0.tx_packets': 27274035294,
      'rx-7.rx_bytes': 3513052183985,
      'port.link_xoff_rx': 0,
      'port.tx_priority_3_xoff': 0,
    })
  })

  it('reads the indented `grep prio` excerpt of a RoCE mlx5 port', () => {
    const c = parser.parse(readNet(prio)).counters[0]?.counters ?? {}
    expect(Object.keys(c)).toHaveLength(32)
    expect(c).toMatchObject({
      rx_prio0_bytes: 88034564921216,
      tx_prio0_packets: 40177770079,
      rx_prio3_packets: 0,
    })
  })
})

describe('ethtool -S forms', () => {
  it('takes the port from the command line and skips the NIC statistics header', () => {
    const text =
      '$ ethtool -S enp178s0f0 | grep prio\nNIC statistics:\n     rx_prio3_pause: 12\n     tx_prio3_pause: 3\n'
    const r = parser.parse(text)
    expect(r.counters).toEqual([
      { port: 'enp178s0f0', counters: { rx_prio3_pause: 12, tx_prio3_pause: 3 } },
    ])
    expect(r.extra).toMatchObject({ netdev: 'enp178s0f0' })
    expect(parser.detect(text)).toBeGreaterThanOrEqual(0.9)
  })

  it('keeps bnxt_en per-ring counters under their printed names, `[N]: name`', () => {
    const text = [
      'NIC statistics:',
      '     [0]: rx_ucast_packets: 1204',
      '     [0]: rx_discards: 0',
      '     [1]: rx_ucast_packets: 997',
      '     rx_total_discard_pkts: 0',
    ].join('\n')
    const r = parser.parse(text)
    expect(r.counters[0]?.counters).toEqual({
      '[0]: rx_ucast_packets': 1204,
      '[0]: rx_discards': 0,
      '[1]: rx_ucast_packets': 997,
      rx_total_discard_pkts: 0,
    })
    expect(r.extra).toMatchObject({ perRingCounters: 3 })
    expect(parser.detect(text)).toBe(0.95)
  })

  it('warns of lines that are not counters, repeated names and values past 2^53', () => {
    const text =
      'NIC statistics:\n  rx_a: 1\n  rx_a: 2\n  something odd\n  rx_huge: 18446744073709551615\n'
    const r = parser.parse(text)
    expect(r.counters[0]?.counters.rx_a).toBe(1)
    expect(r.warnings).toEqual([
      'ignored 1 line(s) that are not "name: value" counters (first: line 4)',
      'kept the first of 1 repeated counter name(s)',
      '1 counter(s) exceed 2^53 and are kept to double precision',
    ])
  })

  it("fails on ethtool's own error, naming its line", () => {
    expect(() =>
      parser.parse('\nCannot get stats strings information: Operation not supported\n'),
    ).toThrow('ethtool-stats: line 2: no "name: value" counter line')
  })
})
