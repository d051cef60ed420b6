import fc from 'fast-check'
import { ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { cnmonParser } from './cnmon.js'
import { efsmiParser } from './efsmi.js'
import { npuSmiParser } from './npu-smi.js'
import { allFiles, catalog, parsesOrExplains, read } from './robustness.test-support.js'

const parse = (file: string) => npuSmiParser.parse(read(`ascend/${file}`), catalog)

// the Ascend fixtures that list devices (the -t outputs and faultCode.json do not)
const deviceLists = [
  'npu-smi-info_310-x4_21.0.4.B030_atlas800-3000.txt',
  'npu-smi-info_910-name910B-x8_24.1.0.txt',
  'npu-smi-info_910-xxx-x8_24.1.RC2_warning-and-processes.txt',
  'npu-smi-info_910a-x1_22.0.3.txt',
  'npu-smi-info_910a-x4_1.9.3-21.0.rc1.txt',
  'npu-smi-info_910a-x8_22.0.3.1_atlas800-9010.txt',
  'npu-smi-info_910b2c-x2_23.0.3.txt',
  'npu-smi-info_ascend950-atlas350_vendor-doc-example.txt',
  'npu-smi-info-m_910a-x8.txt',
  'npu-info-collect-bundle_910a-x8_23.0.5_healthy.txt',
  'npu-info-collect-bundle_910a_health-alarm.txt',
]
const details = [
  'npu-smi-info-t-board_ascend950_vendor-doc-example.txt',
  'npu-smi-info-t-ecc_910a_doc-example.txt',
  'npu-smi-info-t-health_910a_alarm-A4025021.txt',
  'npu-smi-info-t-health_910a_ok.txt',
  'npu-smi-info-t-health_ascend950_vendor-doc-example.txt',
]

const column = <K extends keyof DeviceInventory['devices'][number]>(inv: DeviceInventory, key: K) =>
  inv.devices.map((d) => d[key])

describe('npu-smi info tables, one fixture each', () => {
  it('910B2C x2 (23.0.3): HBM 64 GB, matched to 910B2', () => {
    const inv = parse('npu-smi-info_910b2c-x2_23.0.3.txt')
    expect(inv).toMatchObject({ vendor: 'Huawei', tool: 'npu-smi', toolVersion: '23.0.3' })
    expect(inv.driverVersion).toBe('23.0.3')
    expect(column(inv, 'index')).toEqual([0, 1])
    expect(column(inv, 'model')).toEqual(['910B2C', '910B2C'])
    expect(column(inv, 'catalogId')).toEqual(['huawei-ascend-910b2', 'huawei-ascend-910b2'])
    expect(column(inv, 'memoryTotalMiB')).toEqual([65536, 65536])
    expect(column(inv, 'memoryUsedMiB')).toEqual([3317, 3316])
    expect(column(inv, 'busId')).toEqual(['0000:5A:00.0', '0000:29:00.0'])
    expect(column(inv, 'powerDrawW')).toEqual([89.9, 93.8])
    expect(column(inv, 'temperatureC')).toEqual([53, 53])
    expect(column(inv, 'utilizationPercent')).toEqual([0, 0])
    expect(column(inv, 'reportedHealth')).toEqual(['OK', 'OK'])
    expect(inv.devices.every((d) => d.health.status === 'ok')).toBe(true)
    expect(inv.warnings).toEqual([])
  })

  it('"910B" x8 (24.1.0) is a first-generation 910: 32 GB HBM plus DDR → 910a', () => {
    const inv = parse('npu-smi-info_910-name910B-x8_24.1.0.txt')
    expect(inv.toolVersion).toBe('24.1.0')
    expect(inv.devices).toHaveLength(8)
    expect(new Set(column(inv, 'model'))).toEqual(new Set(['910B']))
    expect(new Set(column(inv, 'catalogId'))).toEqual(new Set(['huawei-ascend-910a']))
    expect(inv.devices[0]?.catalogReason).toContain('first-generation Ascend 910')
    expect(new Set(column(inv, 'memoryTotalMiB'))).toEqual(new Set([32768]))
    expect(inv.devices[0]).toMatchObject({ memoryUsedMiB: 1365, busId: '0000:C1:00.0' })
    expect(inv.devices[7]).toMatchObject({ powerDrawW: 65.6, temperatureC: 33 })
  })

  it('anonymised 910 x8 (24.1.RC2): two NPUs in Warning are degraded; process table skipped', () => {
    const inv = parse('npu-smi-info_910-xxx-x8_24.1.RC2_warning-and-processes.txt')
    expect(inv).toMatchObject({ toolVersion: '24.1.RC2', driverVersion: '24.1.RC2' })
    expect(column(inv, 'index')).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(new Set(column(inv, 'catalogId'))).toEqual(new Set([null]))
    expect(inv.devices[0]?.catalogReason).toContain('placeholder')
    const warned = inv.devices.filter((d) => d.reportedHealth === 'Warning').map((d) => d.index)
    expect(warned).toEqual([3, 7])
    expect(inv.devices[3]?.health.status).toBe('degraded')
    expect(inv.devices[3]?.health.issues[0]).toMatchObject({
      action: 'none',
      source: 'npu-smi health',
    })
    expect(inv.devices[0]?.health.status).toBe('ok')
    expect(inv.devices[3]).toMatchObject({ powerDrawW: 206.9, memoryTotalMiB: 32768 })
    expect(inv.warnings).toEqual([])
  })

  it('910A x1 (22.0.3, "Chip Device" layout, misaligned name, power NA): DDR only', () => {
    const inv = parse('npu-smi-info_910a-x1_22.0.3.txt')
    expect(inv.toolVersion).toBe('22.0.3')
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      index: 4,
      model: '910A',
      catalogId: 'huawei-ascend-910a',
      powerDrawW: null,
      temperatureC: 43,
      memoryTotalMiB: 21534,
      memoryUsedMiB: 861,
      busId: '0000:81:00.0',
    })
  })

  it('910A x4 (npu-smi 1.9.3, driver 21.0.rc1, no Hugepages column)', () => {
    const inv = parse('npu-smi-info_910a-x4_1.9.3-21.0.rc1.txt')
    expect(inv).toMatchObject({ toolVersion: '1.9.3', driverVersion: '21.0.rc1' })
    expect(column(inv, 'index')).toEqual([4, 5, 6, 7])
    expect(new Set(column(inv, 'catalogId'))).toEqual(new Set(['huawei-ascend-910a']))
    expect(column(inv, 'temperatureC')).toEqual([30, 25, 27, 30])
    expect(column(inv, 'memoryTotalMiB')).toEqual([32768, 32768, 32768, 32768])
  })

  it('910A x8 Atlas 800 9010 (22.0.3.1)', () => {
    const inv = parse('npu-smi-info_910a-x8_22.0.3.1_atlas800-9010.txt')
    expect(inv.toolVersion).toBe('22.0.3.1')
    expect(inv.devices).toHaveLength(8)
    expect(new Set(column(inv, 'catalogId'))).toEqual(new Set(['huawei-ascend-910a']))
    expect(inv.devices[3]).toMatchObject({ powerDrawW: 191.7, busId: '0000:3E:00.0' })
  })

  it('310 x4 on one NPU (21.0.4.B030): chips indexed by Device id, not in the catalog', () => {
    const inv = parse('npu-smi-info_310-x4_21.0.4.B030_atlas800-3000.txt')
    expect(inv).toMatchObject({ toolVersion: '21.0.4', driverVersion: '21.0.4.B030' })
    expect(column(inv, 'index')).toEqual([3, 4, 5, 6])
    expect(column(inv, 'model')).toEqual(['310', '310', '310', '310'])
    expect(new Set(column(inv, 'catalogId'))).toEqual(new Set([null]))
    expect(inv.devices[0]?.catalogReason).toContain('inference chip')
    expect(column(inv, 'memoryTotalMiB')).toEqual([8192, 8192, 8192, 8192])
    expect(column(inv, 'memoryUsedMiB')).toEqual([2703, 2867, 2867, 2867])
    expect(column(inv, 'temperatureC')).toEqual([73, 74, 70, 65])
  })

  it('Ascend 950 vendor example: NPU ID | Name layout, NPU Util, placeholders', () => {
    const inv = parse('npu-smi-info_ascend950-atlas350_vendor-doc-example.txt')
    expect(inv).toMatchObject({ toolVersion: null, driverVersion: null })
    expect(inv.warnings.join('\n')).toContain('placeholder')
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      catalogId: null,
      busId: '0000:91:00.0',
      powerDrawW: 204.4,
      temperatureC: 56,
      utilizationPercent: 0,
      memoryTotalMiB: 86016,
      memoryUsedMiB: 4439,
      reportedHealth: 'OK',
    })
    expect(inv.devices[0]?.catalogReason).toContain('Ascend 950')
  })

  it('npu-smi info -m: eight "Ascend 910A" chips', () => {
    const inv = parse('npu-smi-info-m_910a-x8.txt')
    expect(column(inv, 'index')).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(new Set(column(inv, 'model'))).toEqual(new Set(['Ascend 910A']))
    expect(new Set(column(inv, 'catalogId'))).toEqual(new Set(['huawei-ascend-910a']))
    expect(new Set(column(inv, 'memoryTotalMiB'))).toEqual(new Set([null]))
  })

  it('reads an A3-style table with two chips per NPU (synthetic, not a fixture)', () => {
    const row = (a: string, b: string, c: string) => `| ${a.padEnd(26)}| ${b.padEnd(14)}| ${c} |`
    const text = [
      '| npu-smi 24.1.rc2                 Version: 24.1.rc2 |',
      row('NPU     Name', 'Health', 'Power(W)    Temp(C)           Hugepages-Usage(page)'),
      row('Chip    Phy-ID', 'Bus-Id', 'AICore(%)   Memory-Usage(MB)  HBM-Usage(MB)'),
      row('0     Ascend910', 'OK', '166.2       38                0    / 0'),
      row('0     0', '0000:9D:00.0', '0           0    / 0          3403 / 65536'),
      row('0     Ascend910', 'OK', '-           37                0    / 0'),
      row('1     1', '0000:9F:00.0', '0           0    / 0          3165 / 65536'),
    ].join('\n')
    const inv = npuSmiParser.parse(text, catalog)
    expect(column(inv, 'index')).toEqual([0, 1])
    expect(column(inv, 'busId')).toEqual(['0000:9D:00.0', '0000:9F:00.0'])
    expect(column(inv, 'powerDrawW')).toEqual([166.2, null])
    expect(column(inv, 'memoryTotalMiB')).toEqual([65536, 65536])
  })

  it('refuses -t detail outputs and other text, naming the tool and the line', () => {
    for (const file of details) {
      expect(() => parse(file)).toThrow(/^npu-smi: line 1: this is npu-smi info -t detail/)
    }
    expect(() => parse('mindcluster-device-plugin_faultCode.json')).toThrow(/^npu-smi: line 1/)
    expect(() => npuSmiParser.parse('', catalog)).toThrow(ZhisuanError)
  })
})

const others: readonly SmiParser[] = [cnmonParser, efsmiParser]

describe('npu-smi detect over every fixture', () => {
  it('scores its device lists 0.9 or more, above the other parsers here', () => {
    for (const file of deviceLists) {
      const text = read(`ascend/${file}`)
      const score = npuSmiParser.detect(text)
      expect(score, file).toBeGreaterThanOrEqual(0.9)
      for (const other of others) {
        expect(other.detect(text), `${other.tool} on ${file}`).toBeLessThan(score)
      }
    }
  })

  it('scores -t outputs low but above zero, and the fault-code table zero', () => {
    for (const file of details) {
      expect(npuSmiParser.detect(read(`ascend/${file}`)), file).toBeCloseTo(0.3)
    }
    expect(npuSmiParser.detect(read('ascend/mindcluster-device-plugin_faultCode.json'))).toBe(0)
  })

  it('scores every other vendor fixture 0.2 or less', () => {
    const foreign = allFiles.filter((f) => !f.startsWith('ascend/'))
    expect(foreign.length).toBeGreaterThan(40)
    for (const file of foreign) {
      expect(npuSmiParser.detect(read(file)), file).toBeLessThanOrEqual(0.2)
    }
  })
})

describe('npu-smi robustness', () => {
  const texts = [...deviceLists, ...details].map((f) => read(`ascend/${f}`))
  const tableish = fc
    .array(
      fc.constantFrom('|', '+', '-', '=', ' ', '\n', '\t', ':', '/', '0', '42', 'NPU', 'NPU ID'),
      { maxLength: 80 },
    )
    .map((parts) => parts.join(''))
  const pieces = ['Health', 'Bus-Id', 'Power(W)', 'OK', 'Alarm', '910A', 'npu-smi info', 'Chip']

  it('survives random text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        parsesOrExplains(npuSmiParser, s)
      }),
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(tableish, fc.constantFrom(...pieces))), (parts) => {
        parsesOrExplains(npuSmiParser, parts.join(' '))
      }),
    )
  })

  it('survives fixtures cut at any point', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.double({ min: 0, max: 1 }), (text, at) => {
        parsesOrExplains(npuSmiParser, text.slice(0, Math.floor(text.length * at)))
      }),
      { numRuns: 300 },
    )
  })

  it('survives random line deletions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.infiniteStream(fc.boolean()), (text, keep) => {
        const lines = text.split('\n')
        const kept = lines.filter(() => keep.next().value)
        parsesOrExplains(npuSmiParser, kept.join('\n'))
      }),
      { numRuns: 300 },
    )
  })

  it('does not hang on long pathological lines', () => {
    const long = [
      `| NPU | Health | Power(W) |\n|${' '.repeat(50_000)}|`,
      `|${' : '.repeat(30_000)}`,
      `| npu-smi ${'1'.repeat(50_000)} Version:`,
      `/npu-smi info\n${'\t: '.repeat(30_000)}`,
    ]
    const start = performance.now()
    for (const text of long) {
      parsesOrExplains(npuSmiParser, text)
    }
    expect(performance.now() - start).toBeLessThan(1000)
  })
})
