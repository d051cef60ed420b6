import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser as parser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  hySmiParser,
  ixsmiParser,
  mthreadsGmiParser,
  mxSmiParser,
  rocmSmiJsonParser,
  xpuSmiParser,
]

const own = ['amd/amd-smi-default_radeon-ai-pro-r9700-x2_amdsmi26.2.1_rocm7.2.0.txt']

describe('amd-smi default view', () => {
  const name = 'amd/amd-smi-default_radeon-ai-pro-r9700-x2_amdsmi26.2.1_rocm7.2.0.txt'

  it('reads 2 Radeon AI PRO R9700 (AMD-SMI 26.2.1, amdgpu 6.16.6): not in the catalog', () => {
    const inv = parse(name)
    expect(inv).toMatchObject({
      vendor: 'AMD',
      tool: 'amd-smi',
      toolVersion: '26.2.1+fc0010cf6a',
      driverVersion: '6.16.6',
      firmwareVersion: '00158742',
    })
    expect(inv.devices).toHaveLength(2)
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      model: 'Radeon AI PRO R9700',
      catalogId: null,
      busId: '0000:03:00.0',
      memoryTotalMiB: 32624,
      memoryUsedMiB: 29777,
      utilizationPercent: 100,
      temperatureC: 79,
      powerDrawW: 103,
      powerLimitW: 300,
      ecc: { uncorrectable: 0 },
      reportedHealth: null,
    })
    expect(inv.devices[1]).toMatchObject({
      index: 1,
      busId: '0000:43:00.0',
      temperatureC: 80,
      powerDrawW: 92,
    })
    expect(inv.devices[0]?.catalogReason).toContain('not in the catalog')
    expect(inv.devices[0]?.catalogReason).toContain('truncated')
    expect(inv.devices.every((d) => d.health.status === 'ok')).toBe(true)
    expect(inv.warnings.filter((w) => w.includes('cut the name'))).toHaveLength(2)
  })

  it('takes UEC above 0 as uncorrectable ECC errors: degraded, reset the device', () => {
    const text = read(name).replace('79 °C   0  ', '79 °C   3  ')
    const d = parser.parse(text, catalog).devices[0]
    expect(d?.ecc.uncorrectable).toBe(3)
    expect(d?.health).toEqual({
      status: 'degraded',
      issues: [
        {
          status: 'degraded',
          action: 'reset-device',
          reason: '3 uncorrectable ECC error(s) (amd-smi UEC)',
          source: 'ecc-uncorrectable',
        },
      ],
    })
  })

  it('matches an Instinct name by family, even cut by amd-smi', () => {
    const text = read(name).replace(
      '0000:03:00.0 ...Radeon AI PRO R9700',
      '0000:03:00.0 ...AMD Instinct MI300X',
    )
    expect(parser.parse(text, catalog).devices[0]?.catalogId).toBe('amd-mi300x-192gb')
  })

  it('reads N/A cells by position (an MI300X-style row)', () => {
    const text = read(name)
      .replace(
        '| 0000:03:00.0 ...Radeon AI PRO R9700 | 1 %      79 °C   0           103/300 W |',
        '| 0000:03:00.0    AMD Instinct MI300X | N/A        N/A   0           130/750 W |',
      )
      .replace(
        '|   0       0     N/A             N/A | 100 %   38.82           29777/32624 MB |',
        '|   0       0       0        SPX/NPS1 | 0 %        N/A           283/196592 MB |',
      )
    const d = parser.parse(text, catalog).devices[0]
    expect(d).toMatchObject({
      model: 'AMD Instinct MI300X',
      catalogId: 'amd-mi300x-192gb',
      temperatureC: null,
      ecc: { uncorrectable: 0 },
      powerDrawW: 130,
      powerLimitW: 750,
      memoryUsedMiB: 283,
      memoryTotalMiB: 196592,
      utilizationPercent: 0,
    })
  })

  it('fails without the banner or without GPU rows, naming the line', () => {
    expect(() => parser.parse('nothing here', catalog)).toThrow('amd-smi: line 1: no "AMD-SMI')
    const head = read(name).split('\n').slice(0, 8).join('\n')
    expect(() => parser.parse(head, catalog)).toThrow(/^amd-smi: line 2: no GPU rows/)
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[|\n ])/,
  pathological: () => [
    `| AMD-SMI 1 |\n|====|\n${'| 0000:00:00.0 x | 1 % 2 °C 0 1/2 W |\n'.repeat(4000)}`,
    `| AMD-SMI 1 |\n|====|\n| 0000:00:00.0 ${'... '.repeat(50000)} | ${'1/'.repeat(50000)}`,
  ],
})
