import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SmiParser } from '../inventory.js'

/** Shared by the SMI parser tests: the telemetry fixtures, and the detect/robustness suites. */
const root = fileURLToPath(new URL('../../fixtures/telemetry/', import.meta.url))
export const read = (name: string): string => readFileSync(root + name, 'utf8')
export const allFiles = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .map((f) => f.replace(/\\/g, '/'))
  .filter((f) => statSync(root + f).isFile())
export const catalog = defaultCatalog()

export interface RobustnessOptions {
  /** The parser under test. */
  parser: SmiParser
  /** Its own fixture files, relative to the telemetry fixture root. */
  own: string[]
  /** The other parsers its fixtures must score higher than. */
  siblings: SmiParser[]
  /** Where the fixtures are cut into tokens for random recombination. */
  tokenSplit: RegExp
  /** Truncation points per fixture (default 60). */
  truncationSteps?: number
  /** Highest line index that random deletion may drop (default 80). */
  maxDroppedLine?: number
  /** Large pathological inputs, built inside the timed region. */
  pathological: () => string[]
}

/** The `detect` and `robustness` suites every SMI parser shares. */
export function describeDetectAndRobustness(opts: RobustnessOptions): void {
  const { parser, own, siblings, tokenSplit } = opts
  const truncationSteps = opts.truncationSteps ?? 60
  const maxDroppedLine = opts.maxDroppedLine ?? 80

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
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fine), {
        numRuns: 300,
      })
      const tokens = [...new Set(texts.join('\n').split(tokenSplit))]
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 120 }), (t) => {
          fine(t.join(''))
        }),
        { numRuns: 300 },
      )
    })

    it('survives truncation at a sample of points', () => {
      for (const text of texts) {
        for (let k = 0; k <= truncationSteps; k++) {
          fine(text.slice(0, Math.floor((text.length * k) / truncationSteps)))
        }
      }
    })

    it('survives random line deletions', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...texts),
          fc.uniqueArray(fc.nat({ max: maxDroppedLine }), { maxLength: 8 }),
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
      for (const text of opts.pathological()) {
        fine(text)
      }
      expect(performance.now() - start).toBeLessThan(2000)
    })
  })
}
