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
    const fine = (text: string): void => {
      expect(['ok', 'error']).toContain(outcome(parser, text))
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

/**
 * What parsing `text` comes to: `ok` (devices), `empty` (an inventory without devices), `error`
 * (a ZhisuanError naming the tool and a line), or `unexpected …` for anything else.
 */
function outcome(parser: SmiParser, text: string): string {
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

/** Parses to an inventory (with devices or none), or fails with a clean error (see `outcome`). */
export function parsesOrExplains(parser: SmiParser, text: string): void {
  expect(['ok', 'empty', 'error']).toContain(outcome(parser, text))
}

export interface ToleranceOptions {
  readonly parser: SmiParser
  /** The fixture folder of its vendor, e.g. `cambricon`. */
  readonly dir: string
  /** Parsers that must score its fixtures 0.2 or less. */
  readonly others: readonly SmiParser[]
  /** Pieces of its output, recombined at random. */
  readonly words: readonly string[]
  /** Long pathological inputs that must parse or fail fast. */
  readonly pathological: readonly string[]
}

/**
 * The detect and tolerance suites of a box-table parser whose output has no structure beyond
 * its rows (cnmon, efsmi): sure of its own fixtures, silent on every other, and never anything
 * but an inventory or a clean error on random, cut, thinned or pathological text.
 */
export function describeDetectAndTolerance(opts: ToleranceOptions): void {
  const { parser, dir, others } = opts
  const own = allFiles.filter((f) => f.startsWith(`${dir}/`))

  describe(`${parser.tool} detect over every fixture`, () => {
    it('scores its fixtures highest', () => {
      for (const file of own) {
        const text = read(file)
        expect(parser.detect(text), file).toBe(1)
        for (const other of others) {
          expect(other.detect(text), `${other.tool} on ${file}`).toBeLessThanOrEqual(0.2)
        }
      }
    })

    it('scores every other vendor fixture 0.2 or less', () => {
      for (const file of allFiles.filter((f) => !f.startsWith(`${dir}/`))) {
        expect(parser.detect(read(file)), file).toBeLessThanOrEqual(0.2)
      }
    })
  })

  describe(`${parser.tool} robustness`, () => {
    const texts = own.map(read)

    it('survives random text', () => {
      fc.assert(
        fc.property(fc.string(), (s) => {
          parsesOrExplains(parser, s)
        }),
      )
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...opts.words), { maxLength: 60 }), (parts) => {
          parsesOrExplains(parser, parts.join(''))
        }),
      )
    })

    it('survives fixtures cut at any point', () => {
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.double({ min: 0, max: 1 }), (text, at) => {
          parsesOrExplains(parser, text.slice(0, Math.floor(text.length * at)))
        }),
        { numRuns: 200 },
      )
    })

    it('survives random line deletions', () => {
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.infiniteStream(fc.boolean()), (text, keep) => {
          parsesOrExplains(
            parser,
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
      for (const text of opts.pathological) {
        parsesOrExplains(parser, text)
      }
      expect(performance.now() - start).toBeLessThan(1000)
    })
  })
}
