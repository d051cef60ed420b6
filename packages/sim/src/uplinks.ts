import type { Fabric } from '@zhisuan/domain'
import type { EngineEffect } from '@zhisuan/engine'
import { networkShareOf } from './cluster-model.js'
import type { SimJob } from './sim-job.js'
import {
  UplinkLoad,
  gangNicGbps,
  ringLoads,
  uplinkCapacities,
  type RingLoad,
} from '@zhisuan/scheduler'

export { ringLoads, uplinkCapacities, type RingLoad }

/** A gang on the fabric: its ring's loads and the rate its NICs allow, Gb/s. */
export interface GangFlow {
  readonly id: string
  readonly nicGbps: number
  readonly loads: readonly RingLoad[]
}

/**
 * Max-min fair rates (progressive filling): every gang's rate rises together until it reaches
 * its NIC rate or one of its links is full (the sum over gangs of hops × rate equals the link's
 * capacity); gangs on a full link stop there, the rest go on. Returns each gang's rate, Gb/s.
 */
export function maxMinRates(
  capacityGbps: readonly number[],
  gangs: readonly GangFlow[],
): Map<string, number> {
  const rate = new Map<string, number>(gangs.map((g) => [g.id, 0]))
  const left = [...capacityGbps]
  let active = gangs.filter((g) => g.nicGbps > 0)
  for (const g of gangs) {
    if (!(g.nicGbps > 0)) {
      rate.set(g.id, 0)
    }
  }
  while (active.length > 0) {
    // hops of the still-rising gangs on each link
    const weight = new Map<number, number>()
    for (const g of active) {
      for (const l of g.loads) {
        weight.set(l.link, (weight.get(l.link) ?? 0) + l.hops)
      }
    }
    let step = Math.min(...active.map((g) => g.nicGbps - (rate.get(g.id) ?? 0)))
    for (const [link, w] of weight) {
      step = Math.min(step, Math.max(0, left[link] ?? 0) / w)
    }
    for (const g of active) {
      rate.set(g.id, (rate.get(g.id) ?? 0) + step)
    }
    for (const [link, w] of weight) {
      left[link] = (left[link] ?? 0) - step * w
    }
    const full = new Set(
      [...weight.keys()].filter((link) => (left[link] ?? 0) <= 1e-9 * (capacityGbps[link] ?? 1)),
    )
    active = active.filter(
      (g) =>
        (rate.get(g.id) ?? 0) < g.nicGbps * (1 - 1e-12) && !g.loads.some((l) => full.has(l.link)),
    )
  }
  return rate
}

/**
 * The fabric the twin's gangs share: each running multi-node gang's ring loads, and from them,
 * at every start and end, each gang's max-min share of its uplinks. A gang's pace is
 * `1 − share + share × nic / rate` for its communication share: the part of its step spent in
 * scale-out communication slows by how far its rate falls below its NIC's.
 */
export class SharedUplinks {
  private readonly capacity: number[]
  private readonly gangs = new Map<string, GangFlow & { readonly share: number }>()

  /** Whether any uplink can fill: on a non-blocking fabric no gang is ever slowed or tracked. */
  private readonly blocking: boolean

  constructor(private readonly fabric: Fabric) {
    this.capacity = uplinkCapacities(fabric)
    this.blocking = new UplinkLoad(fabric).blocking
  }

  /**
   * A gang now runs on `nodes`; its communication share of a step is `share` (0–1). True when it
   * climbs an uplink now or did before (the shares must be given again).
   */
  set(id: string, nodes: readonly number[], share: number): boolean {
    const loads = this.blocking ? ringLoads(this.fabric, nodes) : []
    if (loads.length === 0 || !(share > 0)) {
      return this.gangs.delete(id)
    }
    this.gangs.set(id, { id, nicGbps: gangNicGbps(this.fabric, nodes), loads, share })
    return true
  }

  /** The gang stopped; true when it climbed an uplink. */
  remove(id: string): boolean {
    return this.gangs.delete(id)
  }

  /** Every gang that climbs an uplink, with its pace (wall seconds per second of work, ≥ 1). */
  paces(): Map<string, number> {
    const gangs = [...this.gangs.values()]
    const rates = maxMinRates(this.capacity, gangs)
    const paces = new Map<string, number>()
    for (const g of gangs) {
      const rate = rates.get(g.id) ?? 0
      const slower = rate > 0 ? g.nicGbps / rate : Number.POSITIVE_INFINITY
      paces.set(g.id, Math.max(1, 1 - g.share + g.share * slower))
    }
    return paces
  }
}

/**
 * The twin's side of shared uplinks: from the engine's effects (gangs placed, moved, sent back,
 * finished), the gangs whose pace changed and their new pace, for `Engine.repace`. A new run
 * starts at full speed, so a placed or restarted gang is given its pace again.
 */
export class UplinkPacer {
  private readonly uplinks: SharedUplinks
  /** The contention last given to each gang that climbs an uplink. */
  private readonly paced = new Map<string, number>()

  constructor(
    fabric: Fabric,
    private readonly jobs: ReadonlyMap<string, SimJob>,
  ) {
    this.uplinks = new SharedUplinks(fabric)
  }

  private shareOf(jobId: string): number {
    const job = this.jobs.get(jobId)
    return job === undefined ? 0 : networkShareOf(job)
  }

  /** The paces to give after these effects (none when no gang on a shared uplink moved). */
  changed(effects: readonly EngineEffect[]): Map<string, number> {
    let moved = false
    for (const e of effects) {
      if (e.kind === 'placed' || e.kind === 'restarted') {
        this.paced.delete(e.jobId)
        moved = this.uplinks.set(e.jobId, e.nodes, this.shareOf(e.jobId)) || moved
      } else if (e.kind === 'requeued' || e.kind === 'finished') {
        moved = this.uplinks.remove(e.jobId) || moved
        this.paced.delete(e.jobId)
      }
    }
    const changes = new Map<string, number>()
    if (!moved) {
      return changes
    }
    const paces = this.uplinks.paces()
    // gangs that no longer climb a full uplink run at full speed again
    for (const id of this.paced.keys()) {
      if (!paces.has(id)) {
        paces.set(id, 1)
      }
    }
    for (const [id, pace] of paces) {
      if (pace !== (this.paced.get(id) ?? 1)) {
        if (pace > 1) {
          this.paced.set(id, pace)
        } else {
          this.paced.delete(id)
        }
        changes.set(id, pace)
      }
    }
    return changes
  }
}
