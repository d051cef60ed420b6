import { ZhisuanError } from '@zhisuan/domain'
import { counterParsers } from './counter-parsers.js'
import { ibParsers } from './ib-parsers.js'
import type { NetParser, NetToolName, NetworkReport } from './types.js'

/** Every network tool parser (issue #21): the InfiniBand tools, then counters and logs. */
export const netParsers: readonly NetParser[] = [...ibParsers, ...counterParsers]

/** The network parser most sure the text is its tool's output, with its score (≥ 0.5), if any. */
export function detectNetParser(text: string): { parser: NetParser; score: number } | undefined {
  let best: { parser: NetParser; score: number } | undefined
  for (const parser of netParsers) {
    const score = parser.detect(text)
    if (score >= 0.5 && score > (best?.score ?? 0)) {
      best = { parser, score }
    }
  }
  return best
}

/**
 * Parses a network tool's output, by the named tool or by detection.
 * @throws ZhisuanError `invalid-input` when no parser recognizes it, or the parser's own error
 * naming the tool and the line.
 */
export function parseNetwork(text: string, tool?: NetToolName): NetworkReport {
  const parser =
    tool === undefined ? detectNetParser(text)?.parser : netParsers.find((p) => p.tool === tool)
  if (parser === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `not the output of a network tool this agent reads (${netParsers.map((p) => p.tool).join(', ')})`,
    )
  }
  return parser.parse(text)
}

/**
 * A report as `zhisuan agent parse --json` prints it (issue #21): the ports, every counter by
 * `port/name` (by name alone when the tool gives no port), the verdicts one sample supports.
 */
export function networkSummary(report: NetworkReport): {
  tool: NetToolName
  nics: {
    device: string
    port: number
    linkLayer: string | null
    state: string
    physicalState: string
    rateGbps: number | null
    firmware: string | null
    netdev: string | null
    guid: string | null
  }[]
  counters: Record<string, number>
  verdicts: { device: string; port: number | null; health: string; reason: string }[]
  extra?: Readonly<Record<string, unknown>>
  warnings: readonly string[]
} {
  const counters: Record<string, number> = {}
  for (const sample of report.counters) {
    for (const [name, value] of Object.entries(sample.counters)) {
      counters[sample.port === '' ? name : `${sample.port}/${name}`] = value
    }
  }
  return {
    tool: report.tool,
    nics: report.nics.map((n) => ({
      device: n.device,
      port: n.port,
      linkLayer: n.linkLayer,
      state: n.state,
      physicalState: n.physicalState,
      rateGbps: n.rateGbps,
      firmware: n.firmware,
      netdev: n.netdev,
      guid: n.guid,
    })),
    counters,
    verdicts: report.verdicts.map((v) => ({ ...v })),
    ...(report.extra === undefined ? {} : { extra: report.extra }),
    warnings: report.warnings,
  }
}

export { assessRates, rateRules, rateVerdict } from './counter-parsers.js'
export type {
  LinkLayer,
  NetHealth,
  NetParser,
  NetToolName,
  NetVerdict,
  NetworkReport,
  NicPort,
  CounterSample,
} from './types.js'
export { NicSampler } from './sampler.js'
export { writeSysfsTree } from './sysfs-entries.js'
export type { CounterReadStrategy, LostPort, NicSample, NicSamplerOptions } from './sampler.js'
export { NicHealthTracker } from './nic-health-tracker.js'
export type { NodeNicHealth, PortHealth } from './nic-health-tracker.js'
