import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser as parser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'

const root = fileURLToPath(new URL('../../fixtures/telemetry/', import.meta.url))
const read = (name: string): string => readFileSync(root + name, 'utf8')
const allFiles = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .map((f) => f.replace(/\\/g, '/'))
  .filter((f) => statSync(root + f).isFile())
const catalog = defaultCatalog()
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

describe('detect', () => {
  it.each(own)('is sure of %s, and more than any other parser', (name) => {
    const text = read(name)
    expect(parser.detect(text)).toBeGreaterThanOrEqual(0.9)
    for (const other of siblings) {
      expect(other.detect(text)).toBeLessThan(parser.detect(text))
    }
  })

  it('scores every other fixture file (all vendors) at most 0.2', () => {
    expect(allFiles.length).toBeGreaterThan(60)
    const high = allFiles
      .filter((f) => !own.includes(f))
      .map((f) => [f, parser.detect(read(f))] as const)
      .filter(([, score]) => score > 0.2)
    expect(high).toEqual([])
  })
})

describe('robustness', () => {
  const texts = own.map(read)
  /** An inventory with devices, or a ZhisuanError naming the tool and a line; nothing else. */
  const outcome = (text: string): string => {
    try {
      return parser.parse(text, catalog).devices.length > 0 ? 'ok' : 'empty'
    } catch (e) {
      const clean =
        e instanceof ZhisuanError &&
        e.message.startsWith(`${parser.tool}: `) &&
        /line \d+/.test(e.message)
      return clean ? 'error' : `unexpected ${String(e)}`
    }
  }
  const fine = (text: string): void => {
    expect(['ok', 'error']).toContain(outcome(text))
    expect(parser.detect(text)).toBeGreaterThanOrEqual(0)
  }

  it('survives random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fine), { numRuns: 300 })
    const tokens = [...new Set(texts.join('\n').split(/(?=[|\n ])/))]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 120 }), (t) => {
        fine(t.join(''))
      }),
      { numRuns: 300 },
    )
  })

  it('survives truncation at a sample of points', () => {
    for (const text of texts) {
      for (let k = 0; k <= 60; k++) {
        fine(text.slice(0, Math.floor((text.length * k) / 60)))
      }
    }
  })

  it('survives random line deletions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.uniqueArray(fc.nat({ max: 80 }), { maxLength: 8 }),
        (text, drop) => {
          fine(
            text
              .split('\n')
              .filter((_, i) => !drop.includes(i))
              .join('\n'),
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  it('stays linear when long runs are inserted anywhere in a fixture', () => {
    const runs = [' '.repeat(60000), '9'.repeat(60000), 'N/A / '.repeat(10000), '('.repeat(60000)]
    const start = performance.now()
    for (const text of texts) {
      for (let k = 1; k < 12; k++) {
        const at = Math.floor((text.length * k) / 12)
        for (const run of runs) {
          fine(text.slice(0, at) + run + text.slice(at))
        }
      }
    }
    expect(performance.now() - start).toBeLessThan(3000)
  })

  it('does not hang on large pathological input', () => {
    const start = performance.now()
    fine(
      `mthreads-gmi:1\n${'0  a |00000000:00:00.0 |1% 1MiB(2MiB)\n  b |16x |1C\n  |N/A\n'.repeat(2000)}`,
    )
    fine(`mthreads-gmi:1\n0 x |00000000:00:00.0 |${'1MiB('.repeat(40000)}`)
    expect(performance.now() - start).toBeLessThan(2000)
  })
})
