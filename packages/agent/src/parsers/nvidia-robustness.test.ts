import { readdirSync, readFileSync } from 'node:fs'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { nvidiaCsvParser } from './nvidia-csv.js'
import { parseNvlinkStatus } from './nvidia-nvlink.js'
import { nvidiaTableParser, nvidiaTextParser } from './nvidia-text.js'
import { parseNvidiaTopology } from './nvidia-topo.js'
import { nvidiaXmlParser } from './nvidia-xml.js'

const catalog = defaultCatalog()
const dir = new URL('../../fixtures/telemetry/nvidia/', import.meta.url)
const files = readdirSync(dir).sort()
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8')

const parsers: readonly (readonly [SmiParser, RegExp])[] = [
  [nvidiaXmlParser, /^smi-q-x_/],
  [nvidiaTextParser, /^smi-q_/],
  [nvidiaTableParser, /^smi-default_/],
  [nvidiaCsvParser, /^smi-query-gpu-csv/],
]

// the other outputs, whose functions return plain values: they too throw only ZhisuanError
const readers: readonly (readonly [string, (text: string) => unknown, RegExp])[] = [
  ['nvidia-smi-topo', parseNvidiaTopology, /^smi-topo-m_/],
  ['nvidia-smi-nvlink', parseNvlinkStatus, /^smi-nvlink-status_/],
]

function expectSane(inv: DeviceInventory, tool: string): void {
  expect(inv.tool).toBe(tool)
  for (const d of inv.devices) {
    const numbers = [
      d.index,
      d.memoryTotalMiB,
      d.memoryUsedMiB,
      d.utilizationPercent,
      d.temperatureC,
      d.powerDrawW,
      d.powerLimitW,
      d.ecc.correctable,
      d.ecc.uncorrectable,
    ]
    for (const n of numbers) {
      expect(n === null || Number.isFinite(n)).toBe(true)
    }
    expect(['ok', 'degraded', 'failed']).toContain(d.health.status)
  }
}

/** The run returns, or throws a ZhisuanError that names the tool and a line; nothing else. */
function returnsOrLineError(tool: string, run: () => unknown): void {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(ZhisuanError)
    const message = e instanceof Error ? e.message : ''
    expect(message.startsWith(`${tool}: `)).toBe(true)
    expect(message).toContain('line ')
  }
}

const checks = [
  ...parsers.map(
    ([p, pattern]) =>
      [
        p.tool,
        (text: string) => {
          expectSane(p.parse(text, catalog), p.tool)
        },
        pattern,
      ] as const,
  ),
  ...readers,
]

const unit = fc.oneof(
  fc.constantFrom('<', '>', '/', '|', ':', ' ', '  ', '\n', '\t', '=', ',', '[', ']', '&', '-'),
  fc.constantFrom('<gpu>', '</gpu>', '<nvidia_smi_log>', '<product_name>', 'N/A', 'ERR!'),
  fc.constantFrom('GPU 00000000:01:00.0', '==NVSMI LOG==', 'Driver Version : 1', 'GPU0', 'NV12'),
  fc.constantFrom('NVIDIA-SMI 1 Driver Version: 1', '|====|', 'name', 'memory.total', 'Link 0:'),
  fc.string({ maxLength: 3 }),
)

describe('nvidia parsers: robustness', () => {
  it('each parser detects its own fixtures and none of the others', () => {
    for (const f of files) {
      for (const [p, pattern] of parsers) {
        const score = p.detect(read(f))
        if (pattern.test(f)) {
          expect(score, `${p.tool} on ${f}`).toBeGreaterThanOrEqual(0.9)
        } else {
          expect(score, `${p.tool} on ${f}`).toBeLessThan(0.5)
        }
      }
    }
  })

  describe.each(checks)('%s', (tool, run, pattern) => {
    const own = files.filter((f) => pattern.test(f))

    it('random strings: a result or a line error', () => {
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
          returnsOrLineError(tool, () => run(text))
        }),
        { numRuns: 150 },
      )
    })

    it.each(own)('%s cut at 30 points and at random', (f) => {
      const text = read(f)
      for (let k = 0; k <= 30; k++) {
        returnsOrLineError(tool, () => run(text.slice(0, Math.round((text.length * k) / 30))))
      }
      fc.assert(
        fc.property(fc.integer({ min: 0, max: text.length }), (cut) => {
          returnsOrLineError(tool, () => run(text.slice(0, cut)))
        }),
        { numRuns: 10 },
      )
    })

    it.each(own)('%s with random lines deleted', (f) => {
      const lines = read(f).split('\n')
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.nat({ max: Math.max(0, lines.length - 1) }), { maxLength: 6 }),
          (drop) => {
            const text = lines.filter((_, i) => !drop.includes(i)).join('\n')
            returnsOrLineError(tool, () => run(text))
          },
        ),
        { numRuns: 15 },
      )
    })
  })
})
