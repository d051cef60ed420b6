import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser as parser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  amdSmiParser,
  hySmiParser,
  ixsmiParser,
  mthreadsGmiParser,
  mxSmiParser,
  rocmSmiJsonParser,
]

const own = [
  'kunlunxin/xpu_smi_k200-x4_runtime4.0-driver4.0.txt',
  'kunlunxin/xpu_smi_p800-oam-x8_driver5.0.21.21.txt',
  'kunlunxin/xpu_smi_r200-x2_aarch64_runtime4.0-driver4.0.txt',
  'kunlunxin/xpu_smi_r300-x2_runtime4.31-driver4.0.txt',
]

describe('xpu_smi', () => {
  it('reads 8 P800 OAM (new layout, driver 5.0.21.21) → kunlunxin-p800-oam', () => {
    const inv = parse('kunlunxin/xpu_smi_p800-oam-x8_driver5.0.21.21.txt')
    expect(inv).toMatchObject({
      vendor: 'Kunlunxin',
      tool: 'xpu-smi',
      toolVersion: '5.0.21',
      driverVersion: '5.0.21.21',
      firmwareVersion: null,
      warnings: [],
    })
    expect(inv.devices.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(inv.devices.map((d) => d.busId)).toEqual([
      '00000000:03:00.0',
      '00000000:05:00.0',
      '00000000:63:00.0',
      '00000000:65:00.0',
      '00000000:83:00.0',
      '00000000:85:00.0',
      '00000000:A3:00.0',
      '00000000:A5:00.0',
    ])
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([37, 41, 36, 36, 40, 40, 39, 40])
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([88, 90, 89, 89, 88, 90, 90, 87])
    for (const d of inv.devices) {
      expect(d).toMatchObject({
        model: 'P800 OAM',
        catalogId: 'kunlunxin-p800-oam',
        memoryTotalMiB: 98304,
        memoryUsedMiB: 0,
        utilizationPercent: 0,
        powerLimitW: 400,
        ecc: { uncorrectable: 0 },
        reportedHealth: null,
      })
      expect(d.health.status).toBe('ok')
    }
  })

  it('reads 4 K200 devices on 2 boards (old layout): not in the catalog', () => {
    const inv = parse('kunlunxin/xpu_smi_k200-x4_runtime4.0-driver4.0.txt')
    expect(inv).toMatchObject({ toolVersion: '4.0', driverVersion: '4.0', warnings: [] })
    expect(inv.devices).toHaveLength(4)
    expect(inv.devices.map((d) => d.busId)).toEqual([
      '0000:06:00.0',
      '0000:06:00.0',
      '0001:03:00.0',
      '0001:03:00.0',
    ])
    expect(inv.devices.map((d) => d.serial)).toEqual([
      '0200210302000998',
      '0200210302000998',
      '0200210202001104',
      '0200210202001104',
    ])
    expect(inv.devices.map((d) => d.memoryUsedMiB)).toEqual([504, 504, 0, 0])
    for (const d of inv.devices) {
      expect(d).toMatchObject({ model: 'K200', catalogId: null, memoryTotalMiB: 8064 })
      expect(d.catalogReason).toContain('no Kunlunxin family matches')
      expect(d.temperatureC).toBeNull()
    }
  })

  it('reads 2 R200 (aarch64), one 12 % busy', () => {
    const inv = parse('kunlunxin/xpu_smi_r200-x2_aarch64_runtime4.0-driver4.0.txt')
    expect(inv).toMatchObject({ toolVersion: '4.0', driverVersion: '4.0' })
    expect(inv.devices).toHaveLength(2)
    expect(inv.devices[0]).toMatchObject({
      model: 'R200',
      catalogId: null,
      serial: '02K00Y6219V00013',
      utilizationPercent: 12,
      memoryUsedMiB: 4146,
      memoryTotalMiB: 13568,
    })
    expect(inv.devices[1]).toMatchObject({ serial: '02K00Y621AV0001Y', utilizationPercent: 0 })
  })

  it('reads 2 R300 (runtime 4.31) and ignores the VIDEO table', () => {
    const inv = parse('kunlunxin/xpu_smi_r300-x2_runtime4.31-driver4.0.txt')
    expect(inv).toMatchObject({ toolVersion: '4.31', driverVersion: '4.0', warnings: [] })
    expect(inv.devices).toHaveLength(2)
    for (const d of inv.devices) {
      expect(d).toMatchObject({
        model: 'R300',
        catalogId: null,
        serial: '02Kxxx',
        memoryTotalMiB: 32768,
      })
    }
    expect(inv.devices.map((d) => d.busId)).toEqual(['0000:53:00.0', '0000:56:00.0'])
  })

  it('takes volatile uncorrectable ECC errors as degraded', () => {
    const text = read('kunlunxin/xpu_smi_p800-oam-x8_driver5.0.21.21.txt').replace(
      '00000000:05:00.0 N/A |                    0 |',
      '00000000:05:00.0 N/A |                    2 |',
    )
    const [d0, d1] = parser.parse(text, catalog).devices
    expect(d0?.health.status).toBe('ok')
    expect(d1?.health.status).toBe('degraded')
    expect(d1?.health.issues[0]).toMatchObject({
      action: 'reset-device',
      source: 'ecc-uncorrectable',
    })
  })

  it('fails on text that is neither layout, naming the line', () => {
    expect(() => parser.parse('Runtime Version: 4.0\n', catalog)).toThrow(
      /^xpu-smi: line 1: no "\| DevID/,
    )
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[|\n ])/,
  pathological: () => [
    `| XPU-SMI |\n${'| 0 a | 0000:00:00.0 | 1 |\n| N/A 1C 1W / 2W | 1MiB / 2MiB | 0% |\n'.repeat(2000)}`,
    `| XPU-SMI |\n| 0 ${'N/A '.repeat(50000)}x | 0000:00:00.0 | 1 |\n| ${'1W / '.repeat(20000)} |`,
    `| DevID | Memory |\n${'| 0 | 1 / 2 MB |\n'.repeat(4000)}`,
  ],
})
