import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser as parser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  amdSmiParser,
  hySmiParser,
  mthreadsGmiParser,
  mxSmiParser,
  rocmSmiJsonParser,
  xpuSmiParser,
]

const own = [
  'iluvatar/ixsmi_bi-v150-x16_ixml4.3.0.txt',
  'iluvatar/ixsmi_bi-v150s-x1_ixml4.0.0-drv4.1.0.txt',
]

describe('ixsmi', () => {
  it('reads 16 BI-V150 dies (IX-ML 4.3.0) → iluvatar-bi-v150, power N/A on every other die', () => {
    const inv = parse('iluvatar/ixsmi_bi-v150-x16_ixml4.3.0.txt')
    expect(inv).toMatchObject({
      vendor: 'Iluvatar',
      tool: 'ixsmi',
      toolVersion: '4.3.0',
      driverVersion: '4.3.0',
      firmwareVersion: null,
      warnings: [],
    })
    expect(inv.devices.map((d) => d.index)).toEqual([...Array(16).keys()])
    for (const d of inv.devices) {
      expect(d).toMatchObject({
        model: 'Iluvatar BI-V150',
        catalogId: 'iluvatar-bi-v150',
        memoryTotalMiB: 32768,
        memoryUsedMiB: 64,
        utilizationPercent: 0,
        reportedHealth: null,
      })
      expect(d.health.status).toBe('ok')
    }
    expect(inv.devices.map((d) => d.powerDrawW)).toEqual([
      null,
      103,
      null,
      106,
      null,
      105,
      null,
      106,
      null,
      107,
      null,
      103,
      null,
      104,
      null,
      107,
    ])
    expect(inv.devices.map((d) => d.powerLimitW).filter((w) => w !== null)).toEqual(
      Array<number>(8).fill(350),
    )
    expect(inv.devices[0]).toMatchObject({ busId: '00000000:13:00.0', temperatureC: 35 })
    expect(inv.devices[15]).toMatchObject({ busId: '00000000:67:00.0', temperatureC: 36 })
  })

  it('reads one BI-V150S (IX-ML 4.0.0, driver 4.1.0) and does not take it for a BI-V150', () => {
    const inv = parse('iluvatar/ixsmi_bi-v150s-x1_ixml4.0.0-drv4.1.0.txt')
    expect(inv).toMatchObject({ toolVersion: '4.0.0', driverVersion: '4.1.0' })
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      model: 'Iluvatar BI-V150S',
      catalogId: null,
      busId: '00000000:8A:00.0',
      memoryTotalMiB: 32768,
      memoryUsedMiB: 114,
      temperatureC: 33,
      powerDrawW: null,
    })
    expect(inv.devices[0]?.catalogReason).toContain('different SKU')
  })

  it('reads a copy cut above the banner by its Iluvatar rows, without versions', () => {
    const text = read('iluvatar/ixsmi_bi-v150-x16_ixml4.3.0.txt')
      .split('\n')
      .filter((l) => !l.includes('IX-ML'))
      .join('\n')
    expect(parser.detect(text)).toBe(0.7)
    const inv = parser.parse(text, catalog)
    expect(inv.devices).toHaveLength(16)
    expect(inv).toMatchObject({ toolVersion: null, driverVersion: null })
    expect(inv.warnings).toEqual(['no "IX-ML:" banner: tool and driver versions unknown'])
  })

  it('fails without the banner or without device rows, naming the line', () => {
    expect(() => parser.parse('', catalog)).toThrow('ixsmi: line 1: no "IX-ML')
    const head = read('iluvatar/ixsmi_bi-v150s-x1_ixml4.0.0-drv4.1.0.txt').split('\n').slice(0, 6)
    expect(() => parser.parse(head.join('\n'), catalog)).toThrow(/^ixsmi: line 2: no device rows/)
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[|\n ])/,
  pathological: () => [
    `IX-ML: 1\n${'| 0 a | 0000:00:00.0 | 1 |\n| N/A 1C P0 1W / 2W | 1MiB / 2MiB | 0% |\n'.repeat(2000)}`,
    `IX-ML: 1\n| 0 x | 0000:00:00.0 | 1 |\n| ${'N/A / '.repeat(30000)} | ${'1MiB / '.repeat(20000)} |`,
  ],
})
