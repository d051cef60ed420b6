import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { NetParser } from './types.js'

/** Shared by the counter and log parser tests: the network fixtures and their suites. */
const root = fileURLToPath(new URL('../../fixtures/network/', import.meta.url))
export const readNet = (name: string): string => readFileSync(root + name, 'utf8')
export const netFixtures = (): string[] =>
  readdirSync(root)
    .filter((f) => f.endsWith('.txt'))
    .sort()

/**
 * What parsing `text` comes to: `ok` (a report), `error` (a ZhisuanError naming the tool and
 * a line), or `unexpected …` for anything else.
 */
export function outcome(parser: NetParser, text: string): string {
  try {
    const report = parser.parse(text)
    return report.tool === parser.tool ? 'ok' : `unexpected tool ${report.tool}`
  } catch (e) {
    const clean =
      e instanceof ZhisuanError &&
      e.code === 'invalid-input' &&
      e.message.startsWith(`${parser.tool}: line `) &&
      /^\S+: line \d+: /.test(e.message)
    return clean ? 'error' : `unexpected ${String(e)}`
  }
}

export interface NetSuiteOptions {
  readonly parser: NetParser
  /** Whether a fixture file is one of this parser's. */
  readonly owns: (file: string) => boolean
  /** Every parser that must score this one's fixtures lower. */
  readonly others: readonly NetParser[]
  /** The most it may score another tool's fixture (default 0.2). */
  readonly maxOnOthers?: number
}

/**
 * The detect and robustness suites each counter parser shares: sure (0.9+) of its fixtures
 * and surer than any other parser, at most 0.2 on every other network fixture; a report or a
 * clean error on random text, cut fixtures, thinned fixtures and long runs, and linear time.
 */
export function describeNetParser(opts: NetSuiteOptions): void {
  const { parser, owns, others } = opts
  const own = netFixtures().filter(owns)
  const texts = own.map(readNet)
  const fine = (text: string): void => {
    expect(['ok', 'error']).toContain(outcome(parser, text))
    const score = parser.detect(text)
    expect(score >= 0 && score <= 1).toBe(true)
  }

  describe(`${parser.tool} detect`, () => {
    it('is sure of its own fixtures, and surer than any other parser', () => {
      expect(own.length).toBeGreaterThan(0)
      for (const file of own) {
        const text = readNet(file)
        expect(parser.detect(text), file).toBeGreaterThanOrEqual(0.9)
        for (const other of others) {
          expect(other.detect(text), `${other.tool} on ${file}`).toBeLessThan(parser.detect(text))
        }
      }
    })

    it(`scores every other network fixture ${opts.maxOnOthers ?? 0.2} or less`, () => {
      for (const file of netFixtures().filter((f) => !owns(f))) {
        expect(parser.detect(readNet(file)), file).toBeLessThanOrEqual(opts.maxOnOthers ?? 0.2)
      }
    })
  })

  describe(`${parser.tool} robustness`, () => {
    it('parses each of its fixtures', () => {
      for (const [i, text] of texts.entries()) {
        expect(outcome(parser, text), own[i]).toBe('ok')
      }
    })

    it('gives a report or a clean error for random text and recombined fixture lines', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fine), { numRuns: 200 })
      const lines = [...new Set(texts.join('\n').split('\n'))]
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...lines), { maxLength: 60 }), (picked) => {
          fine(picked.join('\n'))
        }),
        { numRuns: 200 },
      )
    })

    it('survives its fixtures cut anywhere or thinned at random', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...texts),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (t, at) => {
            fine(t.slice(0, Math.floor(t.length * at)))
          },
        ),
        { numRuns: 200 },
      )
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.infiniteStream(fc.boolean()), (t, keep) => {
          fine(
            t
              .split('\n')
              .filter(() => keep.next().value)
              .join('\n'),
          )
        }),
        { numRuns: 200 },
      )
    })

    it('stays linear when long runs are inserted into its fixtures', () => {
      const runs = [' '.repeat(50000), '9'.repeat(50000), ':'.repeat(50000), '[0]'.repeat(20000)]
      const start = performance.now()
      for (const text of texts) {
        for (const run of runs) {
          for (const k of [1, 5, 9]) {
            const at = Math.floor((text.length * k) / 10)
            fine(text.slice(0, at) + run + text.slice(at))
          }
        }
      }
      expect(performance.now() - start).toBeLessThan(4000)
    })
  })
}
