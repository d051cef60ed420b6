import { tierRank, type Tier } from '@zhisuan/domain'
import type { JobAccount } from '@zhisuan/engine'

/** What the twin remembers of each job: the engine's account of it. */
export type JobRecord = JobAccount

/** The summary `zhisuan sim` prints (and `--json` emits). */
export interface SimResult {
  readonly jobs: { readonly submitted: number; readonly completed: number }
  /** Allocated accelerator-time over available accelerator-time, first arrival to the end. */
  readonly utilization: number
  readonly queueWaitS: { readonly p50: number; readonly p99: number }
  readonly jctS: { readonly p50: number; readonly p99: number }
  readonly failures: {
    readonly count: number
    readonly per1000AcceleratorDays: number
    readonly byCategory: Readonly<Record<string, number>>
  }
  readonly interruptions: number
  /**
   * Effective training time ratio of completed jobs: productive time over time from first start
   * to the end (restarts, lost work, checkpoint stalls, requeue waits, and slowdowns from a
   * spread placement or a loss episode count against it),
   * accelerator-weighted; `largestJobs` for the top 1% by size.
   */
  readonly ettr: {
    readonly overall: number
    readonly largestJobs: number
    readonly histogram: Readonly<Record<string, number>>
  }
  readonly goodputAcceleratorHours: number
  /** Accelerator-hours held by jobs (productive or not): what a cluster bills. */
  readonly allocatedAcceleratorHours: number
  readonly simulatedDays: number
  readonly events: number
  /**
   * Wall time of completed jobs' work over what it would take on uplinks of their own (1 = no
   * gang ever shared a full uplink), accelerator-weighted.
   */
  readonly placementSlowdown: number
  /** Completed jobs by the highest tier their placements spanned, with what sharing cost them. */
  readonly placementByTier: readonly TierFigures[]
}

/** Completed jobs whose placements reached one tier. */
export interface TierFigures {
  readonly tier: string
  readonly jobs: number
  /** Their productive accelerator-hours. */
  readonly acceleratorHours: number
  /** Accelerator-weighted wall time over work (1 = never slowed by a shared uplink). */
  readonly slowdown: number
  /** Accelerator-hours they held while slowed by shared uplinks. */
  readonly contentionAcceleratorHours: number
}

/** Completed jobs grouped by tier, lowest first. */
function byTier(done: readonly JobRecord[]): TierFigures[] {
  const groups = new Map<Tier, JobRecord[]>()
  for (const r of done) {
    const tier: Tier = r.tier ?? 'node'
    const group = groups.get(tier)
    if (group === undefined) {
      groups.set(tier, [r])
    } else {
      group.push(r)
    }
  }
  return [...groups.entries()]
    .sort((a, b) => tierRank(a[0]) - tierRank(b[0]))
    .map(([tier, rs]) => ({
      tier,
      jobs: rs.length,
      acceleratorHours: round(
        rs.reduce((s, r) => s + (r.workS * r.accelerators) / 3600, 0),
        3,
      ),
      slowdown: round(contentionSlowdown(rs)),
      contentionAcceleratorHours: round(
        rs.reduce((s, r) => s + (r.contentionS * r.accelerators) / 3600, 0),
        3,
      ),
    }))
}

/** (work + contention) / work, accelerator-weighted; 1 for none. */
function contentionSlowdown(rs: readonly JobRecord[]): number {
  let work = 0
  let slowed = 0
  for (const r of rs) {
    work += r.workS * r.accelerators
    slowed += (r.workS + r.contentionS) * r.accelerators
  }
  return work > 0 ? slowed / work : 1
}

/** The value below which a fraction `q` of the (sorted) samples lie. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) {
    return 0
  }
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits

const ettrBins = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0000001]

/** Completed jobs by their own ETTR, in bins labelled by lower bound ("0.9" = [0.9, 0.95)). */
function ettrHistogram(done: readonly JobRecord[]): Record<string, number> {
  const counts = ettrBins.slice(0, -1).map(() => 0)
  for (const r of done) {
    const held = (r.endS ?? 0) - (r.firstStartS ?? 0)
    const ettr = held > 0 ? r.workS / held : 1
    const bin = ettrBins.findIndex((b, i) => ettr >= b && ettr < (ettrBins[i + 1] ?? Infinity))
    counts[Math.max(0, bin)] = (counts[Math.max(0, bin)] ?? 0) + 1
  }
  return Object.fromEntries(counts.map((c, i) => [String(ettrBins[i]), c]))
}

/** Turns the twin's records into the summary. Values are rounded so reports compare byte for byte. */
export function summarize(input: {
  readonly records: readonly JobRecord[]
  readonly submitted: number
  readonly capacity: number
  /** Accelerators failures can strike (spares too). */
  readonly failureExposure: number
  readonly startS: number
  readonly endS: number
  readonly allocatedArea: number
  readonly failures: number
  readonly byCategory: ReadonlyMap<string, number>
  readonly interruptions: number
  readonly events: number
}): SimResult {
  const done = input.records.filter((r) => r.endS !== undefined && r.firstStartS !== undefined)
  const waits = input.records
    .filter((r) => r.firstStartS !== undefined)
    .map((r) => (r.firstStartS ?? 0) - r.submitS)
    .sort((a, b) => a - b)
  const jct = done.map((r) => (r.endS ?? 0) - r.submitS).sort((a, b) => a - b)
  const ettrOf = (rs: readonly JobRecord[]) => {
    let productive = 0
    let held = 0
    for (const r of rs) {
      productive += r.workS * r.accelerators
      held += ((r.endS ?? 0) - (r.firstStartS ?? 0)) * r.accelerators
    }
    return held > 0 ? productive / held : 1
  }
  const bySize = [...done].sort((a, b) => b.accelerators - a.accelerators || (a.id < b.id ? -1 : 1))
  const largest = bySize.slice(0, Math.max(1, Math.ceil(bySize.length / 100)))
  const span = Math.max(1e-9, input.endS - input.startS)
  const days = span / 86_400
  return {
    jobs: { submitted: input.submitted, completed: done.length },
    utilization: round(input.allocatedArea / (input.capacity * span)),
    queueWaitS: { p50: round(quantile(waits, 0.5), 3), p99: round(quantile(waits, 0.99), 3) },
    jctS: { p50: round(quantile(jct, 0.5), 3), p99: round(quantile(jct, 0.99), 3) },
    failures: {
      count: input.failures,
      per1000AcceleratorDays: round((input.failures / (input.failureExposure * days)) * 1000),
      byCategory: Object.fromEntries(
        [...input.byCategory.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
      ),
    },
    interruptions: input.interruptions,
    ettr: {
      overall: round(ettrOf(done)),
      largestJobs: round(ettrOf(largest)),
      histogram: ettrHistogram(done),
    },
    goodputAcceleratorHours: round(
      done.reduce((s, r) => s + (r.workS * r.accelerators) / 3600, 0),
      3,
    ),
    allocatedAcceleratorHours: round(input.allocatedArea / 3600, 3),
    simulatedDays: round(days),
    events: input.events,
    placementSlowdown: round(contentionSlowdown(done)),
    placementByTier: byTier(done),
  }
}
