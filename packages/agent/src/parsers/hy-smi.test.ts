import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { hySmiParser as parser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
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
    const tokens = [...new Set(texts.join('\n').split(/(?=[\n ])/))]
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
    fine(`DCU Temp AvgPwr\n${'0 1c '.repeat(40000)}`)
    fine(`DCU  Temp\n${'1  \n'.repeat(40000)}`)
    expect(performance.now() - start).toBeLessThan(2000)
  })
})
