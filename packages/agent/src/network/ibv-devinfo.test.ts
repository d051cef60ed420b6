import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { ibvDevinfoParser as parser } from './ibv-devinfo.js'

const bond = 'ibv_devinfo--nvidia-nccl-issue426--mlx5_bond_0-roce-cx5.txt'
const qedr = 'ibv_devinfo-v--openucx-ucx-issue5148--qedr0-marvell-fastlinq-TRUNCATED.txt'
const cx6 = 'ibv_devinfo-vv--openucx-ucx-issue5732--cx6-hpe-mlx5_1-mofed-TRUNCATED.txt'

/** A `-v` port block, space-indented as rdma-core prints it, for what the fixtures cut off. */
function verbosePort(state: string, phys: string, width: string, speed: string): string {
  return [
    '                port:   1',
    `                        state:                  ${state}`,
    '                        max_mtu:                4096 (5)',
    '                        active_mtu:             4096 (5)',
    '                        sm_lid:                 1',
    '                        port_lid:               134',
    '                        link_layer:             InfiniBand',
    '                        port_cap_flags:         0x2651e848',
    `                        active_width:           ${width}`,
    `                        active_speed:           ${speed}`,
    `                        phys_state:             ${phys}`,
    '                        GID[  0]:               fe80:0000:0000:0000:b883:03ff:ffa3:f05c',
    '',
  ].join('\n')
}

const withPort = (port: string): string =>
  readNet(cx6).replace('$ ibv_devinfo -vv\n', '') + (readNet(cx6).endsWith('\n') ? '' : '\n') + port

describe('ibv_devinfo', () => {
  it('reads the tab-indented CX-5 RoCE LAG bond: active, MTU 1024 of 4096', () => {
    const r = parser.parse(readNet(bond))
    expect(r.warnings).toEqual([])
    expect(r.nics).toEqual([
      {
        device: 'mlx5_bond_0',
        port: 1,
        linkLayer: 'RoCE',
        state: 'active',
        physicalState: 'unknown',
        rateGbps: null,
        firmware: '16.28.2006',
        netdev: null,
        guid: null,
        model: 'MT4119',
      },
    ])
    expect(r.verdicts).toEqual([
      { device: 'mlx5_bond_0', port: 1, health: 'healthy', reason: 'active (rate not reported)' },
    ])
    expect(r.extra?.ports).toEqual([
      { device: 'mlx5_bond_0', port: 1, activeMtu: 1024, maxMtu: 4096, lid: 0, smLid: 0 },
    ])
    expect(r.extra?.devices).toEqual([
      {
        device: 'mlx5_bond_0',
        transport: 'InfiniBand (0)',
        firmware: '16.28.2006',
        model: 'MT4119',
        nodeGuid: '0x0c42a1030023ac92',
        systemImageGuid: '0x0c42a1030023ac92',
        boardId: 'MT_0000000012',
        portCount: 1,
      },
    ])
  })

  it('reads the space-indented Marvell qedr -v output cut before its port, with a warning', () => {
    const r = parser.parse(readNet(qedr))
    expect(r.nics).toEqual([])
    expect(r.extra?.devices).toEqual([
      expect.objectContaining({
        device: 'qedr0',
        firmware: '8.37.7.0',
        model: '0x1077:32880',
        nodeGuid: '0xf6e9d4fffe61b108',
        portCount: 1,
      }),
    ])
    expect(r.warnings).toEqual(['output ends early: qedr0 lists 0 of its 1 port(s)'])
  })

  it('reads the MLNX_OFED -vv CX-6 output (flag lists, colonless lines) cut before its port', () => {
    const r = parser.parse(readNet(cx6))
    expect(r.extra?.devices).toEqual([
      expect.objectContaining({
        device: 'mlx5_1',
        firmware: '20.27.6202',
        model: 'MT4123',
        boardId: 'HPE0000000051',
        nodeGuid: '0xb88303ffffa3f05c',
      }),
    ])
    expect(r.warnings).toEqual(['output ends early: mlx5_1 lists 0 of its 1 port(s)'])
  })

  it('reads a -v port: rate = width × lane speed, physical state, GUID from GID 0', () => {
    const r = parser.parse(
      withPort(verbosePort('PORT_ACTIVE (4)', 'LINK_UP (5)', '4X (2)', '50.0 Gbps (64)')),
    )
    expect(r.warnings).toEqual([])
    expect(r.nics[0]).toEqual({
      device: 'mlx5_1',
      port: 1,
      linkLayer: 'IB',
      state: 'active',
      physicalState: 'linkup',
      rateGbps: 200,
      firmware: '20.27.6202',
      netdev: null,
      guid: '0xb88303ffffa3f05c',
      model: 'MT4123',
    })
    expect(r.verdicts[0]?.reason).toBe('active at 200 Gb/s')
  })

  it('fails a port that is PORT_DOWN with phys_state POLLING', () => {
    const r = parser.parse(
      withPort(verbosePort('PORT_DOWN (1)', 'POLLING (2)', '4X (2)', '2.5 Gbps (1)')),
    )
    expect(r.nics[0]).toMatchObject({ state: 'down', physicalState: 'polling', rateGbps: 10 })
    expect(r.verdicts[0]).toMatchObject({
      health: 'failed',
      reason: 'port down (physical state Polling)',
    })
  })

  it('makes every port of an iWARP transport iWARP', () => {
    const text = withPort(verbosePort('PORT_ACTIVE (4)', 'LINK_UP (5)', '4X (2)', '25.0 Gbps (32)'))
      .replace('InfiniBand (0)', 'iWARP (1)')
      .replace('link_layer:             InfiniBand', 'link_layer:             Ethernet')
    expect(parser.parse(text).nics[0]?.linkLayer).toBe('iWARP')
  })

  it('fails on an active_speed that is not "<N> Gbps", naming the line', () => {
    const text = withPort(verbosePort('PORT_ACTIVE (4)', 'LINK_UP (5)', '4X (2)', 'fast'))
    const line = text.split('\n').findIndex((l) => l.includes('active_speed')) + 1
    expect(() => parser.parse(text)).toThrow(
      `ibv_devinfo: line ${line}: active_speed "fast" is not "<N> Gbps"`,
    )
  })

  it('fails on a device cut in the middle of the output, naming the next hca_id', () => {
    const text = `${readNet(qedr)}${readNet(bond)}`
    const line = text.split('\n').findIndex((l) => l.startsWith('hca_id:\tmlx5_bond_0')) + 1
    expect(() => parser.parse(text)).toThrow(
      `ibv_devinfo: line ${line}: record cut short: qedr0 lists 0 of its 1 port(s)`,
    )
  })

  it('reports "No IB devices found" as no ports, and fails on text without hca_id', () => {
    expect(parser.parse('No IB devices found\n')).toMatchObject({
      nics: [],
      warnings: ['line 1: no IB devices found'],
    })
    expect(() => parser.parse('transport: InfiniBand\n')).toThrow(
      'ibv_devinfo: line 1: no "hca_id:" line',
    )
  })
})

describeIbSuites({
  parser,
  own: [bond, qedr, cx6],
  prefix: 'ibv_devinfo',
  words: [
    'hca_id:\tmlx5_0\n',
    '\tphys_port_cnt:\t2\n',
    '\t\tport:\t1\n',
    'state: PORT_ACTIVE (4)\n',
    'active_speed: 1 Gbps\n',
    'active_width: 4X\n',
    ':',
    '\n',
  ],
  pathological: () => [
    `hca_id: a\n${'\t\tport:\t1\n\t\t\tstate: PORT_ACTIVE (4)\n'.repeat(10000)}`,
    `hca_id: a\n\tport: 1\n\tstate: x\n\tactive_width: ${'4'.repeat(60000)}X\n\tactive_speed: 1 Gbps\n`,
  ],
})
