import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser as parser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'
import { catalog, describeDetectAndRobustness, read } from './robustness.test-support.js'

const parse = (name: string) => parser.parse(read(name), catalog)
const siblings: SmiParser[] = [
  amdSmiParser,
  hySmiParser,
  ixsmiParser,
  mxSmiParser,
  rocmSmiJsonParser,
  xpuSmiParser,
]

const own = [
  'moorethreads/mthreads-gmi_s4000-x1_gmi1.12.2_drv1.2.0_mem-over-total.txt',
  'moorethreads/mthreads-gmi_s80-x1_gmi2.0.0_drv3.0.0_with-processes.txt',
]

describe('mthreads-gmi', () => {
  it('reads the S4000 (gmi 1.12.2, driver 1.2.0), keeps used > total and warns', () => {
    const inv = parse('moorethreads/mthreads-gmi_s4000-x1_gmi1.12.2_drv1.2.0_mem-over-total.txt')
    expect(inv).toMatchObject({
      vendor: 'Moore Threads',
      tool: 'mthreads-gmi',
      toolVersion: '1.12.2',
      driverVersion: '1.2.0',
      firmwareVersion: null,
    })
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      model: 'MTT S4000',
      catalogId: 'moorethreads-mtt-s4000',
      busId: '00000000:08:00.0',
      memoryUsedMiB: 44302,
      memoryTotalMiB: 32768,
      utilizationPercent: 88,
      temperatureC: 65,
      powerDrawW: null,
      ecc: { enabled: null },
      reportedHealth: null,
    })
    expect(inv.devices[0]?.health.status).toBe('ok')
    expect(inv.warnings).toEqual([
      'GPU 0: memory used 44302 MiB exceeds total 32768 MiB (kept as printed)',
    ])
  })

  it('reads the S80 (gmi 2.0.0, driver 3.0.0) and skips the process table', () => {
    const inv = parse('moorethreads/mthreads-gmi_s80-x1_gmi2.0.0_drv3.0.0_with-processes.txt')
    expect(inv).toMatchObject({ toolVersion: '2.0.0', driverVersion: '3.0.0', warnings: [] })
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      model: 'MTT S80',
      catalogId: null,
      busId: '00000000:01:00.0',
      memoryUsedMiB: 662,
      memoryTotalMiB: 16384,
      utilizationPercent: 0,
      temperatureC: 41,
    })
    expect(inv.devices[0]?.catalogReason).toContain('no Moore Threads family matches')
  })

  it('reads ECC Mode when it is set', () => {
    const text = read(
      'moorethreads/mthreads-gmi_s80-x1_gmi2.0.0_drv3.0.0_with-processes.txt',
    ).replace('|      N/A', '|      Enabled')
    expect(parser.parse(text, catalog).devices[0]?.ecc.enabled).toBe(true)
  })

  it('reads a copy cut above the banner by its MTT rows, without versions', () => {
    const text = read('moorethreads/mthreads-gmi_s80-x1_gmi2.0.0_drv3.0.0_with-processes.txt')
      .split('\n')
      .filter((l) => !l.includes('mthreads-gmi:'))
      .join('\n')
    expect(parser.detect(text)).toBe(0.7)
    const inv = parser.parse(text, catalog)
    expect(inv.devices[0]).toMatchObject({ model: 'MTT S80', memoryTotalMiB: 16384 })
    expect(inv).toMatchObject({ toolVersion: null, driverVersion: null })
    expect(inv.warnings).toEqual(['no "mthreads-gmi:" line: tool and driver versions unknown'])
  })

  it('fails without the banner or without GPU rows, naming the line', () => {
    expect(() => parser.parse('', catalog)).toThrow('mthreads-gmi: line 1: no "mthreads-gmi:')
    expect(() => parser.parse('\n  mthreads-gmi:2.0.0  Driver Version:3.0.0\n', catalog)).toThrow(
      /^mthreads-gmi: line 2: no GPU rows/,
    )
  })
})

describeDetectAndRobustness({
  parser,
  own,
  siblings,
  tokenSplit: /(?=[|\n ])/,
  pathological: () => [
    `mthreads-gmi:1\n${'0  a |00000000:00:00.0 |1% 1MiB(2MiB)\n  b |16x |1C\n  |N/A\n'.repeat(2000)}`,
    `mthreads-gmi:1\n0 x |00000000:00:00.0 |${'1MiB('.repeat(40000)}`,
  ],
})
