import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser as parser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  amdSmiParser,
  hySmiParser,
  ixsmiParser,
  mthreadsGmiParser,
  mxSmiParser,
  xpuSmiParser,
]

const own = [
  'amd/rocm-smi-json_rx6700xt_rocm6.1.2.json',
  'amd/rocm-smi-json_rx7800xt_rocm6.2.4.json',
  'amd/rocm-smi-json_vega20-radeon-pro-vii.json',
  'amd/rocm-smi-showallinfo-json_mi100_rocm5.7.1.json',
  'amd/rocm-smi-showallinfo-json_mi100_rocm6.0.2.json',
  'hygon/rocm-smi-json_dcu_dtk24.04.3.json',
]

describe('rocm-smi --json fixtures', () => {
  it('reads the RX 6700 XT (ROCm 6.1.2): not in the catalog, VRAM bytes in MiB', () => {
    const inv = parse('amd/rocm-smi-json_rx6700xt_rocm6.1.2.json')
    expect(inv).toMatchObject({ vendor: 'AMD', tool: 'rocm-smi-json', toolVersion: null })
    expect(inv.driverVersion).toBe('6.3.6')
    expect(inv.firmwareVersion).toBe('113-67XA6SSB1-D01')
    expect(inv.devices).toHaveLength(1)
    const d = inv.devices[0]
    expect(d).toMatchObject({
      index: 0,
      model: 'Navi 22 [Radeon RX 6700/6700 XT / 6800M]',
      catalogId: null,
      uuid: null,
      serial: null,
      busId: '0000:07:00.0',
      memoryTotalMiB: 12272, // 12868124672 B
      memoryUsedMiB: 1500,
      utilizationPercent: 0,
      temperatureC: 45,
      powerDrawW: 6,
      powerLimitW: 211,
      reportedHealth: null,
    })
    expect(d?.catalogReason).toContain('not in the catalog')
    expect(d?.health.status).toBe('ok')
  })

  it('reads the RX 7800 XT (ROCm 6.2.4): no system block, unique id', () => {
    const inv = parse('amd/rocm-smi-json_rx7800xt_rocm6.2.4.json')
    expect(inv.driverVersion).toBeNull()
    expect(inv.firmwareVersion).toBeNull()
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      model: 'Navi 32 [Radeon RX 7700 XT / 7800 XT]',
      catalogId: null,
      uuid: '0x5c88007d760374f3',
      memoryTotalMiB: 16368,
      memoryUsedMiB: 11077,
      utilizationPercent: 100,
      temperatureC: 45,
      powerDrawW: 53,
      powerLimitW: null,
      busId: null,
    })
  })

  it('reads the Vega 20 (older rocm-smi, "Card series"): MI50 32GB as printed, not in the catalog', () => {
    const inv = parse('amd/rocm-smi-json_vega20-radeon-pro-vii.json')
    expect(inv.driverVersion).toBe('5.9.17')
    expect(inv.firmwareVersion).toBe('113-D1631700-111')
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      model: 'Radeon Instinct MI50 32GB',
      catalogId: null,
      serial: '692024000810',
      uuid: '0x2f048617326b1ea',
      busId: '0000:63:00.0',
      memoryTotalMiB: 32752,
      temperatureC: 36,
      powerDrawW: 26,
      powerLimitW: 225,
    })
  })

  it('reads 6 MI100 on ROCm 5.7.1 (serial "0" is no serial)', () => {
    const inv = parse('amd/rocm-smi-showallinfo-json_mi100_rocm5.7.1.json')
    expect(inv.driverVersion).toBe('6.2.4')
    expect(inv.firmwareVersion).toBe('113-D3430400-037')
    expect(inv.devices.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(inv.devices.map((d) => d.busId)).toEqual([
      '0000:1E:00.0',
      '0000:22:00.0',
      '0000:3F:00.0',
      '0000:43:00.0',
      '0000:46:00.0',
      '0000:49:00.0',
    ])
    for (const d of inv.devices) {
      expect(d).toMatchObject({
        model: 'Arcturus GL-XL [Instinct MI100]',
        catalogId: null,
        serial: null,
        uuid: null,
        memoryTotalMiB: 32752,
        powerLimitW: 290,
      })
      expect(d.catalogReason).toContain('no AMD family matches')
    }
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([31, 30, 31, 33, 32, 33])
    expect(inv.warnings).toEqual([])
  })

  it('reads 4 MI100 on ROCm 6.0.2', () => {
    const inv = parse('amd/rocm-smi-showallinfo-json_mi100_rocm6.0.2.json')
    expect(inv.driverVersion).toBe('6.3.6')
    expect(inv.firmwareVersion).toBe('113-D3431401-101')
    expect(inv.devices).toHaveLength(4)
    expect(inv.devices.map((d) => d.uuid)).toEqual([
      '0x79ccd55167a2124a',
      '0x4edfb117a17a07d',
      '0xd4a9ec48d03d261d',
      '0x1b9dd972253c3736',
    ])
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([36, 44, 43, 39])
    expect(inv.devices.every((d) => d.catalogId === null && d.memoryTotalMiB === 32752)).toBe(true)
  })

  it('reads the Hygon DCU (DTK 24.04.3) as vendor Hygon, MiB keys, anonymised name → null', () => {
    const inv = parse('hygon/rocm-smi-json_dcu_dtk24.04.3.json')
    expect(inv.vendor).toBe('Hygon')
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      model: 'DCU xxxx',
      catalogId: null,
      serial: 'TPXxxxx',
      uuid: '7100fa8866904061',
      memoryTotalMiB: 65520,
      memoryUsedMiB: 2,
      utilizationPercent: 0,
      temperatureC: 41,
      powerDrawW: 80,
    })
    expect(inv.devices[0]?.catalogReason).toContain('no Hygon family matches')
  })
})

describe('rocm-smi --json variations', () => {
  const hygon = read('hygon/rocm-smi-json_dcu_dtk24.04.3.json')

  it('matches a Hygon card by a GFX version the catalog aliases (gfx928)', () => {
    const text = hygon.replace('"Device ID"', '"GFX Version": "gfx928",\n    "Device ID"')
    const d = parser.parse(text, catalog).devices[0]
    expect(d?.catalogId).toBe('hygon-dcu-k100-ai')
    expect(d?.catalogReason).toContain('gfx928')
  })

  it('matches an MI300X by the name in its series', () => {
    const text = read('amd/rocm-smi-showallinfo-json_mi100_rocm6.0.2.json').replaceAll(
      'Arcturus GL-XL [Instinct MI100]',
      'AMD Instinct MI300X',
    )
    expect(parser.parse(text, catalog).devices[0]?.catalogId).toBe('amd-mi300x-192gb')
  })

  it('skips warning lines printed before the JSON', () => {
    const inv = parser.parse(`WARNING: something\n${hygon}`, catalog)
    expect(inv.devices).toHaveLength(1)
    expect(inv.warnings).toEqual(['ignored 1 line(s) before the JSON'])
  })

  it('names the line of a JSON syntax error, counting skipped lines', () => {
    const broken = hygon.replace('"DCU use (%)": "0",', '"DCU use (%)": "0"')
    expect(() => parser.parse(`noise\n${broken}`, catalog)).toThrow(/^rocm-smi-json: line 1[56]: /)
  })

  it('rejects JSON without cards', () => {
    expect(() => parser.parse('{"system": {"Driver version": "6.3.6"}}', catalog)).toThrow(
      'rocm-smi-json: line 1: no "cardN" entries',
    )
    expect(() => parser.parse('{"card0": 3}', catalog)).toThrow('"card0" is not an object')
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[{}":,\n ])/,
  truncationSteps: 40,
  maxDroppedLine: 400,
  pathological: () => [
    `{"card0": {${'"Temperature (Sensor edge) (C)": "1",'.repeat(20000)}"x": "y"}}`,
    '{'.repeat(50000),
  ],
})
