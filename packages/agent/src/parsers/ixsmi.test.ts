import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser as parser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
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
      `IX-ML: 1\n${'| 0 a | 0000:00:00.0 | 1 |\n| N/A 1C P0 1W / 2W | 1MiB / 2MiB | 0% |\n'.repeat(2000)}`,
    )
    fine(
      `IX-ML: 1\n| 0 x | 0000:00:00.0 | 1 |\n| ${'N/A / '.repeat(30000)} | ${'1MiB / '.repeat(20000)} |`,
    )
    expect(performance.now() - start).toBeLessThan(2000)
  })
})
