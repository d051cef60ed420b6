import { readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { cnmonParser } from './cnmon.js'
import { efsmiParser } from './efsmi.js'
import { npuSmiParser } from './npu-smi.js'

const root = new URL('../../fixtures/telemetry/', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')
const catalog = defaultCatalog()
const parse = (file: string) => cnmonParser.parse(read(`cambricon/${file}`), catalog)
const fixtures = readdirSync(new URL('cambricon/', root))
const allFixtures = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`${d.name}/`, root)).map((f) => `${d.name}/${f}`))

const column = <K extends keyof DeviceInventory['devices'][number]>(inv: DeviceInventory, key: K) =>
  inv.devices.map((d) => d[key])

describe('cnmon fixtures', () => {
  it('has the three fixtures the tests below name', () => {
    expect(fixtures.sort()).toEqual([
      'cnmon_mlu370-x4-x2_v5.10.10.txt',
      'cnmon_mlu370-x4-x3_v4.20.11.txt',
      'cnmon_mlu370-x8-x2_v5.10.13.txt',
    ])
  })

  it('MLU370-X8 x2 (5.10.13): the catalog entry', () => {
    const inv = parse('cnmon_mlu370-x8-x2_v5.10.13.txt')
    expect(inv).toMatchObject({
      vendor: 'Cambricon',
      tool: 'cnmon',
      toolVersion: '5.10.13',
      driverVersion: '5.10.13',
      firmwareVersion: '1.1.6',
      warnings: [],
    })
    expect(column(inv, 'index')).toEqual([0, 1])
    expect(column(inv, 'model')).toEqual(['MLU370-X8', 'MLU370-X8'])
    expect(column(inv, 'catalogId')).toEqual(['cambricon-mlu370-x8', 'cambricon-mlu370-x8'])
    expect(column(inv, 'busId')).toEqual(['0000:39:00.0', '0000:3D:00.0'])
    expect(column(inv, 'memoryTotalMiB')).toEqual([23374, 23374])
    expect(column(inv, 'memoryUsedMiB')).toEqual([0, 0])
    expect(column(inv, 'temperatureC')).toEqual([32, 39])
    expect(column(inv, 'powerDrawW')).toEqual([106, 106])
    expect(column(inv, 'powerLimitW')).toEqual([250, 250])
    expect(column(inv, 'utilizationPercent')).toEqual([0, 0])
    expect(column(inv, 'reportedHealth')).toEqual([null, null])
    expect(inv.devices.every((d) => d.health.status === 'ok')).toBe(true)
  })

  it('MLU370-X4 x2 (5.10.10, timestamp line): not the X8 entry', () => {
    const inv = parse('cnmon_mlu370-x4-x2_v5.10.10.txt')
    expect(inv).toMatchObject({ toolVersion: '5.10.10', driverVersion: '5.10.10' })
    expect(column(inv, 'model')).toEqual(['MLU370-X4', 'MLU370-X4'])
    expect(column(inv, 'catalogId')).toEqual([null, null])
    expect(inv.devices[0]?.catalogReason).toContain('not in the catalog')
    expect(inv.devices[0]?.catalogReason).toContain('cambricon-mlu370-x8')
    expect(column(inv, 'busId')).toEqual(['0000:1B:00.0', '0000:36:00.0'])
    expect(column(inv, 'memoryTotalMiB')).toEqual([23308, 23308])
    expect(column(inv, 'powerLimitW')).toEqual([150, 150])
    expect(column(inv, 'temperatureC')).toEqual([41, 41])
  })

  it('MLU370-X4 x3 (4.20.11, v4 layout): driver from the card rows, no bus id', () => {
    const inv = parse('cnmon_mlu370-x4-x3_v4.20.11.txt')
    expect(inv).toMatchObject({
      toolVersion: '4.20.11',
      driverVersion: '4.20.11',
      firmwareVersion: '1.1.6',
      warnings: [],
    })
    expect(column(inv, 'index')).toEqual([0, 1, 2])
    expect(column(inv, 'catalogId')).toEqual([null, null, null])
    expect(column(inv, 'busId')).toEqual([null, null, null])
    expect(column(inv, 'memoryTotalMiB')).toEqual([23308, 23308, 23308])
    expect(column(inv, 'temperatureC')).toEqual([32, 33, 30])
    expect(column(inv, 'powerDrawW')).toEqual([30, 25, 26])
  })

  it('refuses text without a cnmon header', () => {
    expect(() => cnmonParser.parse('hello', catalog)).toThrow(/^cnmon: line 1: no cnmon table/)
  })
})

const others: readonly SmiParser[] = [npuSmiParser, efsmiParser]

describe('cnmon detect over every fixture', () => {
  it('scores its fixtures highest', () => {
    for (const file of fixtures) {
      const text = read(`cambricon/${file}`)
      expect(cnmonParser.detect(text), file).toBe(1)
      for (const other of others) {
        expect(other.detect(text), `${other.tool} on ${file}`).toBeLessThanOrEqual(0.2)
      }
    }
  })

  it('scores every other vendor fixture 0.2 or less', () => {
    for (const file of allFixtures.filter((f) => !f.startsWith('cambricon/'))) {
      expect(cnmonParser.detect(read(file)), file).toBeLessThanOrEqual(0.2)
    }
  })
})

function parsesOrExplains(parser: SmiParser, text: string): void {
  try {
    const inv = parser.parse(text, catalog)
    expect(Array.isArray(inv.devices)).toBe(true)
  } catch (e) {
    expect(e).toBeInstanceOf(ZhisuanError)
    const message = (e as Error).message
    expect(message.startsWith(`${parser.tool}:`), message).toBe(true)
    expect(message).toContain('line ')
  }
}

describe('cnmon robustness', () => {
  const texts = fixtures.map((f) => read(`cambricon/${f}`))

  it('survives random text', () => {
    const words = ['|', 'CNMON v5', 'Card  VF  Name', '0     /', 'C', 'W/', 'MiB/', '\n', ' ']
    fc.assert(
      fc.property(fc.string(), (s) => {
        parsesOrExplains(cnmonParser, s)
      }),
    )
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 60 }), (parts) => {
        parsesOrExplains(cnmonParser, parts.join(''))
      }),
    )
  })

  it('survives fixtures cut at any point', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.double({ min: 0, max: 1 }), (text, at) => {
        parsesOrExplains(cnmonParser, text.slice(0, Math.floor(text.length * at)))
      }),
      { numRuns: 200 },
    )
  })

  it('survives random line deletions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.infiniteStream(fc.boolean()), (text, keep) => {
        parsesOrExplains(
          cnmonParser,
          text
            .split('\n')
            .filter(() => keep.next().value)
            .join('\n'),
        )
      }),
      { numRuns: 200 },
    )
  })

  it('does not hang on long pathological lines', () => {
    const start = performance.now()
    parsesOrExplains(cnmonParser, `| CNMON v${'1'.repeat(50_000)}\n|${' W/'.repeat(30_000)}`)
    parsesOrExplains(cnmonParser, `| Card  VF  Name |\n| 0 / x |\n|${' 1 C'.repeat(30_000)}|`)
    expect(performance.now() - start).toBeLessThan(1000)
  })
})
