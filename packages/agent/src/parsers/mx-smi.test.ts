import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser as parser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  amdSmiParser,
  hySmiParser,
  ixsmiParser,
  mthreadsGmiParser,
  rocmSmiJsonParser,
  xpuSmiParser,
]

const own = [
  'metax/mx-smi_c500-x1_mxsmi2.2.6_kmd3.0.11_doc-excerpt.txt',
  'metax/mx-smi_c550-x8_mxsmi2.2.4_kmd2.15.9.txt',
]

describe('mx-smi', () => {
  it('reads 8 C550 (mx-smi 2.2.4, KMD 2.15.9): not in the catalog, GPU-State Available', () => {
    const inv = parse('metax/mx-smi_c550-x8_mxsmi2.2.4_kmd2.15.9.txt')
    expect(inv).toMatchObject({
      vendor: 'MetaX',
      tool: 'mx-smi',
      toolVersion: '2.2.4',
      driverVersion: '2.15.9',
      firmwareVersion: '1.25.1.0',
      warnings: [],
    })
    expect(inv.devices.map((d) => d.busId)).toEqual([
      '0000:0f:00.0',
      '0000:34:00.0',
      '0000:48:00.0',
      '0000:5a:00.0',
      '0000:87:00.0',
      '0000:ae:00.0',
      '0000:c2:00.0',
      '0000:d7:00.0',
    ])
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([29, 29, 30, 29, 30, 32, 32, 31])
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([53, 53, 54, 54, 53, 55, 56, 56])
    for (const d of inv.devices) {
      expect(d).toMatchObject({
        model: 'MetaX C550',
        catalogId: null,
        memoryTotalMiB: 65536,
        memoryUsedMiB: 858,
        utilizationPercent: 0,
        powerLimitW: 450,
        reportedHealth: 'Available',
      })
      expect(d.catalogReason).toContain('no MetaX family matches')
      expect(d.health.status).toBe('ok')
    }
  })

  it('reads the C500 doc excerpt (mx-smi 2.2.6, Persistence-M, no "====") → metax-c500', () => {
    const inv = parse('metax/mx-smi_c500-x1_mxsmi2.2.6_kmd3.0.11_doc-excerpt.txt')
    expect(inv).toMatchObject({
      toolVersion: '2.2.6',
      driverVersion: '3.0.11',
      firmwareVersion: '1.27.5.0',
      warnings: [],
    })
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      model: 'MetaX C500',
      catalogId: 'metax-c500',
      busId: '0000:0e:00.0',
      memoryTotalMiB: 65536,
      memoryUsedMiB: 858,
      temperatureC: 35,
      powerDrawW: 59,
      powerLimitW: 350,
      reportedHealth: 'Available',
    })
  })

  it('maps GPU-State: an error is failed, anything else but Available is degraded', () => {
    const text = read('metax/mx-smi_c550-x8_mxsmi2.2.4_kmd2.15.9.txt')
      .replace('| 858/65536 MiB       | Available ', '| 858/65536 MiB       | Error     ')
      .replace('| 858/65536 MiB       | Available ', '| 858/65536 MiB       | Busy      ')
    const [d0, d1, d2] = parser.parse(text, catalog).devices
    expect(d0?.reportedHealth).toBe('Error')
    expect(d0?.health.status).toBe('failed')
    expect(d0?.health.issues[0]).toMatchObject({
      action: 'reset-device',
      source: 'mx-smi GPU-State',
    })
    expect(d1?.health.status).toBe('degraded')
    expect(d2?.health.status).toBe('ok')
  })

  it('warns when "Attached GPUs" disagrees with the table', () => {
    const text = read('metax/mx-smi_c550-x8_mxsmi2.2.4_kmd2.15.9.txt').replace(': 8', ': 9')
    expect(parser.parse(text, catalog).warnings).toEqual([
      '"Attached GPUs : 9" but 8 GPU(s) in the table',
    ])
  })

  it('reads a copy cut above the banner by its MetaX rows, without versions', () => {
    const text = read('metax/mx-smi_c550-x8_mxsmi2.2.4_kmd2.15.9.txt')
      .split('\n')
      .filter((l) => !/mx-smi|Driver Version/i.test(l))
      .join('\n')
    expect(parser.detect(text)).toBe(0.7)
    const inv = parser.parse(text, catalog)
    expect(inv.devices).toHaveLength(8)
    expect(inv).toMatchObject({ toolVersion: null, driverVersion: null })
    expect(inv.warnings).toEqual(['no "MX-SMI" banner: tool and driver versions unknown'])
  })

  it('fails without the banner or without GPU rows, naming the line', () => {
    expect(() => parser.parse('x', catalog)).toThrow('mx-smi: line 1: no "MX-SMI')
    expect(() => parser.parse('| MX-SMI 2.2.4 |\n', catalog)).toThrow(
      /^mx-smi: line 1: no GPU rows/,
    )
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[|\n ])/,
  pathological: () => [
    `| MX-SMI 1 |\n${'| 0 a | 0000:00:00.0 | 1% |\n| 1C 1W / 2W | 1/2 MiB | Available |\n'.repeat(2000)}`,
    `| MX-SMI 1 |\n| 0 ${'Off '.repeat(30000)}x | 0000:00:00.0 | 1% |\n| ${'1W / '.repeat(30000)} |`,
  ],
})
