import { describe, expect, it } from 'vitest'
import { counterParsers } from './counter-parsers.js'
import { readNet } from './counter-fixtures.test-support.js'
import { ethtoolStatsParser } from './ethtool-stats.js'
import { assessRates } from './health-rates.js'
import { ncclLogParser } from './nccl-log.js'
import { sysfsInfinibandParser } from './sysfs-infiniband.js'
import type { CounterSample, NetParser } from './types.js'

/**
 * Acceptance on three real outputs held back while the parsers and rules were written (see
 * fixtures/network/README-counters-logs.md): expectations come from the shared README's
 * description of each file, written before the files were first read.
 */
const bnxt = 'ethtool-S--isc-projects-ethq--bnxt_en.txt'
const h100 = 'sysfs-infiniband--leptonai-gpud--h100-8x-mlx5-counters-hw_counters.txt'
const nccl = 'nccl-debug--nvidia-nccl-issue1698--status12-vendor-err-129-hca-mlx5_10.txt'

const best = (text: string): NetParser =>
  [...counterParsers].sort((a, b) => b.detect(text) - a.detect(text))[0] ?? ethtoolStatsParser

describe('hold-out: bnxt_en ethtool -S', () => {
  const text = readNet(bnxt)

  it('is detected as ethtool -S and parses', () => {
    expect(best(text).tool).toBe('ethtool-stats')
    expect(ethtoolStatsParser.detect(text)).toBeGreaterThanOrEqual(0.9)
  })

  it('reads the counters, the [N]: per-ring ones included', () => {
    const r = ethtoolStatsParser.parse(text)
    expect(r.counters).toHaveLength(1)
    const names = Object.keys(r.counters[0]?.counters ?? {})
    expect(names.length).toBeGreaterThan(20)
    expect(names.filter((n) => /^\[\d+\]: \S+$/.test(n)).length).toBeGreaterThan(0)
    expect(names.some((n) => n.startsWith('[0]: '))).toBe(true)
    expect(names.some((n) => /rx_pfc_ena_frames_pri\d$/.test(n))).toBe(true)
    expect(names.some((n) => n.endsWith('rx_total_ring_discards'))).toBe(true)
    expect((r.extra?.perRingCounters as number) > 0).toBe(true)
  })
})

describe('hold-out: H100 node sysfs counters and hw_counters (mlx5, grep -r form)', () => {
  const text = readNet(h100)

  it('is detected as a sysfs dump and gives 8 or more mlx5 ports at 400 Gb/s', () => {
    expect(best(text).tool).toBe('sysfs-infiniband')
    const r = sysfsInfinibandParser.parse(text)
    expect(r.extra).toMatchObject({ form: 'grep' })
    const ndr = r.nics.filter((n) => n.device.startsWith('mlx5_') && n.rateGbps === 400)
    expect(ndr.length).toBeGreaterThanOrEqual(8)
    for (const n of ndr) {
      expect(n.firmware).toBe('28.41.1000')
      expect(['MT4129', 'MT_0000000838']).toContain(n.model)
      expect(n.linkLayer).toBe('IB')
    }
  })

  it('reads the counters and hw_counters of each port, local_ack_timeout_err included', () => {
    const r = sysfsInfinibandParser.parse(text)
    const ndr = r.nics.filter((n) => n.device.startsWith('mlx5_') && n.rateGbps === 400)
    for (const n of ndr) {
      const c = r.counters.find((s) => s.port === `${n.device}/${n.port}`)?.counters
      expect(c, `${n.device}/${n.port}`).toBeDefined()
      for (const name of [
        'local_ack_timeout_err',
        'out_of_sequence',
        'port_xmit_wait',
        'symbol_error',
        'link_downed',
      ]) {
        expect(c, `${n.device}/${n.port} ${name}`).toHaveProperty(name)
      }
    }
  })

  it('an identical second sample is healthy; loss increments give a loss verdict', () => {
    const r = sysfsInfinibandParser.parse(text)
    const nic = r.nics.find(
      (n) => n.rateGbps === 400 && n.state === 'active' && n.physicalState === 'linkup',
    )
    expect(nic).toBeDefined()
    if (nic === undefined) {
      return
    }
    const before = r.counters.find((s) => s.port === `${nic.device}/${nic.port}`)
    expect(before).toBeDefined()
    if (before === undefined) {
      return
    }
    expect(assessRates({ before, after: before, seconds: 10, nic }).verdict.health).toBe('healthy')
    const c = before.counters
    const after: CounterSample = {
      port: before.port,
      counters: {
        ...c,
        local_ack_timeout_err: (c.local_ack_timeout_err ?? 0) + 30,
        out_of_sequence: (c.out_of_sequence ?? 0) + 200,
      },
    }
    const a = assessRates({ before, after, seconds: 10, nic })
    expect(a.verdict.health).not.toBe('healthy')
    expect(a.verdict).toMatchObject({ device: nic.device, port: nic.port })
    expect(a.verdict.reason).toContain('packet loss')
    expect(a.findings.map((f) => [f.counter, f.kind]).sort()).toEqual([
      ['local_ack_timeout_err', 'loss'],
      ['out_of_sequence', 'loss'],
    ])
  })

  // added after the first run, from what the file showed: a real saturated port
  it('mlx5_1, with link_downed stuck at 255 and a 4-bit overrun counter at 15, stays healthy', () => {
    const r = sysfsInfinibandParser.parse(text)
    const before = r.counters.find((s) => s.port === 'mlx5_1/1')
    expect(before?.counters).toMatchObject({
      link_downed: 255,
      excessive_buffer_overrun_errors: 15,
    })
    if (before === undefined) {
      return
    }
    const a = assessRates({
      before,
      after: before,
      seconds: 60,
      nic: r.nics.find((n) => n.device === 'mlx5_1'),
    })
    expect(a.verdict.health).toBe('healthy')
    expect(a.notes).toEqual([
      'excessive_buffer_overrun_errors is saturated at 15 (4 bits): rises no longer show; clear it',
      'link_downed is saturated at 255 (8 bits): rises no longer show; clear it',
    ])
  })
})

describe('hold-out: NCCL WARN naming hca mlx5_10', () => {
  const text = readNet(nccl)

  it('is detected as an NCCL log and fails mlx5_10 on status 12, vendor err 129', () => {
    expect(best(text).tool).toBe('nccl-log')
    const r = ncclLogParser.parse(text)
    const v = r.verdicts.find((x) => x.device === 'mlx5_10')
    expect(v).toBeDefined()
    expect(v?.health).toBe('failed')
    expect(v?.reason).toContain('status 12 (IBV_WC_RETRY_EXC_ERR')
    expect(v?.reason).toContain('vendor err 129')
    // first written as 172.36.143.59, an address the shared README lists among all the NCCL
    // logs' addresses; the file's peer is 192.168.3.5 (corrected after the first run)
    expect(v?.reason).toContain('from peer 192.168.3.5')
    expect(v?.reason).toContain('on mycl-g2')
  })
})
