import { describe, expect, it } from 'vitest'
import { everyFixture } from './ib-fixtures.test-support.js'
import { ibParsers } from './ib-parsers.js'

/** The tool each fixture name prefix belongs to. */
const toolOf: readonly [string, string][] = [
  ['ibstat--', 'ibstat'],
  ['ibstatus--', 'ibstatus'],
  ['ibv_devinfo', 'ibv_devinfo'],
  ['ibdev2netdev', 'ibdev2netdev'],
  ['rdma-link', 'rdma-link'],
  ['ibnetdiscover', 'ibnetdiscover'],
  ['ibswinfo', 'ibswinfo'],
  ['perfquery', 'perfquery'],
]

describe('ibParsers', () => {
  it('holds one parser per IB tool', () => {
    expect(ibParsers.map((p) => p.tool)).toEqual(toolOf.map(([, tool]) => tool))
  })

  it('picks the right parser for every IB fixture, and none for any other file', () => {
    for (const [name, text] of everyFixture()) {
      const best = ibParsers
        .map((p) => [p.tool, p.detect(text)] as const)
        .filter(([, score]) => score >= 0.9)
        .map(([tool]) => tool)
      const expected = toolOf.filter(([prefix]) => name.startsWith(prefix)).map(([, tool]) => tool)
      expect(best, name).toEqual(expected)
    }
  })
})
