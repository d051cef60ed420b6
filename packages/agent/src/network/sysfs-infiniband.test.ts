import { ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { sysfsInfinibandParser as parser } from './sysfs-infiniband.js'

const procfsMlx4 = 'sysfs-infiniband--prometheus-procfs--mlx4_0-counters-counters_ext.txt'
const exporterMlx4 = 'sysfs-infiniband--prometheus-node_exporter--mlx4_0-2port-counters.txt'
const hfi1 = 'sysfs-infiniband--prometheus-procfs--hfi1_0-opa-counters.txt'
const i40iw = 'sysfs-infiniband--prometheus-node_exporter--i40iw0-iwarp-counters.txt'

/** The same files as `grep -r . /sys/class/infiniband/` prints them: one line per value line. */
function asGrep(ttar: string): string {
  const lines = ttar.split('\n')
  const out: string[] = []
  lines.forEach((line, i) => {
    const path = /^Path: .*?(\/?sys\/class\/infiniband\/.*)$/.exec(line)?.[1]
    if (path === undefined) {
      return
    }
    const n = Number(/^Lines: (\d+)$/.exec(lines[i + 1] ?? '')?.[1] ?? 0)
    for (const value of lines.slice(i + 2, i + 2 + n)) {
      out.push(`/${path.replace(/^\//, '')}:${value}`)
    }
  })
  return out.join('\n')
}

describe('sysfs-infiniband: ttar dumps (prometheus fixtures)', () => {
  it('reads both ports of the ConnectX-3 (mlx4) with their attributes and counters', () => {
    const r = parser.parse(readNet(procfsMlx4))
    expect(r.tool).toBe('sysfs-infiniband')
    expect(r.nics).toEqual(
      [1, 2].map((port) => ({
        device: 'mlx4_0',
        port,
        linkLayer: 'IB',
        state: 'active',
        physicalState: 'linkup',
        rateGbps: 40,
        firmware: '2.31.5050',
        netdev: null,
        guid: null,
        model: 'MT4099',
      })),
    )
    expect(r.counters.map((c) => c.port)).toEqual(['mlx4_0/1', 'mlx4_0/2'])
    expect(r.counters[0]?.counters).toMatchObject({
      port_rcv_data: 2221223609,
      port_xmit_data: 26509113295,
      port_xmit_wait: 3599,
      symbol_error: 0,
      link_downed: 0,
      VL15_dropped: 0,
    })
    expect(Object.keys(r.counters[0]?.counters ?? {})).toHaveLength(17)
    expect(r.counters[1]?.counters.port_xmit_wait).toBe(3846)
    expect(r.verdicts.map((v) => v.health)).toEqual(['healthy', 'healthy'])
    expect(r.warnings).toEqual([])
    expect(r.extra).toMatchObject({
      form: 'ttar',
      devices: { mlx4_0: { boardId: 'SM_1141000001000' } },
    })
  })

  it('keeps mlx4 counters_ext beside counters, and the saturated 32-bit port_xmit_wait as read', () => {
    const r = parser.parse(readNet(exporterMlx4))
    const port1 = r.counters.find((c) => c.port === 'mlx4_0/1')?.counters ?? {}
    expect(Object.keys(port1)).toHaveLength(24)
    expect(port1).toMatchObject({
      port_xmit_wait: 4294967295,
      port_rcv_data: 4631917,
      port_rcv_data_64: expect.any(Number) as number,
      port_unicast_xmit_packets: expect.any(Number) as number,
    })
    expect(r.counters.find((c) => c.port === 'mlx4_0/2')?.counters).toHaveProperty(
      'port_xmit_data_64',
    )
    expect(r.nics.map((n) => `${n.device}/${n.port} ${n.rateGbps}`)).toEqual([
      'mlx4_0/1 40',
      'mlx4_0/2 40',
    ])
  })

  it('reads the Omni-Path hfi1 port: the board id as model, rate 100, link layer InfiniBand', () => {
    const r = parser.parse(readNet(hfi1))
    expect(r.nics).toEqual([
      expect.objectContaining({
        device: 'hfi1_0',
        port: 1,
        linkLayer: 'IB',
        rateGbps: 100,
        firmware: '1.27.0',
        model: 'HPE 100Gb 1-port OP101 QSFP28 x16 PCIe Gen3 with Intel Omni-Path Adapter',
      }),
    ])
    expect(r.counters[0]?.counters).toMatchObject({ port_rcv_data: 345091702026 })
  })

  it('leaves i40iw counters that read "N/A (no PMA)" out, with one warning, and calls it iWARP', () => {
    const r = parser.parse(readNet(i40iw))
    expect(r.counters).toEqual([])
    const na = r.warnings.filter((w) => w.includes('N/A (no PMA)'))
    expect(na).toHaveLength(1)
    expect(na[0]).toContain('i40iw0/1 (17,')
    expect(r.nics[0]).toMatchObject({ device: 'i40iw0', linkLayer: 'iWARP', rateGbps: 10 })
    expect(
      r.warnings.some((w) => w.includes('iWARP device whose link_layer says "InfiniBand"')),
    ).toBe(true)
  })
})

describe('sysfs-infiniband: grep -r dumps', () => {
  it('reads the same ports and counters from the grep form of a fixture', () => {
    for (const file of [procfsMlx4, exporterMlx4, hfi1]) {
      const fromTtar = parser.parse(readNet(file))
      const fromGrep = parser.parse(asGrep(readNet(file)))
      expect(fromGrep.nics, file).toEqual(fromTtar.nics)
      expect(fromGrep.counters, file).toEqual(fromTtar.counters)
      expect(fromGrep.extra).toMatchObject({ form: 'grep' })
    }
  })

  it('reads mlx5 hw_counters, GUIDs, the netdev and device-wide counters; skips lifespan', () => {
    const text = [
      '/sys/class/infiniband/mlx5_0/fw_ver:28.41.1000',
      '/sys/class/infiniband/mlx5_0/hca_type:MT4129',
      '/sys/class/infiniband/mlx5_0/board_id:MT_0000000838',
      '/sys/class/infiniband/mlx5_0/node_guid:58a2:e103:00a7:820e',
      '/sys/class/infiniband/mlx5_0/ports/1/state:4: ACTIVE',
      '/sys/class/infiniband/mlx5_0/ports/1/phys_state:5: LinkUp',
      '/sys/class/infiniband/mlx5_0/ports/1/rate:400 Gb/sec (4X NDR)',
      '/sys/class/infiniband/mlx5_0/ports/1/link_layer:InfiniBand',
      '/sys/class/infiniband/mlx5_0/ports/1/counters/port_xmit_wait:123',
      '/sys/class/infiniband/mlx5_0/ports/1/hw_counters/out_of_sequence:7',
      '/sys/class/infiniband/mlx5_0/ports/1/hw_counters/lifespan:10',
      '/sys/class/infiniband/mlx5_0/hw_counters/some_new_counter:5',
      '/sys/class/infiniband/mlx5_2/ports/1/link_layer:Ethernet',
      '/sys/class/infiniband/mlx5_2/ports/1/gids/0:fe80:0000:0000:0000:0e42:a1ff:fe7d:dfc8',
      '/sys/class/infiniband/mlx5_2/ports/1/gid_attrs/ndevs/0:ens1f0np0',
      'grep: /sys/class/infiniband/mlx5_2/ports/1/gid_attrs/ndevs/3: Invalid argument',
    ].join('\n')
    const r = parser.parse(text)
    expect(r.nics[0]).toEqual({
      device: 'mlx5_0',
      port: 1,
      linkLayer: 'IB',
      state: 'active',
      physicalState: 'linkup',
      rateGbps: 400,
      firmware: '28.41.1000',
      netdev: null,
      guid: '0x58a2e10300a7820e',
      model: 'MT4129',
    })
    expect(r.nics[1]).toMatchObject({ device: 'mlx5_2', linkLayer: 'RoCE', netdev: 'ens1f0np0' })
    expect(r.nics[1]?.guid).toBe('0x0e42a1fffe7ddfc8')
    expect(r.counters).toEqual([
      { port: 'mlx5_0/1', counters: { port_xmit_wait: 123, out_of_sequence: 7 } },
      { port: 'mlx5_0', counters: { some_new_counter: 5 } },
    ])
    expect(r.warnings).toEqual(['ignored 1 line(s) that name no sysfs file'])
  })

  it('gives verdicts for ports that are down or not yet active', () => {
    const port = (dev: string, state: string, phys: string): string =>
      `/sys/class/infiniband/${dev}/ports/1/state:${state}\n/sys/class/infiniband/${dev}/ports/1/phys_state:${phys}`
    const r = parser.parse(
      [
        port('mlx5_0', '1: DOWN', '2: Polling'),
        port('mlx5_1', '2: INIT', '5: LinkUp'),
        port('mlx5_2', '4: ACTIVE', '5: LinkUp'),
      ].join('\n'),
    )
    // the same rules as ibstat's (ib-port.ts): not Active is failed, Init with the link up says
    // the subnet manager is missing; an Active LinkUp port is healthy at its rate
    expect(r.verdicts).toEqual([
      expect.objectContaining({ device: 'mlx5_0', port: 1, health: 'failed' }),
      expect.objectContaining({ device: 'mlx5_1', port: 1, health: 'failed' }),
      expect.objectContaining({ device: 'mlx5_2', port: 1, health: 'healthy' }),
    ])
    expect(r.verdicts[0]?.reason).toMatch(/^port down \(physical state polling\)/i)
    expect(r.verdicts[1]?.reason).toMatch(/no subnet manager has activated it/)
  })
})

describe('sysfs-infiniband: what it cannot read', () => {
  it('says so at line 1 when no file of the tree is named', () => {
    expect(() => parser.parse('hello\nworld')).toThrow(
      'sysfs-infiniband: line 1: no /sys/class/infiniband file',
    )
  })

  it('names the line of a ttar Path without Lines', () => {
    const text = 'Path: sys/class/infiniband/mlx4_0/fw_ver\nnot a count\n'
    expect(() => parser.parse(text)).toThrow(ZhisuanError)
    expect(() => parser.parse(text)).toThrow('sysfs-infiniband: line 2: expected "Lines: N"')
  })

  it("keeps a ttar block cut short, with a warning, and strips ttar's EOF marker", () => {
    const text = [
      'Path: sys/class/infiniband/mlx5_0/node_guid',
      'Lines: 1',
      '58a2:e103:00a7:820eEOF',
      'Mode: 644',
      'Path: sys/class/infiniband/mlx5_0/ports/1/counters/symbol_error',
      'Lines: 1',
    ].join('\n')
    const r = parser.parse(text)
    expect(r.nics[0]?.guid).toBe('0x58a2e10300a7820e')
    expect(r.warnings.some((w) => w.includes('cut short (0 of 1 lines)'))).toBe(true)
  })
})
