import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { perfqueryParser as parser } from './perfquery.js'

const sw = 'perfquery--treydock-infiniband_exporter--x-switch-edr-allports.txt'
const hca = 'perfquery--treydock-infiniband_exporter--x-hca-edr.txt'
const rcv = 'perfquery--treydock-infiniband_exporter--E-rcv-error-details-switch.txt'

describe('perfquery', () => {
  it('reads -x of every switch port as one sample per <lid>/<port>, every counter kept', () => {
    const r = parser.parse(readNet(sw))
    expect(r.warnings).toEqual([])
    expect(r.counters.map((c) => c.port)).toEqual(['1719/1', '1719/2'])
    expect(r.counters[0]?.counters).toMatchObject({
      PortSelect: 1,
      CounterSelect: 0,
      PortXmitData: 36298026860928,
      PortRcvData: 12279028775751,
      PortXmitWait: 22730501,
      SymbolErrorCounter: 0,
      QP1Dropped: 0,
    })
    expect(Object.keys(r.counters[0]?.counters ?? {})).toHaveLength(25)
    expect(r.counters[1]?.counters.PortXmitWait).toBe(36510964)
    expect(r.verdicts).toEqual([])
  })

  it('reads -x of an HCA port', () => {
    const r = parser.parse(readNet(hca))
    expect(r.counters).toHaveLength(1)
    expect(r.counters[0]).toMatchObject({
      port: '134/1',
      counters: { PortXmitData: 9049592493976, PortMulticastRcvPkts: 3732158589, PortXmitWait: 0 },
    })
  })

  it('reads -E (PortRcvErrorDetails), and merges it with -x of the same port', () => {
    const r = parser.parse(readNet(rcv))
    expect(r.counters).toEqual([
      {
        port: '1719/1',
        counters: {
          PortSelect: 1,
          CounterSelect: 0,
          PortLocalPhysicalErrors: 0,
          PortMalformedPktErrors: 0,
          PortBufferOverrunErrors: 0,
          PortDLIDMappingErrors: 0,
          PortVLMappingErrors: 0,
          PortLoopingErrors: 0,
        },
      },
    ])
    const both = parser.parse(readNet(sw) + readNet(rcv))
    expect(both.counters.map((c) => c.port)).toEqual(['1719/1', '1719/2'])
    expect(both.counters[0]?.counters).toMatchObject({
      PortXmitWait: 22730501,
      PortLoopingErrors: 0,
    })
    expect(both.warnings).toEqual([])
  })

  it('warns of a counter past 2^53, which a number cannot hold exactly', () => {
    const text = readNet(hca).replace('9049592493976', '18446744073709551615')
    expect(parser.parse(text).warnings).toEqual([
      'line 4: PortXmitData 18446744073709551615 is past 2^53 and loses precision',
    ])
  })

  it('fails on a value that is not a number, or a counter before any header, naming the line', () => {
    const text = readNet(hca).replace(
      'PortRcvData:.....................9752484588300',
      'PortRcvData:.....................lots',
    )
    expect(() => parser.parse(text)).toThrow(
      'perfquery: line 5: PortRcvData "lots" is not a number',
    )
    expect(() => parser.parse('\nPortXmitData:....1\n')).toThrow(
      'perfquery: line 2: counter before any',
    )
    expect(() => parser.parse('# Port counters: Lid 1\n')).toThrow(
      'perfquery: line 1: header names no port',
    )
    expect(() => parser.parse('nothing\n')).toThrow('perfquery: line 1: not a "Counter:....value"')
    expect(() => parser.parse('')).toThrow('perfquery: line 1: no "# … counters')
  })
})

describeIbSuites({
  parser,
  own: [sw, hca, rcv],
  prefix: 'perfquery',
  words: [
    '# Port extended counters: Lid 1719 port 1\n',
    'PortXmitData:',
    '....',
    '123',
    '0x00',
    'ibwarn: x\n',
    '\n',
  ],
  pathological: () => [
    `# Port counters: Lid 1 port 1\n${'PortXmitData:....1\n'.repeat(20000)}`,
    `# ${'counters '.repeat(7000)}: Lid 1 port 1\n`,
    `# counters: ${'port '.repeat(12000)}\n`,
  ],
})
