import { rateRules, type RateRule } from './health-rate-rules.js'
import { assessRates, type RateFinding } from './health-rates.js'
import type { NicSample } from './sampler.js'
import { portStateVerdict } from './sysfs-port.js'
import type { CounterSample, NetHealth, NetVerdict, NicPort } from './types.js'

/** One port's health after a sample: its verdict and the findings behind it. */
export interface PortHealth {
  /** `mlx5_0/1`, or `mlx5_0` for device-wide counters. */
  readonly port: string
  readonly verdict: NetVerdict
  /** Every counter that crossed a rule's threshold, worst first (`assessRates`). */
  readonly findings: readonly RateFinding[]
  /** Counters not judged (reset, wrapped, saturated), and why a port was not judged. */
  readonly notes: readonly string[]
}

/** A node's NIC health after a sample: the worst of its ports, and each port. */
export interface NodeNicHealth {
  /** The sample's time, milliseconds since the epoch. */
  readonly at: number
  readonly health: NetHealth
  /** The worst port's verdict first, with how many ports are failed and degraded. */
  readonly reason: string
  readonly ports: readonly PortHealth[]
}

/** What the tracker keeps of a port: its last sample, and since when it is missing. */
interface Seen {
  readonly at: number
  readonly counters: CounterSample
  readonly health: PortHealth
  readonly goneSince: number | null
}

const rank: Readonly<Record<NetHealth, number>> = { healthy: 0, degraded: 1, failed: 2 }

/**
 * Turns successive `NicSample`s into verdicts (issue #21): each port's counters against its
 * previous sample, over the seconds between the two samples' `at` (so the clock is the
 * sampler's, and recorded samples replay to the same verdicts), by the rules of
 * `health-rate-rules.ts`; then the node's, the worst of its ports.
 *
 * A port's first sample shows only its state. A port that leaves the samples (its device was
 * removed, or its driver reset and the sampler could not read it) is failed from then on,
 * until it is back or `forget` is called: a NIC that fell off the bus does not heal by
 * vanishing. A sample no later than the port's previous one is not judged; the port keeps its
 * verdict.
 * @example
 * const tracker = new NicHealthTracker()
 * const health = tracker.observe(sampler.sample())
 * // { health: 'failed', reason: '1 failed, 0 degraded of 8 ports: mlx5_3/1: the link went down …' }
 */
export class NicHealthTracker {
  private readonly seen = new Map<string, Seen>()

  constructor(private readonly rules: readonly RateRule[] = rateRules) {}

  /** Judges a sample against the previous one of each port, and keeps it for the next. */
  observe(sample: NicSample): NodeNicHealth {
    const nics = new Map(sample.nics.map((n) => [`${n.device}/${n.port}`, n]))
    const counters = new Map(sample.counters.map((c) => [c.port, c]))
    const present = new Set([...nics.keys(), ...counters.keys()])
    const ports: PortHealth[] = []
    for (const port of present) {
      const after = counters.get(port) ?? { port, counters: {} }
      ports.push(this.judge(port, nics.get(port) ?? null, after, sample.at))
    }
    const lost = new Map(sample.lost.map((l) => [l.port, l.reason]))
    for (const [port, seen] of this.seen) {
      if (!present.has(port)) {
        ports.push(this.missing(port, seen, sample.at, lost.get(port)))
      }
    }
    return { at: sample.at, ...rollUp(ports), ports }
  }

  /** Stops reporting a port that is gone for good (a NIC taken out on purpose). */
  forget(port: string): void {
    this.seen.delete(port)
  }

  private judge(port: string, nic: NicPort | null, after: CounterSample, at: number): PortHealth {
    const before = this.seen.get(port)
    if (before === undefined) {
      const state = nic === null ? null : portStateVerdict(nic)
      const health: PortHealth = {
        port,
        verdict: state ?? { ...placeOf(port), health: 'healthy', reason: 'first sample' },
        findings: [],
        notes: ['first sample: counter rates from the next one'],
      }
      this.seen.set(port, { at, counters: after, health, goneSince: null })
      return health
    }
    const seconds = (at - before.at) / 1000
    if (!(seconds > 0)) {
      const note = `a sample at ${at} is not after the previous one (${before.at}): not judged`
      return { ...before.health, notes: [...before.health.notes, note] }
    }
    const assessed = assessRates({ before: before.counters, after, seconds, nic }, this.rules)
    const back =
      before.goneSince === null
        ? []
        : [`back after ${Math.round((at - before.goneSince) / 1000)} s missing`]
    const health: PortHealth = {
      port,
      verdict: assessed.verdict,
      findings: assessed.findings,
      notes: [...back, ...assessed.notes],
    }
    this.seen.set(port, { at, counters: after, health, goneSince: null })
    return health
  }

  private missing(port: string, seen: Seen, at: number, why: string | undefined): PortHealth {
    const since = seen.goneSince ?? at
    const reason =
      `gone from the samples${since === at ? '' : ` for ${Math.round((at - since) / 1000)} s`}: ` +
      `the device was removed or its driver reset${why === undefined ? '' : ` (${why})`}`
    const health: PortHealth = {
      port,
      verdict: { ...placeOf(port), health: 'failed', reason },
      findings: [],
      notes: [],
    }
    // the last counters stay: if the port comes back its rates are judged from them
    this.seen.set(port, { ...seen, goneSince: since })
    return health
  }
}

/** The node's verdict: its worst port, and how many are failed and degraded. */
function rollUp(ports: readonly PortHealth[]): { health: NetHealth; reason: string } {
  let worst: PortHealth | undefined
  for (const p of ports) {
    if (worst === undefined || rank[p.verdict.health] > rank[worst.verdict.health]) {
      worst = p
    }
  }
  if (worst === undefined) {
    return { health: 'healthy', reason: 'no RDMA port' }
  }
  const count = (h: NetHealth): number => ports.filter((p) => p.verdict.health === h).length
  if (worst.verdict.health === 'healthy') {
    return { health: 'healthy', reason: `${ports.length} port(s) healthy` }
  }
  return {
    health: worst.verdict.health,
    reason:
      `${count('failed')} failed, ${count('degraded')} degraded of ${ports.length} port(s): ` +
      `${worst.port}: ${worst.verdict.reason}`,
  }
}

/** `mlx5_0/1` → device and port; `mlx5_0` (device-wide counters) → the device alone. */
function placeOf(port: string): { device: string; port: number | null } {
  const m = /^(.+)\/(\d+)$/.exec(port)
  return m === null ? { device: port, port: null } : { device: m[1] ?? port, port: Number(m[2]) }
}
