import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { ibswinfoParser as parser } from './ibswinfo.js'

const edr = 'ibswinfo--treydock-infiniband_exporter--switchib-edr-msb7790.txt'
const hdr = 'ibswinfo--treydock-infiniband_exporter--quantum-hdr-mqm8790.txt'

describe('ibswinfo', () => {
  it('reads a Quantum HDR switch: inventory, PSUs, temperature and 9 fans, all OK', () => {
    const r = parser.parse(readNet(hdr))
    expect(r.warnings).toEqual([])
    expect(r.extra).toMatchObject({
      name: 'Quantum Mellanox Technologies',
      partNumber: 'MQM8790-HS2F',
      serialNumber: 'MT2152T10239',
      productName: 'Jaguar Unmng IB 200',
      psid: 'MT_0000000063',
      guid: '0x08c0eb0300d9f672',
      firmware: '27.2010.3118',
      ports: 40,
      uptimeSeconds: 96 * 86400 + 1 * 3600 + 55 * 60 + 47,
      temperatureC: 53,
      maxTemperatureC: 58,
      fanStatus: 'OK',
    })
    expect(r.extra?.psus).toEqual([
      {
        index: 0,
        status: 'OK',
        partNumber: 'MTEF-PSF-AC-C',
        serialNumber: 'MT2150T22468',
        dcPower: 'OK',
        fanStatus: 'OK',
        powerW: 154,
      },
      expect.objectContaining({ index: 1, serialNumber: 'MT2150T22467', powerW: 134 }),
    ])
    const fans = r.extra?.fans as { index: number; rpm: number }[]
    expect(fans.map((f) => f.rpm)).toEqual([6125, 5251, 6013, 5335, 6068, 5423, 5854, 5467, 5906])
    expect(r.verdicts).toEqual([
      {
        device: 'Quantum Mellanox Technologies',
        port: null,
        health: 'healthy',
        reason: 'PSUs and fans OK, 53 °C',
      },
    ])
  })

  it('degrades a SwitchIB EDR switch whose fan status is ERROR', () => {
    const r = parser.parse(readNet(edr))
    expect(r.extra).toMatchObject({
      partNumber: 'MSB7790-ES2F',
      firmware: '11.2008.2102',
      temperatureC: 45,
      fanStatus: 'ERROR',
    })
    expect(r.verdicts).toEqual([
      {
        device: 'SwitchIB Mellanox Technologies',
        port: null,
        health: 'degraded',
        reason: 'fan status ERROR',
      },
    ])
  })

  it('degrades a switch with a PSU in ERROR, naming the PSU and what failed', () => {
    const text = readNet(hdr)
      .replace('PSU1 status        | OK', 'PSU1 status        | ERROR')
      .replace(/(PSU1[\s\S]*?DC power {6}\| )OK/, '$1ERROR')
    expect(parser.parse(text).verdicts[0]).toMatchObject({
      health: 'degraded',
      reason: 'PSU1 status ERROR; PSU1 DC power ERROR',
    })
  })

  it('reads `-o status` and `-o vitals` (key : value, dotted keys)', () => {
    const status =
      'psu0.status        : OK\npsu0.dc            : OK\npsu0.fan           : ERROR\nfans               : OK\n'
    expect(parser.parse(status).verdicts).toEqual([
      { device: 'switch', port: null, health: 'degraded', reason: 'PSU0 fan status ERROR' },
    ])
    const vitals =
      'uptime (sec)       : 120\npsu0.power (W)     : 70\ncur.temp (C)       : 41\nmax.temp (C)       : 50\nfan#1.speed (rpm)  : 8000\n'
    expect(parser.parse(vitals).extra).toMatchObject({
      uptimeSeconds: 120,
      temperatureC: 41,
      maxTemperatureC: 50,
      fans: [{ index: 1, rpm: 8000 }],
      psus: [expect.objectContaining({ index: 0, powerW: 70 })],
    })
  })

  it('fails on a fan speed that is not a number, naming the line', () => {
    const text = readNet(edr).replace('| 8493', '| fast')
    expect(() => parser.parse(text)).toThrow(
      'ibswinfo: line 32: fan#1 (rpm) "fast" is not a number',
    )
    expect(() => parser.parse('====\nnothing here\n')).toThrow(
      'ibswinfo: line 1: no "key | value" line',
    )
  })
})

describeIbSuites({
  parser,
  own: [edr, hdr],
  prefix: 'ibswinfo',
  words: [
    '=====\n',
    '-----\n',
    'PSU0 status',
    '     DC power',
    'fan#1 (rpm)',
    ' | ',
    ' : ',
    'OK',
    'ERROR',
    '12',
    '\n',
  ],
  pathological: () => [
    'fan#1 (rpm) | 1\n'.repeat(20000),
    `PSU0 status | ${'|'.repeat(60000)}\n`,
    `${' : '.repeat(20000)}\n`,
  ],
})
