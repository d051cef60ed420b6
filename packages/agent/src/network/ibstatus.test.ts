import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { ibstatusParser as parser } from './ibstatus.js'

const azure = 'ibstatus--leptonai-gpud--a100-azure-hdr.txt'

describe('ibstatus', () => {
  it('reads 8 Azure HDR ports at 200 and the Ethernet port at 40, GUIDs from the default GID', () => {
    const r = parser.parse(readNet(azure))
    expect(r.warnings).toEqual([])
    expect(r.nics).toHaveLength(9)
    expect(r.nics[0]).toEqual({
      device: 'mlx5_0',
      port: 1,
      linkLayer: 'IB',
      state: 'active',
      physicalState: 'linkup',
      rateGbps: 200,
      firmware: null,
      netdev: null,
      guid: '0x00155dfffd3411eb', // the Port GUID ibstat prints on the same host type
      model: null,
    })
    // `default gid: unknown` gives no GUID
    expect(r.nics[8]).toMatchObject({
      device: 'mlx5_8',
      linkLayer: 'RoCE',
      rateGbps: 40,
      guid: null,
    })
    expect(r.extra?.lids).toContainEqual({ device: 'mlx5_0', port: 1, baseLid: 0x33bf, smLid: 1 })
  })

  it('judges ports by link layer: the 40 Gb/s Ethernet port is not a slow IB port', () => {
    const r = parser.parse(readNet(azure))
    expect(r.verdicts.map((v) => v.health)).toEqual(Array(9).fill('healthy'))
    expect(r.verdicts[8]?.reason).toBe('active at 40 Gb/s')
  })

  it('fails a port that is down and polling', () => {
    const text = readNet(azure)
      .replace('4: ACTIVE', '1: DOWN')
      .replace('5: LinkUp', '2: Polling')
      .replace('200 Gb/sec (4X HDR)', '10 Gb/sec (4X)')
    const r = parser.parse(text)
    expect(r.nics[0]).toMatchObject({ state: 'down', physicalState: 'polling', rateGbps: 10 })
    expect(r.verdicts[0]).toMatchObject({
      health: 'failed',
      reason: 'port down (physical state Polling)',
    })
  })

  it('degrades an IB port stuck at 100 among 200s', () => {
    const text = readNet(azure).replace('200 Gb/sec (4X HDR)', '100 Gb/sec (2X HDR)')
    expect(parser.parse(text).verdicts[0]).toMatchObject({
      health: 'degraded',
      reason: 'active at 100 Gb/s, below the 200 Gb/s of other ports like it on this node',
    })
  })

  it('fails on a rate that is not "<N> Gb/sec", naming the line', () => {
    const text = readNet(azure).replace('200 Gb/sec (4X HDR)', 'fast')
    expect(() => parser.parse(text)).toThrow('ibstatus: line 7: rate "fast" is not "<N> Gb/sec"')
  })

  it('fails on a block cut in the middle, and warns of one cut at the end', () => {
    const lines = readNet(azure).split('\n')
    expect(() => parser.parse([...lines.slice(0, 5), ...lines.slice(9)].join('\n'))).toThrow(
      'ibstatus: line 6: block of mlx5_0 port 1 cut short: no phys state, rate',
    )
    const r = parser.parse(lines.slice(0, 14).join('\n'))
    expect(r.nics.map((n) => n.device)).toEqual(['mlx5_0', 'mlx5_1'])
    expect(r.warnings).toEqual(['line 10: output ends inside mlx5_1 port 1 (no phys state, rate)'])
  })

  it('fails without a device line', () => {
    expect(() => parser.parse('state: 4: ACTIVE\n')).toThrow(
      'ibstatus: line 1: no "Infiniband device',
    )
  })
})

describeIbSuites({
  parser,
  own: [azure],
  prefix: 'ibstatus--',
  words: [
    "Infiniband device 'mlx5_0' port 1 status:\n",
    'state: 4: ACTIVE\n',
    'rate: 200 Gb/sec\n',
    ':',
    '\n',
  ],
  pathological: () => [
    `Infiniband device 'a' port 1 status:\n${'rate: 1 Gb/sec\n'.repeat(20000)}state: 4: ACTIVE\n`,
    `Infiniband device '${'x '.repeat(30000)}' port 1 status:\n`,
  ],
})
