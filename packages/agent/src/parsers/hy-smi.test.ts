import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser as parser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  amdSmiParser,
  ixsmiParser,
  mthreadsGmiParser,
  mxSmiParser,
  rocmSmiJsonParser,
  xpuSmiParser,
]

const own = [
  'hygon/rocm-smi-dtk_dcu-x4_concise.txt',
  'hygon/rocm-smi-dtk_dcu-x8_concise-mode.txt',
  'hygon/rocm-smi_dcu-x4_rocm4.0.1-era.txt',
]

describe('hy-smi / DTK rocm-smi tables', () => {
  it('reads 4 DCUs (DTK concise, 280 W cap): no model name, so no catalog entry', () => {
    const inv = parse('hygon/rocm-smi-dtk_dcu-x4_concise.txt')
    expect(inv).toMatchObject({
      vendor: 'Hygon',
      tool: 'hy-smi',
      toolVersion: null,
      driverVersion: null,
      firmwareVersion: null,
      warnings: [],
    })
    expect(inv.devices.map((d) => d.index)).toEqual([0, 1, 2, 3])
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([30, 30, 29, 29])
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([38, 41, 38, 39])
    for (const d of inv.devices) {
      expect(d).toMatchObject({
        model: 'DCU',
        catalogId: null,
        powerLimitW: 280,
        utilizationPercent: 0,
        memoryTotalMiB: null,
        reportedHealth: null,
      })
      expect(d.catalogReason).toContain('prints no model name')
      expect(d.health.status).toBe('ok')
    }
  })

  it('reads 8 DCUs with the Mode column (300 W cap)', () => {
    const inv = parse('hygon/rocm-smi-dtk_dcu-x8_concise-mode.txt')
    expect(inv.devices).toHaveLength(8)
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([53, 53, 54, 55, 54, 54, 55, 54])
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([96, 96, 95, 96, 97, 95, 93, 96])
    expect(inv.devices.every((d) => d.powerLimitW === 300 && d.catalogId === null)).toBe(true)
    expect(inv.warnings).toEqual([])
  })

  it('reads the ROCm-4.0.1-era table (GPU header, SCLK/MCLK) and says it assumed Hygon', () => {
    const inv = parse('hygon/rocm-smi_dcu-x4_rocm4.0.1-era.txt')
    expect(inv.vendor).toBe('Hygon')
    expect(inv.devices).toHaveLength(4)
    expect(inv.devices.map((d) => d.model)).toEqual(['GPU', 'GPU', 'GPU', 'GPU'])
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([50, 48, 48, 49])
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([23, 25, 24, 27])
    expect(inv.devices.map((d) => d.powerLimitW)).toEqual([300, 300, 300, 300])
    expect(inv.devices.map((d) => d.utilizationPercent)).toEqual([0, 0, 0, 0])
    expect(inv.warnings).toHaveLength(1)
    expect(inv.warnings[0]).toContain('taken as Hygon')
  })

  it('reads the HCU header of newer DTKs and warns about an unknown Mode', () => {
    const text = read('hygon/rocm-smi-dtk_dcu-x8_concise-mode.txt')
      .replace('DCU     Temp', 'HCU     Temp')
      .replace('DCU%', 'HCU%')
      .replace('0%         0%        Normal', '0%         7%        Sleep ')
    const inv = parser.parse(text, catalog)
    expect(inv.devices[0]).toMatchObject({ model: 'HCU', utilizationPercent: 7 })
    expect(inv.warnings).toEqual(['HCU 0: Mode "Sleep" (only "Normal" is known)'])
    expect(inv.devices[0]?.health.status).toBe('ok')
  })

  it('fails on text without the header, and on a header without rows, naming the line', () => {
    expect(() => parser.parse('hello\nworld', catalog)).toThrow(
      'hy-smi: line 1: no "DCU  Temp  AvgPwr …" header line',
    )
    expect(() => parser.parse('====\nDCU  Temp  AvgPwr\n====\n', catalog)).toThrow(
      'hy-smi: line 3: no DCU rows under the header',
    )
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[\n ])/,
  pathological: () => [
    `DCU Temp AvgPwr\n${'0 1c '.repeat(40000)}`,
    `DCU  Temp\n${'1  \n'.repeat(40000)}`,
  ],
})
