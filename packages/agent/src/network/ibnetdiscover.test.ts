import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { ibnetdiscoverParser as parser } from './ibnetdiscover.js'

const edr = 'ibnetdiscover--treydock-infiniband_exporter--ports-edr-fabric.txt'
const hdr = 'ibnetdiscover--treydock-infiniband_exporter--ports-hdr-sharp-aggnode.txt'

describe('ibnetdiscover --ports', () => {
  it('reads an EDR fabric: each link once, though both of its ends list it', () => {
    const r = parser.parse(readNet(edr))
    expect(r.warnings).toEqual([])
    expect(r.nics).toEqual([])
    expect(r.extra?.links).toEqual([
      {
        fromGuid: '0x7cfe9003003b4bde',
        fromPort: 1,
        toGuid: '0x7cfe9003009ce5b0',
        toPort: 10,
        width: '4x',
        speed: 'EDR',
        rateGbps: 100,
        fromName: 'o0001 HCA-1',
        toName: 'ib-i1l1s01',
      },
      expect.objectContaining({ fromName: 'o0002 HCA-1', toPort: 11 }),
      expect.objectContaining({ fromName: 'p0001 HCA-1', toName: 'ib-i4l1s01', toPort: 35 }),
      expect.objectContaining({
        fromName: 'ib-i1l1s01',
        toName: 'ib-i1l2s01',
        fromPort: 1,
        toPort: 1,
      }),
    ])
  })

  it('lists the switches and HCAs, and the ports without a peer (`4x ???`, an SDR port)', () => {
    const r = parser.parse(readNet(edr))
    const nodes = r.extra?.nodes as { type: string; name: string; lid: number }[]
    expect(nodes.filter((n) => n.type === 'SW').map((n) => [n.name, n.lid])).toEqual([
      ['ib-i1l1s01', 1719],
      ['ib-i4l1s01', 2052],
      ['ib-i1l2s01', 1516],
      ['ib-i7l2s01', 1781],
    ])
    expect(nodes.filter((n) => n.type === 'CA')).toHaveLength(3)
    expect(r.extra?.unlinked).toEqual([
      { guid: '0x506b4b03005c2740', port: 37, width: '4x', speed: '???', name: 'ib-i4l1s01' },
      { guid: '0x08c0eb0300add20e', port: 80, width: '4x', speed: 'SDR', name: 'ib-i7l2s01' },
    ])
    expect(r.verdicts).toEqual([])
  })

  it('reads an HDR fabric with a SHARP aggregation node; names lose their stray spaces', () => {
    const r = parser.parse(readNet(hdr))
    const links = r.extra?.links as { fromName: string; toName: string; rateGbps: number }[]
    expect(links.map((l) => [l.fromName, l.toName, l.rateGbps])).toEqual([
      ['Mellanox Technologies Aggregation Node', '5FB0405-leaf-IB01', 200],
      ['worker20 mlx5_3', '5FB0405-leaf-IB01', 200],
      ['5FB0406-spine-IB03', 'Mellanox Technologies Aggregation Node', 200],
    ])
    const nodes = r.extra?.nodes as { guid: string; name: string }[]
    expect(nodes.find((n) => n.guid === '0x946dae0300618c83')?.name).toBe('5FB0406-spine-IB02')
    expect(nodes.find((n) => n.guid === '0x0002c9020040f160')?.name).toBe(
      'Infiniscale-IV Mellanox Technologies',
    )
  })

  it('degrades a link that trained narrower than the rest (1x of 4x)', () => {
    const text = readNet(edr).replace(/4x EDR - SW {2}1719 11/, '1x EDR - SW  1719 11')
    const r = parser.parse(text)
    expect(r.verdicts).toEqual([
      {
        device: 'o0002 HCA-1',
        port: 1,
        health: 'degraded',
        reason: 'link to ib-i1l1s01 port 11 at 1x, narrower than the 4x of other links',
      },
    ])
    expect(r.warnings).toEqual([
      'line 5: the two ends of 0x7cfe9003009ce5b0/11 disagree: 1x EDR vs 4x EDR',
    ])
  })

  it('fails on a line that is not a port line, naming it', () => {
    const text = `${readNet(edr)}SW 1719 x 0x7cfe9003009ce5b0 4x EDR 'a'\n`
    expect(() => parser.parse(text)).toThrow('ibnetdiscover: line 11: not a --ports line')
    expect(() => parser.parse('Switch 36 "S-0002c9"\n')).toThrow('ibnetdiscover: line 1:')
    expect(() => parser.parse('\n# nothing\n')).toThrow('ibnetdiscover: line 1: no --ports line')
  })
})

describeIbSuites({
  parser,
  own: [edr, hdr],
  prefix: 'ibnetdiscover',
  words: [
    'CA ',
    'SW ',
    ' 134 ',
    ' 1 ',
    '0x7cfe9003003b4bde',
    ' 4x ',
    'EDR',
    ' - ',
    " ( '",
    "' - '",
    "' )",
    "'",
    '\n',
  ],
  pathological: () => [
    "SW 1 1 0x1 4x EDR - CA 2 1 0x2 ( 'a' - 'b' )\n".repeat(20000),
    `SW 1 1 0x1 4x EDR - CA 2 1 0x2 ( '${"' - '".repeat(12000)}' )\n`,
    `SW 1 1 0x1 4x EDR '${' '.repeat(60000)})\n`,
  ],
})
