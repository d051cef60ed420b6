import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ZhisuanError } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ibParsers } from './ib-parsers.js'
import type { NetParser } from './types.js'

/** Shared by the InfiniBand tool parser tests: the network fixtures and the common suites. */
const networkRoot = fileURLToPath(new URL('../../fixtures/network/', import.meta.url))
const telemetryRoot = fileURLToPath(new URL('../../fixtures/telemetry/', import.meta.url))

/** A network fixture's text, by file name. */
export const readNet = (name: string): string => readFileSync(networkRoot + name, 'utf8')

const filesUnder = (root: string): string[] =>
  readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => f.replace(/\\/g, '/'))
    .filter((f) => statSync(root + f).isFile() && !f.endsWith('.md'))

/** Every fixture, network and accelerator telemetry, as `[label, text]`. */
export function everyFixture(): [string, string][] {
  return [
    ...filesUnder(networkRoot).map((f): [string, string] => [f, readNet(f)]),
    ...filesUnder(telemetryRoot).map((f): [string, string] => [
      `telemetry/${f}`,
      readFileSync(telemetryRoot + f, 'utf8'),
    ]),
  ]
}

/**
 * What parsing `text` comes to: `ok`, `error` (a ZhisuanError `invalid-input` whose message
 * names the tool and a line of the text), or `unexpected …` for anything else.
 */
export function outcome(parser: NetParser, text: string): string {
  try {
    const report = parser.parse(text)
    const wellFormed =
      report.tool === parser.tool &&
      Array.isArray(report.nics) &&
      Array.isArray(report.verdicts) &&
      Array.isArray(report.counters) &&
      Array.isArray(report.warnings)
    return wellFormed ? 'ok' : `unexpected report ${JSON.stringify(report).slice(0, 200)}`
  } catch (e) {
    const line = Number(/^[\w-]+: line (\d+): /.exec(e instanceof Error ? e.message : '')?.[1])
    const lines = text.split('\n').length
    const clean =
      e instanceof ZhisuanError &&
      e.code === 'invalid-input' &&
      e.message.startsWith(`${parser.tool}: line `) &&
      line >= 1 &&
      line <= lines
    return clean ? 'error' : `unexpected ${String(e)}`
  }
}

export interface IbSuiteOptions {
  readonly parser: NetParser
  /** Its own fixture files (in fixtures/network). */
  readonly own: readonly string[]
  /** The prefix of its tool's fixture names (`ibstat--`): other files must score ≤ 0.2. */
  readonly prefix: string
  /** Pieces of its output, recombined at random. */
  readonly words: readonly string[]
  /** Long pathological inputs that must parse or fail fast. */
  readonly pathological: () => string[]
}

/** The detect and robustness suites every IB tool parser shares. */
export function describeIbSuites(opts: IbSuiteOptions): void {
  const { parser, own } = opts
  const siblings = ibParsers.filter((p) => p !== parser)
  const fine = (text: string): void => {
    expect(outcome(parser, text)).toMatch(/^(ok|error)$/)
    const score = parser.detect(text)
    expect(score >= 0 && score <= 1).toBe(true)
  }

  describe(`${parser.tool} detect`, () => {
    it.each(own)('is sure of %s, and more than any other IB parser', (name) => {
      const text = readNet(name)
      expect(parser.detect(text)).toBeGreaterThanOrEqual(0.9)
      for (const other of siblings) {
        expect(other.detect(text), other.tool).toBeLessThanOrEqual(0.2)
      }
    })

    it('scores every other fixture (network and accelerator) 0.2 or less', () => {
      const high = everyFixture()
        .filter(([name]) => !name.startsWith(opts.prefix))
        .map(([name, text]) => [name, parser.detect(text)] as const)
        .filter(([, score]) => score > 0.2)
      expect(high).toEqual([])
    })
  })

  describe(`${parser.tool} robustness`, () => {
    const texts = own.map(readNet)

    it('parses every fixture cut at every line boundary, or names the line', () => {
      for (const text of texts) {
        const lines = text.split('\n')
        for (let k = 0; k <= lines.length; k++) {
          fine(lines.slice(0, k).join('\n'))
        }
      }
    })

    it('never throws anything but a ZhisuanError naming a line (property)', () => {
      const cut = fc.constantFrom(...texts).chain((text) => {
        const lines = text.split('\n')
        return fc.tuple(
          fc.constant(lines),
          fc.nat({ max: lines.length }),
          fc.nat({ max: lines.length }),
        )
      })
      fc.assert(
        fc.property(cut, ([lines, from, to]) => {
          fine(lines.slice(Math.min(from, to), Math.max(from, to) + 1).join('\n'))
        }),
        { numRuns: 300 },
      )
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.infiniteStream(fc.boolean()), (text, keep) => {
          fine(
            text
              .split('\n')
              .filter(() => keep.next().value)
              .join('\n'),
          )
        }),
        { numRuns: 300 },
      )
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fine), { numRuns: 200 })
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...opts.words), { maxLength: 80 }), (parts) => {
          fine(parts.join(''))
        }),
        { numRuns: 300 },
      )
    })

    it('stays linear on long runs inserted anywhere, and on pathological input', () => {
      const runs = [' '.repeat(60000), '9'.repeat(60000), "' ".repeat(30000), '('.repeat(60000)]
      const start = performance.now()
      for (const text of texts) {
        for (let k = 1; k < 8; k++) {
          const at = Math.floor((text.length * k) / 8)
          for (const run of runs) {
            fine(text.slice(0, at) + run + text.slice(at))
          }
        }
      }
      for (const text of opts.pathological()) {
        fine(text)
      }
      expect(performance.now() - start).toBeLessThan(4000)
    })
  })
}
