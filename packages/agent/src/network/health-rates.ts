import { ZhisuanError } from '@zhisuan/domain'
import {
  counterWidths,
  rateRules,
  type RateKind,
  type RateRule,
  type RateThreshold,
} from './health-rate-rules.js'
import { portStateVerdict } from './sysfs-port.js'
import type { CounterSample, NetHealth, NetVerdict, NicPort } from './types.js'

/**
 * Port health from counter rates: two samples of one port, the seconds between them and,
 * when known, the port itself (its rate scales the bit-error budget; a port down is failed
 * whatever its counters say). The rules are data, in `health-rate-rules.ts`.
 *
 * A counter that went down between the samples was reset (a driver reload, `perfquery -R`)
 * or wrapped: its increments are unknown, so it is noted and not judged — a reset never
 * raises an alarm. A PortCounters counter at its saturation value in both samples (mlx4's
 * 32-bit counters at 4294967295, `link_downed` at 255) can show no increments: noted too.
 */
export interface RateInput {
  readonly before: CounterSample
  readonly after: CounterSample
  /** Seconds between the two samples; more than 0. */
  readonly seconds: number
  readonly nic?: NicPort | null
}

/** One counter that crossed a rule's threshold. */
export interface RateFinding {
  readonly counter: string
  readonly rule: string
  readonly kind: RateKind | 'state'
  readonly increments: number
  readonly perSecond: number
  readonly health: NetHealth
  readonly reason: string
}

export interface RateAssessment {
  /** The worst finding's health, its reason first, for the port. */
  readonly verdict: NetVerdict
  /** Every counter that crossed a threshold, worst first. */
  readonly findings: readonly RateFinding[]
  /** Counters not judged: reset, wrapped or saturated. */
  readonly notes: readonly string[]
}

const rank: Readonly<Record<NetHealth, number>> = { healthy: 0, degraded: 1, failed: 2 }

/**
 * Judges the counter rates of one port between two samples.
 * @example
 * const { verdict, findings } = assessRates({ before, after, seconds: 10, nic })
 * // verdict: { device: 'mlx5_0', port: 1, health: 'degraded', reason: 'packet loss: ACK …' }
 * @throws ZhisuanError `invalid-input` when the samples are of different ports or `seconds`
 * is not a positive number: a caller's bug, not a port's state.
 */
export function assessRates(
  input: RateInput,
  rules: readonly RateRule[] = rateRules,
): RateAssessment {
  const { before, after, seconds } = input
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new ZhisuanError(
      'invalid-input',
      `counter rates need a positive interval, got ${seconds}`,
    )
  }
  if (before.port !== after.port) {
    throw new ZhisuanError(
      'invalid-input',
      `samples of two ports: "${before.port}", "${after.port}"`,
    )
  }
  const findings: RateFinding[] = []
  const notes: string[] = []
  const gbps = input.nic?.rateGbps ?? null
  for (const [counter, now] of Object.entries(after.counters)) {
    const then = before.counters[counter]
    const rule = rules.find((r) => r.counters.test(counter))
    if (then === undefined || rule === undefined) {
      continue
    }
    const increments = incrementsOf(counter, then, now, notes)
    if (increments === null || increments < rule.minIncrements) {
      continue
    }
    const perSecond = increments / seconds
    const health = healthOf(rule, perSecond, gbps)
    if (health !== 'healthy') {
      findings.push(finding(counter, rule, increments, perSecond, health, seconds, gbps))
    }
  }
  const state = input.nic === null || input.nic === undefined ? null : portStateVerdict(input.nic)
  if (state !== null) {
    findings.push({
      counter: '',
      rule: 'port-state',
      kind: 'state',
      increments: 0,
      perSecond: 0,
      health: state.health,
      reason: state.reason,
    })
  }
  findings.sort((a, b) => rank[b.health] - rank[a.health])
  return { verdict: verdictOf(input, findings, notes), findings, notes }
}

/** The verdict alone: `assessRates(input).verdict`. */
export function rateVerdict(input: RateInput): NetVerdict {
  return assessRates(input).verdict
}

/** Increments between two readings; null (with a note) when they cannot be known. */
function incrementsOf(counter: string, then: number, now: number, notes: string[]): number | null {
  if (now < then) {
    notes.push(`${counter} went down (${then} → ${now}): reset or wrapped, not judged`)
    return null
  }
  const width = counterWidths[counter]
  const max = width === undefined ? null : 2 ** width - 1
  if (max !== null && then === max && now === max) {
    notes.push(`${counter} is saturated at ${max} (${width} bits): rises no longer show; clear it`)
    return null
  }
  return now - then
}

/** Errors per second a threshold stands for on this port. */
function perSecondOf(t: RateThreshold, gbps: number | null): number {
  if ('perSecond' in t) {
    return t.perSecond
  }
  return gbps === null ? t.ifRateUnknownPerSecond : t.bitErrorRate * gbps * 1e9
}

function healthOf(rule: RateRule, perSecond: number, gbps: number | null): NetHealth {
  if (rule.failed !== null && perSecond >= perSecondOf(rule.failed, gbps)) {
    return 'failed'
  }
  if (rule.degraded !== null && perSecond >= perSecondOf(rule.degraded, gbps)) {
    return 'degraded'
  }
  return 'healthy'
}

function finding(
  counter: string,
  rule: RateRule,
  increments: number,
  perSecond: number,
  health: NetHealth,
  seconds: number,
  gbps: number | null,
): RateFinding {
  const threshold = health === 'failed' ? rule.failed : rule.degraded
  const limit = threshold === null ? 0 : perSecondOf(threshold, gbps)
  const rate = `${counter} +${increments} in ${round(seconds)} s (${round(perSecond)}/s, ${health} at ${round(limit)}/s)`
  return {
    counter,
    rule: rule.name,
    kind: rule.kind,
    increments,
    perSecond,
    health,
    reason: `${rule.why}: ${rate}`,
  }
}

const round = (n: number): string => (n >= 100 ? n.toFixed(0) : Number(n.toPrecision(3)).toString())

function verdictOf(
  input: RateInput,
  findings: readonly RateFinding[],
  notes: readonly string[],
): NetVerdict {
  const where = placeOf(input)
  const worst = findings[0]
  const noted =
    notes.length > 0 ? `; ${notes.length} counter(s) not judged (${notes[0] ?? ''})` : ''
  if (worst === undefined) {
    return {
      ...where,
      health: 'healthy',
      reason: `counter rates normal over ${round(input.seconds)} s${noted}`,
    }
  }
  const others = findings.slice(1, 3).map((f) => f.reason)
  const more = findings.length > 3 ? `; and ${findings.length - 3} more` : ''
  return {
    ...where,
    health: worst.health,
    reason: [worst.reason, ...others].join('; ') + more + noted,
  }
}

/** The port a verdict is about: the NicPort's, else `mlx5_0/1` split, else the netdev. */
function placeOf(input: RateInput): { device: string; port: number | null } {
  if (input.nic !== null && input.nic !== undefined) {
    return { device: input.nic.device, port: input.nic.port }
  }
  const m = /^(.+)\/(\d+)$/.exec(input.after.port)
  return m === null
    ? { device: input.after.port, port: null }
    : { device: m[1] ?? '', port: Number(m[2]) }
}
