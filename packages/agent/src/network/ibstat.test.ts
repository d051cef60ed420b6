import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { ibstatParser as parser } from './ibstat.js'

const ndr = 'ibstat--leptonai-gpud--h100-cx7-ib-ndr400-all-active.txt'
const roce = 'ibstat--leptonai-gpud--h100-cx7-roce400-plus-cx6dx.txt'
const vf = 'ibstat--leptonai-gpud--a100-cx6dx-roce200.txt'
const panic = 'ibstat--leptonai-gpud--a100-azure-cx6vf-hdr-ibpanic.txt'
const bnxt = 'ibstat--openucx-ucx-issue11048--bnxt_re-broadcom-TRUNCATED.txt'

/** A two-port mlx4 ibstat built to the format, for states the fixtures do not show. */
function mlx4(port1: string[], port2: string[]): string {
  const port = (n: number, [state = 'Active', phys = 'LinkUp', rate = '56']: string[]) =>
    `\tPort ${n}:\n\t\tState: ${state}\n\t\tPhysical state: ${phys}\n\t\tRate: ${rate}\n` +
    `\t\tBase lid: ${n}\n\t\tPort GUID: 0x0002c90300a1b2c${n}\n\t\tLink layer: InfiniBand\n`
  return (
    "CA 'mlx4_0'\n\tCA type: MT4099\n\tNumber of ports: 2\n\tFirmware version: 2.42.5000\n" +
    `\tNode GUID: 0x0002c90300a1b2c0\n${port(1, port1)}${port(2, port2)}`
  )
}

describe('ibstat', () => {
  it('reads 8 CX-7 (MT4129) IB ports at 400 and a BlueField-3 RoCE bond at 200, all healthy', () => {
    const r = parser.parse(readNet(ndr))
    expect(r.warnings).toEqual([])
    expect(r.nics.map((n) => n.device)).toEqual([
      'mlx5_0',
      'mlx5_1',
      'mlx5_4',
      'mlx5_5',
      'mlx5_6',
      'mlx5_7',
      'mlx5_8',
      'mlx5_9',
      'mlx5_bond_0',
    ])
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
    expect(r.nics[8]).toMatchObject({
      linkLayer: 'RoCE',
      rateGbps: 200,
      model: 'MT41692',
      firmware: '32.38.3056',
      guid: '0x201d97fffe0056cf',
    })
    // the bond is another model, so its 200 is not "half of 400"
    expect(r.verdicts.map((v) => v.health)).toEqual(Array(9).fill('healthy'))
    expect(r.verdicts[0]).toEqual({
      device: 'mlx5_0',
      port: 1,
      health: 'healthy',
      reason: 'active at 400 Gb/s',
    })
  })

  it('reads tab-indented CX-7 RoCE 400 beside CX-6 Dx (MT4125) at 100; a zero Port GUID is none', () => {
    const r = parser.parse(readNet(roce))
    expect(r.nics).toHaveLength(12)
    const cx6 = r.nics.filter((n) => n.model === 'MT4125')
    expect(cx6.map((n) => n.device)).toEqual(['mlx5_1', 'mlx5_2', 'mlx5_7', 'mlx5_8'])
    expect(cx6.every((n) => n.rateGbps === 100 && n.guid === null)).toBe(true)
    expect(cx6[0]?.firmware).toBe('22.39.1002')
    expect(r.nics.every((n) => n.linkLayer === 'RoCE')).toBe(true)
    expect(r.verdicts.every((v) => v.health === 'healthy')).toBe(true)
  })

  it('keeps node GUIDs and LIDs in extra', () => {
    const r = parser.parse(readNet(vf))
    expect(r.extra?.devices).toContainEqual({
      device: 'mlx5_1',
      nodeGuid: '0x6b9d7f2c99902a63',
      systemImageGuid: '0x946dae03009377da',
      hardwareVersion: '0',
      portCount: 1,
    })
    expect(r.extra?.lids).toContainEqual({ device: 'mlx5_1', port: 1, baseLid: 1369, smLid: 83 })
  })

  it('reads the devices before an ibpanic and fails the device it names', () => {
    const r = parser.parse(readNet(panic))
    expect(r.nics).toHaveLength(8)
    expect(r.nics.every((n) => n.model === 'MT4124' && n.rateGbps === 200)).toBe(true)
    expect(r.nics[0]?.guid).toBe('0x00155dfffd3411eb')
    expect(r.verdicts.at(-1)).toEqual({
      device: 'mlx5_8',
      port: null,
      health: 'failed',
      reason: "ibstat failed: stat of IB device 'mlx5_8' failed: No such file or directory",
    })
    expect(r.warnings).toEqual([
      "line 137: ibpanic: [1400444] main: stat of IB device 'mlx5_8' failed: No such file or directory",
    ])
  })

  it('reads the Broadcom bnxt_re record cut after its Capability mask, with a warning', () => {
    const r = parser.parse(readNet(bnxt))
    expect(r.nics).toEqual([
      {
        device: 'bnxt_re0',
        port: 1,
        linkLayer: 'RoCE', // bnxt_re speaks only RoCE; the cut lost the Link layer line
        state: 'active',
        physicalState: 'linkup',
        rateGbps: 100,
        firmware: '231.0.154.0',
        netdev: null,
        guid: null,
        model: 'Broadcom NetXtreme-C/E RoCE Driver HCA',
      },
    ])
    expect(r.warnings).toEqual([
      "output ends early: port 1 of CA 'bnxt_re0' has no Port GUID, Link layer",
    ])
  })

  it('skips ibwarn debug lines wherever they fall', () => {
    const text = readNet(ndr)
      .split('\n')
      .flatMap((l, i) => (i % 7 === 3 ? [`ibwarn: [4242] umad_get_port: debug ${i}`, l] : [l]))
      .join('\n')
    const r = parser.parse(text)
    expect(r.nics).toEqual(parser.parse(readNet(ndr)).nics)
    expect(r.warnings).toEqual(['22 "ibwarn:" debug line(s) skipped'])
  })

  it('skips the command echoed above the output (prompt or set -x), and warns of other text', () => {
    const text = readNet(ndr)
    expect(parser.parse(`$ sudo ibstat\n${text}`).warnings).toEqual([])
    expect(parser.parse(`+ ibstat\n${text}`).warnings).toEqual([])
    expect(parser.parse(`hello\n${text}`).warnings).toEqual([
      'line 1: text before the first CA ignored',
    ])
  })

  it('fails a port that is down, naming its physical state; keeps the active one healthy', () => {
    const r = parser.parse(mlx4(['Down', 'Polling', '10'], []))
    expect(r.verdicts).toEqual([
      { device: 'mlx4_0', port: 1, health: 'failed', reason: 'port down (physical state Polling)' },
      { device: 'mlx4_0', port: 2, health: 'healthy', reason: 'active at 56 Gb/s' },
    ])
    expect(r.nics[0]).toMatchObject({ state: 'down', physicalState: 'polling' })
  })

  it('fails an Initializing or Armed port that is LinkUp, saying no subnet manager activated it', () => {
    const r = parser.parse(mlx4(['Initializing'], ['Armed']))
    expect(r.nics.map((n) => n.state)).toEqual(['init', 'armed'])
    expect(r.verdicts.map((v) => [v.health, v.reason])).toEqual([
      [
        'failed',
        'port initializing (physical state LinkUp): the link is up but no subnet manager has activated it',
      ],
      [
        'failed',
        'port armed (physical state LinkUp): the link is up but no subnet manager has activated it',
      ],
    ])
  })

  it('fails a port in a state it does not know, quoting it', () => {
    const r = parser.parse(mlx4([], ['Active', 'LinkErrorRecovery']))
    expect(r.verdicts[1]).toMatchObject({
      health: 'failed',
      reason: 'port active but physical state "LinkErrorRecovery"',
    })
  })

  it('degrades an active port stuck at half the rate of its peers, naming both rates', () => {
    const text = readNet(ndr).replace(/Rate: 400/, 'Rate: 200')
    const r = parser.parse(text)
    expect(r.verdicts[0]).toEqual({
      device: 'mlx5_0',
      port: 1,
      health: 'degraded',
      reason: 'active at 200 Gb/s, below the 400 Gb/s of other MT4129 ports on this node',
    })
    expect(r.verdicts.filter((v) => v.health === 'degraded')).toHaveLength(1)
  })

  it('compares a VF id (MT4126) only within its firmware family', () => {
    // the CX-6 Dx VF (22.x) at 100 is not "below" the CX-7 VFs (28.x) at 200
    const text = readNet(vf).replace('Rate: 200', 'Rate: 100')
    expect(parser.parse(text).verdicts.every((v) => v.health === 'healthy')).toBe(true)
    const slowCx7 = readNet(vf).replace(/(Firmware version: 28[\s\S]*?)Rate: 200/, '$1Rate: 100')
    expect(parser.parse(slowCx7).verdicts[1]?.health).toBe('degraded')
  })

  it('fails on a rate that is not a number, naming the line', () => {
    const text = readNet(ndr).replace('Rate: 400', 'Rate: fast')
    expect(() => parser.parse(text)).toThrow('ibstat: line 11: Rate "fast" is not a number')
  })

  it('fails on a record cut in the middle of the output, naming the next record', () => {
    const lines = readNet(ndr).split('\n')
    lines.splice(9, 3) // mlx5_0 loses Physical state, Rate and Base lid
    expect(() => parser.parse(lines.join('\n'))).toThrow(
      "ibstat: line 15: record cut short: port 1 of CA 'mlx5_0' has no Physical state, Rate",
    )
    const noPorts = readNet(ndr).split('\n')
    noPorts.splice(7, 10) // mlx5_0 keeps its header but loses its port
    expect(() => parser.parse(noPorts.join('\n'))).toThrow(
      "ibstat: line 8: record cut short: CA 'mlx5_0' lists 0 of its 1 port(s)",
    )
  })

  it('fails without any CA record, or on a line that is not "Key: value"', () => {
    expect(() => parser.parse('hello\n')).toThrow('ibstat: line 1: no "CA \'<name>\'" record')
    expect(() => parser.parse("CA 'x'\n\tgarbage\n")).toThrow('ibstat: line 2: not a "Key: value"')
  })
})

describeIbSuites({
  parser,
  own: [ndr, roce, vf, panic, bnxt],
  prefix: 'ibstat--',
  words: [
    "CA 'mlx5_0'\n",
    '\tPort 1:\n',
    '\t\tState: Active\n',
    'Rate: 400\n',
    'ibwarn: x\n',
    'ibpanic: ',
    ': ',
    '\n',
  ],
  pathological: () => [
    `CA 'a'\n${'\tPort 1:\n\t\tState: Active\n\t\tPhysical state: LinkUp\n\t\tRate: 1\n'.repeat(5000)}`,
    `CA '${"'".repeat(60000)}'\n`,
    `${'ibwarn: '.repeat(20000)}\n`,
  ],
})
