import { describe, expect, it } from 'vitest'
import type { DeviceInventory } from '../inventory.js'
import { cnmonParser } from './cnmon.js'
import { efsmiParser } from './efsmi.js'
import { npuSmiParser } from './npu-smi.js'
import { allFiles, catalog, describeDetectAndTolerance, read } from './robustness.test-support.js'

const parse = (file: string) => efsmiParser.parse(read(`enflame/${file}`), catalog)
const fixtures = allFiles
  .filter((f) => f.startsWith('enflame/'))
  .map((f) => f.slice('enflame/'.length))

const column = <K extends keyof DeviceInventory['devices'][number]>(inv: DeviceInventory, key: K) =>
  inv.devices.map((d) => d[key])

describe('efsmi fixtures', () => {
  it('has the two fixtures the tests below name', () => {
    expect(fixtures.sort()).toEqual([
      'efsmi_s60-x2_v1.2.0.301.txt',
      'efsmi_s60g-x2_sriov_efsmi1.6.3.12.txt',
    ])
  })

  it('S60 x2 (1.2.0.301): enflame-s60, firmware differs per device', () => {
    const inv = parse('efsmi_s60-x2_v1.2.0.301.txt')
    expect(inv).toMatchObject({
      vendor: 'Enflame',
      tool: 'efsmi',
      toolVersion: '1.2.0.301',
      driverVersion: '1.2.0.301',
      firmwareVersion: null,
    })
    expect(inv.warnings).toEqual(['devices run different firmware: 33.6.2, 33.6.5'])
    expect(column(inv, 'index')).toEqual([0, 1])
    expect(column(inv, 'model')).toEqual(['S60', 'S60'])
    expect(column(inv, 'catalogId')).toEqual(['enflame-s60', 'enflame-s60'])
    expect(column(inv, 'memoryTotalMiB')).toEqual([49120, 42976])
    expect(column(inv, 'memoryUsedMiB')).toEqual([null, null])
    expect(column(inv, 'temperatureC')).toEqual([39, 46])
    expect(column(inv, 'powerDrawW')).toEqual([105, 128])
    expect(column(inv, 'powerLimitW')).toEqual([300, 300])
    expect(column(inv, 'utilizationPercent')).toEqual([0, 0])
    expect(column(inv, 'busId')).toEqual(['00:01:00.0', '00:09:00.0'])
    expect(column(inv, 'serial')).toEqual(['A073640510015', 'C807J40510285'])
    expect(inv.devices.map((d) => d.ecc.enabled)).toEqual([false, true])
    expect(column(inv, 'reportedHealth')).toEqual([null, null])
    expect(inv.devices.every((d) => d.health.status === 'ok')).toBe(true)
  })

  it('S60G x2 SR-IOV (1.6.3.12, ℃, Lpm): virtual functions, not matched', () => {
    const inv = parse('efsmi_s60g-x2_sriov_efsmi1.6.3.12.txt')
    expect(inv).toMatchObject({
      toolVersion: '1.6.3.12',
      driverVersion: '1.6.3.12',
      firmwareVersion: '31.5.3',
      warnings: [],
    })
    expect(column(inv, 'model')).toEqual(['Enflame S60G', 'Enflame S60G'])
    expect(column(inv, 'catalogId')).toEqual([null, null])
    expect(inv.devices[0]?.catalogReason).toContain('SR-IOV')
    expect(inv.devices[0]?.catalogReason).toContain('not in the catalog')
    expect(column(inv, 'memoryTotalMiB')).toEqual([23552, 23552])
    expect(column(inv, 'temperatureC')).toEqual([34, 34])
    expect(column(inv, 'powerDrawW')).toEqual([null, null])
    expect(column(inv, 'busId')).toEqual(['00:2e:00.0', '00:2f:00.0'])
    expect(column(inv, 'serial')).toEqual(['A018K30520031', 'A018K30520031'])
  })

  it('refuses text without an efsmi header', () => {
    expect(() => efsmiParser.parse('hello', catalog)).toThrow(/^efsmi: line 1: no efsmi table/)
  })
})

describeDetectAndTolerance({
  parser: efsmiParser,
  dir: 'enflame',
  others: [npuSmiParser, cnmonParser],
  words: ['|', 'EFSMI V1', 'DEV    NAME', '0      S60', '39 C', '34℃', 'W', 'MiB', '\n', ' '],
  pathological: [
    `| EFSMI: ${'1'.repeat(50_000)}\n|${' 1 C'.repeat(30_000)}`,
    `| DEV    NAME |\n|${' 0 '.repeat(30_000)}|\n|${' W'.repeat(9)}`,
  ],
})
