import { describe, expect, it } from 'vitest'
import type { DeviceInventory } from '../inventory.js'
import { cnmonParser } from './cnmon.js'
import { efsmiParser } from './efsmi.js'
import { npuSmiParser } from './npu-smi.js'
import { allFiles, catalog, describeDetectAndTolerance, read } from './robustness.test-support.js'

const parse = (file: string) => cnmonParser.parse(read(`cambricon/${file}`), catalog)
const fixtures = allFiles
  .filter((f) => f.startsWith('cambricon/'))
  .map((f) => f.slice('cambricon/'.length))

const column = <K extends keyof DeviceInventory['devices'][number]>(inv: DeviceInventory, key: K) =>
  inv.devices.map((d) => d[key])

describe('cnmon fixtures', () => {
  it('has the three fixtures the tests below name', () => {
    expect(fixtures.sort()).toEqual([
      'cnmon_mlu370-x4-x2_v5.10.10.txt',
      'cnmon_mlu370-x4-x3_v4.20.11.txt',
      'cnmon_mlu370-x8-x2_v5.10.13.txt',
    ])
  })

  it('MLU370-X8 x2 (5.10.13): the catalog entry', () => {
    const inv = parse('cnmon_mlu370-x8-x2_v5.10.13.txt')
    expect(inv).toMatchObject({
      vendor: 'Cambricon',
      tool: 'cnmon',
      toolVersion: '5.10.13',
      driverVersion: '5.10.13',
      firmwareVersion: '1.1.6',
      warnings: [],
    })
    expect(column(inv, 'index')).toEqual([0, 1])
    expect(column(inv, 'model')).toEqual(['MLU370-X8', 'MLU370-X8'])
    expect(column(inv, 'catalogId')).toEqual(['cambricon-mlu370-x8', 'cambricon-mlu370-x8'])
    expect(column(inv, 'busId')).toEqual(['0000:39:00.0', '0000:3D:00.0'])
    expect(column(inv, 'memoryTotalMiB')).toEqual([23374, 23374])
    expect(column(inv, 'memoryUsedMiB')).toEqual([0, 0])
    expect(column(inv, 'temperatureC')).toEqual([32, 39])
    expect(column(inv, 'powerDrawW')).toEqual([106, 106])
    expect(column(inv, 'powerLimitW')).toEqual([250, 250])
    expect(column(inv, 'utilizationPercent')).toEqual([0, 0])
    expect(column(inv, 'reportedHealth')).toEqual([null, null])
    expect(inv.devices.every((d) => d.health.status === 'ok')).toBe(true)
  })

  it('MLU370-X4 x2 (5.10.10, timestamp line): not the X8 entry', () => {
    const inv = parse('cnmon_mlu370-x4-x2_v5.10.10.txt')
    expect(inv).toMatchObject({ toolVersion: '5.10.10', driverVersion: '5.10.10' })
    expect(column(inv, 'model')).toEqual(['MLU370-X4', 'MLU370-X4'])
    expect(column(inv, 'catalogId')).toEqual([null, null])
    expect(inv.devices[0]?.catalogReason).toContain('not in the catalog')
    expect(inv.devices[0]?.catalogReason).toContain('cambricon-mlu370-x8')
    expect(column(inv, 'busId')).toEqual(['0000:1B:00.0', '0000:36:00.0'])
    expect(column(inv, 'memoryTotalMiB')).toEqual([23308, 23308])
    expect(column(inv, 'powerLimitW')).toEqual([150, 150])
    expect(column(inv, 'temperatureC')).toEqual([41, 41])
  })

  it('MLU370-X4 x3 (4.20.11, v4 layout): driver from the card rows, no bus id', () => {
    const inv = parse('cnmon_mlu370-x4-x3_v4.20.11.txt')
    expect(inv).toMatchObject({
      toolVersion: '4.20.11',
      driverVersion: '4.20.11',
      firmwareVersion: '1.1.6',
      warnings: [],
    })
    expect(column(inv, 'index')).toEqual([0, 1, 2])
    expect(column(inv, 'catalogId')).toEqual([null, null, null])
    expect(column(inv, 'busId')).toEqual([null, null, null])
    expect(column(inv, 'memoryTotalMiB')).toEqual([23308, 23308, 23308])
    expect(column(inv, 'temperatureC')).toEqual([32, 33, 30])
    expect(column(inv, 'powerDrawW')).toEqual([30, 25, 26])
  })

  it('refuses text without a cnmon header', () => {
    expect(() => cnmonParser.parse('hello', catalog)).toThrow(/^cnmon: line 1: no cnmon table/)
  })
})

describeDetectAndTolerance({
  parser: cnmonParser,
  dir: 'cambricon',
  others: [npuSmiParser, efsmiParser],
  words: ['|', 'CNMON v5', 'Card  VF  Name', '0     /', 'C', 'W/', 'MiB/', '\n', ' '],
  pathological: [
    `| CNMON v${'1'.repeat(50_000)}\n|${' W/'.repeat(30_000)}`,
    `| Card  VF  Name |\n| 0 / x |\n|${' 1 C'.repeat(30_000)}|`,
  ],
})
