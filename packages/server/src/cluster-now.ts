import { standardComputeUnits } from '@zhisuan/perf'
import type { ClusterSample } from '@zhisuan/store'
import type { ServerContext } from './context.js'

/** Accelerators of one chip family now, as counts and in llm-train SCU. */
interface FamilyNow {
  readonly family: string
  readonly model: string
  readonly total: number
  readonly allocated: number
  readonly healthy: number
  readonly scuEach: number
  readonly scuTotal: number
  readonly scuAllocated: number
  readonly scuHealthy: number
}

const round = (x: number) => Math.round(x * 100) / 100

/** llm-train SCU of one accelerator of each family of the cluster's pools. */
function scuByFamily(ctx: ServerContext): Map<string, { model: string; scu: number }> {
  const out = new Map<string, { model: string; scu: number }>()
  for (const pool of ctx.cluster.pools) {
    const a = pool.accelerator
    if (!out.has(a.family)) {
      out.set(a.family, { model: a.id, scu: standardComputeUnits(ctx.catalog, a)['llm-train'] })
    }
  }
  return out
}

/** Accelerators of one family: all of them, those allocated now, and the healthy ones. */
export interface FamilyCapacity {
  readonly total: number
  readonly allocated: number
  readonly healthy: number
}

/**
 * Per chip family of the cluster (in node order): its accelerators, those allocated now, and
 * those on healthy, active nodes (not failed, degraded or drained). What the summary and the
 * overview both count.
 */
export async function familyCapacity(ctx: ServerContext): Promise<Map<string, FamilyCapacity>> {
  const allocated = await ctx.store.allocatedByFamily()
  const states = new Map((await ctx.store.nodeStates()).map((n) => [n.name, n]))
  const out = new Map<string, FamilyCapacity>()
  for (const n of ctx.reconciler.nodeList) {
    const f = out.get(n.family) ?? { total: 0, allocated: allocated[n.family] ?? 0, healthy: 0 }
    const s = states.get(n.name)
    const up = (s?.health ?? 'healthy') === 'healthy' && (s?.adminState ?? 'active') === 'active'
    out.set(n.family, {
      total: f.total + n.accelerators,
      allocated: f.allocated,
      healthy: f.healthy + (up ? n.accelerators : 0),
    })
  }
  return out
}

/**
 * The cluster now: per family the accelerators, allocated and healthy (see `familyCapacity`),
 * in counts and SCU; and the whole as one sample for the overview's time series.
 */
export async function clusterNow(
  ctx: ServerContext,
): Promise<{ families: FamilyNow[]; sample: ClusterSample }> {
  const capacity = await familyCapacity(ctx)
  const byState = await ctx.store.countJobsByState()
  const scu = scuByFamily(ctx)
  const families = [...capacity].map(([family, f]): FamilyNow => {
    const each = scu.get(family)?.scu ?? 0
    const busy = f.allocated
    return {
      family,
      model: scu.get(family)?.model ?? family,
      total: f.total,
      allocated: busy,
      healthy: f.healthy,
      scuEach: round(each),
      scuTotal: round(each * f.total),
      scuAllocated: round(each * busy),
      scuHealthy: round(each * f.healthy),
    }
  })
  const sum = (k: 'total' | 'allocated' | 'healthy' | 'scuTotal' | 'scuAllocated') =>
    families.reduce((s, f) => s + f[k], 0)
  return {
    families,
    sample: {
      at: ctx.clock(),
      total: sum('total'),
      allocated: sum('allocated'),
      healthy: sum('healthy'),
      pending: byState['pending'] ?? 0,
      running: byState['running'] ?? 0,
      scuTotal: round(sum('scuTotal')),
      scuAllocated: round(sum('scuAllocated')),
    },
  }
}

/** How long samples are kept. */
const sampleRetentionS = 400 * 86_400

/**
 * Records a sample every `everyS` seconds while this process leads the reconcile loop (so two
 * servers on one store do not both record), and prunes old ones; stops when the app closes.
 */
export function startSampler(
  ctx: ServerContext,
  everyS: number,
  onError: (error: unknown) => void,
): () => void {
  let busy = false
  let last = Number.NEGATIVE_INFINITY
  const tick = async () => {
    // checked every second, so a new leader's first sample comes at once, not a period later
    if (busy || !ctx.reconciler.leader || ctx.clock() - last < everyS) {
      return
    }
    busy = true
    try {
      const { sample } = await clusterNow(ctx)
      await ctx.store.samples.record(sample)
      last = sample.at
      // a cheap delete; running it every tick keeps the table bounded without a schedule
      await ctx.store.samples.prune(sample.at - sampleRetentionS)
    } catch (error) {
      onError(error)
    } finally {
      busy = false
    }
  }
  const timer = setInterval(() => void tick(), Math.min(1, everyS) * 1000)
  timer.unref()
  return () => {
    clearInterval(timer)
  }
}

/**
 * Averages samples into at most `points` buckets of equal width over `[from, to]`, so a year's
 * window answers as quickly as an hour's.
 */
export function downsample(
  samples: readonly ClusterSample[],
  from: number,
  to: number,
  points: number,
): ClusterSample[] {
  if (samples.length <= points) {
    return [...samples]
  }
  const width = (to - from) / points
  const buckets = new Map<number, ClusterSample[]>()
  for (const s of samples) {
    const b = Math.min(points - 1, Math.floor((s.at - from) / width))
    const group = buckets.get(b)
    if (group === undefined) {
      buckets.set(b, [s])
    } else {
      group.push(s)
    }
  }
  return [...buckets.values()].map((group) => {
    const mean = (k: keyof ClusterSample) => group.reduce((s, x) => s + x[k], 0) / group.length
    return {
      at: group[group.length - 1]?.at ?? from,
      total: Math.round(mean('total')),
      allocated: mean('allocated'),
      healthy: mean('healthy'),
      pending: mean('pending'),
      running: mean('running'),
      scuTotal: mean('scuTotal'),
      scuAllocated: mean('scuAllocated'),
    }
  })
}
