import { describe, expect, it } from 'vitest'
import { counterParsers } from './counter-parsers.js'
import { describeNetParser, netFixtures, readNet } from './counter-fixtures.test-support.js'
import { ethtoolStatsParser } from './ethtool-stats.js'
import { ncclLogParser } from './nccl-log.js'
import { ncclTestsParser } from './nccl-tests.js'
import { sysfsInfinibandParser } from './sysfs-infiniband.js'
import type { NetParser } from './types.js'
import { ucxLogParser } from './ucx-log.js'

const others = (p: NetParser): NetParser[] => counterParsers.filter((o) => o !== p)

describeNetParser({
  parser: sysfsInfinibandParser,
  owns: (f) => f.startsWith('sysfs-infiniband--'),
  others: others(sysfsInfinibandParser),
})
describeNetParser({
  parser: ethtoolStatsParser,
  owns: (f) => f.startsWith('ethtool-S'),
  others: others(ethtoolStatsParser),
})
describeNetParser({
  parser: ncclLogParser,
  owns: (f) => f.startsWith('nccl-debug--'),
  others: others(ncclLogParser),
  // nccl-tests output carries NCCL INFO lines; the table parser scores it 0.98
  maxOnOthers: 0.5,
})
describeNetParser({
  parser: ucxLogParser,
  owns: (f) => f.startsWith('ucx-error--'),
  others: others(ucxLogParser),
})
describeNetParser({
  parser: ncclTestsParser,
  owns: (f) => f.startsWith('nccl-tests-'),
  others: others(ncclTestsParser),
})

describe('counterParsers', () => {
  it('holds one parser per tool, each named by its tool', () => {
    const tools = counterParsers.map((p) => p.tool)
    expect(new Set(tools).size).toBe(tools.length)
    expect(tools).toEqual([
      'sysfs-infiniband',
      'ethtool-stats',
      'nccl-log',
      'ucx-log',
      'nccl-tests',
    ])
  })

  it('picks exactly one parser as the best for each of its fixtures', () => {
    for (const file of netFixtures()) {
      const text = readNet(file)
      const scores = counterParsers.map((p) => p.detect(text)).sort((a, b) => b - a)
      const [best = 0, next = 0] = scores
      if (best >= 0.9) {
        expect(best - next, file).toBeGreaterThan(0)
      }
    }
  })
})
