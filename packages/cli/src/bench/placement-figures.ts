import { tierRank, type Cluster, type Tier } from '@zhisuan/domain'
import type { JobRecord } from '@zhisuan/sim'
import { percentiles, ringTiers } from './scheduler-bench.js'
import {
  jobsFromTrace,
  simulate,
  withGangs,
  type SimConfig,
  type SimJob,
  type TraceRow,
} from '@zhisuan/sim'

/**
 * The side-by-side placement figures of one job sequence run by two schedulers on one fabric
 * (issue #16): how much of each multi-node gang's ring crosses a spine or the core, the highest
 * tier it spans, waits and utilization — overall and per gang size. One function computes them
 * for every world from the same per-job runs, so Slurm and Zhisuan are measured alike.
 */

/** One job as a world ran it: its nodes (fabric indices, in the order its ring visits them) and times, seconds. */
export interface JobRun {
  readonly id: string
  readonly accelerators: number
  readonly nodes: readonly number[]
  readonly submitS: number
  readonly startS: number
  readonly endS: number
}

/** The figures of one group of jobs. */
export interface PlacementFigures {
  readonly jobs: number
  /** Multi-node jobs among them. */
  readonly gangs: number
  /** Ring edges crossing a spine (or the core), accelerator-weighted over multi-node jobs. */
  readonly spineShare: number
  /** Ring edges crossing the core, accelerator-weighted over multi-node jobs. */
  readonly coreShare: number
  /** Mean highest tier of multi-node jobs (leaf 2, spine 3, core 4); NaN with none. */
  readonly meanTopTier: number
  readonly meanWaitH: number
  readonly p99WaitH: number
}

/** Figures overall and per gang size, and the utilization of the whole run. */
export interface PlacementReport {
  readonly overall: PlacementFigures
  /** By accelerators per job: '1–8 GPUs' (one node), then each multi-node size ('16 GPUs'). */
  readonly bySize: Readonly<Record<string, PlacementFigures>>
  /** Allocated accelerator-time over capacity, from the first submission to the last start. */
  readonly utilization: number
}

/**
 * A job's size class: every one-node job together, each multi-node size on its own ('1–8 GPUs',
 * '16 GPUs'; not bare numbers, which an object would reorder).
 */
export const sizeClass = (accelerators: number, perNode: number): string =>
  `${accelerators <= perNode ? `1–${perNode}` : String(accelerators)} GPUs`

function figuresOf(cluster: Cluster, runs: readonly JobRun[]): PlacementFigures {
  let weight = 0
  let spine = 0
  let core = 0
  let topTiers = 0
  let gangs = 0
  for (const run of runs) {
    const ring = [...new Set(run.nodes)]
    if (ring.length <= 1) {
      continue
    }
    gangs++
    let crossSpine = 0
    let crossCore = 0
    let top: Tier = 'leaf'
    for (const t of ringTiers(cluster, ring)) {
      if (tierRank(t) > tierRank(top)) {
        top = t
      }
      crossSpine += t === 'spine' || t === 'core' ? 1 : 0
      crossCore += t === 'core' ? 1 : 0
    }
    weight += run.accelerators
    spine += (run.accelerators * crossSpine) / ring.length
    core += (run.accelerators * crossCore) / ring.length
    topTiers += tierRank(top)
  }
  const waits = runs.map((r) => (r.startS - r.submitS) / 3600)
  return {
    jobs: runs.length,
    gangs,
    spineShare: weight > 0 ? spine / weight : 0,
    coreShare: weight > 0 ? core / weight : 0,
    meanTopTier: gangs > 0 ? topTiers / gangs : Number.NaN,
    meanWaitH: waits.reduce((s, w) => s + w, 0) / Math.max(1, waits.length),
    p99WaitH: percentiles(waits).p99,
  }
}

/**
 * The report of one run of a sequence.
 * @param perNode accelerators per node, for the one-node size class.
 */
export function placementReport(
  cluster: Cluster,
  runs: readonly JobRun[],
  perNode: number,
): PlacementReport {
  const groups = new Map<string, JobRun[]>()
  // (loops, not spreads: a month of an operator's sacct history is more runs than an argument list holds)
  let first = Number.POSITIVE_INFINITY
  let lastStart = Number.NEGATIVE_INFINITY
  for (const run of runs) {
    const key = sizeClass(run.accelerators, perNode)
    const group = groups.get(key)
    if (group === undefined) {
      groups.set(key, [run])
    } else {
      group.push(run)
    }
    first = Math.min(first, run.submitS)
    lastStart = Math.max(lastStart, run.startS)
  }
  const order = [...groups.keys()].sort((a, b) => Number.parseInt(a) - Number.parseInt(b))
  let allocated = 0
  for (const r of runs) {
    allocated += r.accelerators * Math.max(0, Math.min(r.endS, lastStart) - r.startS)
  }
  const window = cluster.fabric.acceleratorCount * Math.max(1, lastStart - first)
  return {
    overall: figuresOf(cluster, runs),
    bySize: Object.fromEntries(order.map((k) => [k, figuresOf(cluster, groups.get(k) ?? [])])),
    utilization: allocated / window,
  }
}

/** How a sequence is made: which trace jobs, how many gangs of which sizes, at what load. */
export interface SequenceOptions {
  /** Trace jobs of at most this many hours (a multi-day tail leaves the cluster idle after the submissions). */
  readonly maxHours: number
  readonly traceJobs: number
  readonly gangs: number
  readonly gangSizes: readonly number[]
  readonly gangHours: readonly [number, number]
  readonly load: number
  readonly capacity: number
  readonly perNode: number
  readonly seed: number
  /**
   * Runtime limits are whole multiples of this (Slurm's `-t` counts minutes; a replay compressed
   * ×C can only give limits of C minutes of trace time): every job's limit is its work × `limitFactor`, rounded up.
   */
  readonly limitStepS: number
  readonly limitFactor: number
}

/** The heavy sequence of issue #16: the Philly window's first 400 jobs of ≤ 12 h and 117 gangs of 16–64 GPUs at 80% of 512. */
export const heavySequence: Omit<SequenceOptions, 'limitStepS'> = {
  maxHours: 12,
  traceJobs: 400,
  gangs: 117,
  gangSizes: [16, 32, 64],
  gangHours: [0.5, 8],
  load: 0.8,
  capacity: 512,
  perNode: 8,
  seed: 7,
  limitFactor: 1.5,
}

/**
 * The light sequence of issue #16: the same 400 Philly jobs at their own submission times, no
 * gangs added (about 9% of 512 GPUs over 6.9 h; none spans more than one node).
 */
export const lightSequence: Omit<SequenceOptions, 'limitStepS'> = { ...heavySequence, gangs: 0 }

/**
 * A job sequence from a trace plus synthetic gangs (`withGangs`), each job given a runtime limit
 * both worlds see alike; with no gangs, the trace's jobs at their own times. Deterministic for
 * the options.
 */
export function placementSequence(rows: readonly TraceRow[], o: SequenceOptions): SimJob[] {
  const short = rows.filter((r) => r.durationS <= o.maxHours * 3600).slice(0, o.traceJobs)
  const traced = jobsFromTrace(short, o.perNode)
  const jobs =
    o.gangs === 0
      ? traced
      : withGangs(traced, {
          gangs: o.gangs,
          sizes: o.gangSizes,
          perNode: o.perNode,
          hours: o.gangHours,
          load: o.load,
          capacity: o.capacity,
          seed: o.seed,
        })
  return jobs.map((j) => ({
    ...j,
    timeLimitS: Math.max(1, Math.ceil((j.workS * o.limitFactor) / o.limitStepS)) * o.limitStepS,
  }))
}

/**
 * The control plane's reaction to a change, wall seconds: its loop passes within 0.1 s of a
 * submission or an end (`Reconciler`, packages/server). A replay compressed ×C gives Zhisuan
 * that latency ×C in trace time, as Slurm's own one-second passes are ×C there.
 */
export const reactionS = 0.1

/**
 * The sequence run through the simulator with a policy (no failures, no checkpoint cost): the
 * same scheduler and lifecycle as `zhisuan up`, on the cluster's fabric, a cycle `cycleS` after
 * each change (default: the twin's 60 s).
 */
export function simulatedRuns(
  cluster: Cluster,
  jobs: readonly SimJob[],
  policy: SimConfig['policy'],
  cycleS?: number,
): JobRun[] {
  const result = simulate(cluster, jobs, {
    seed: 1,
    policy,
    failures: null,
    checkpoint: { intervalS: 'auto', stallS: 0, restartS: 0 },
    jobResults: true,
    ...(cycleS === undefined ? {} : { cycleS }),
  })
  return runsOf(result.accounts ?? [])
}

/** The twin's runs of its jobs, from the engine's accounts (NaN for what never started or ended). */
export function runsOf(accounts: readonly JobRecord[]): JobRun[] {
  return accounts.map((a) => ({
    id: a.id,
    accelerators: a.accelerators,
    nodes: a.nodes,
    submitS: a.submitS,
    startS: a.firstStartS ?? Number.NaN,
    endS: a.endS ?? Number.NaN,
  }))
}

/**
 * The side-by-side table of several worlds' reports: placement shares and mean top tier for all
 * jobs and each multi-node size, waits for every size, and utilization. Rows of text cells, the
 * first the header.
 */
export function placementRows(
  reports: Readonly<Record<string, PlacementReport>>,
  perNode: number,
  format: {
    readonly percent: (x: number) => string
    readonly fixed: (x: number, d: number) => string
  },
): string[][] {
  const names = Object.keys(reports)
  const sizes = [...new Set(Object.values(reports).flatMap((r) => Object.keys(r.bySize)))].sort(
    (a, b) => Number.parseInt(a) - Number.parseInt(b),
  )
  const rows: string[][] = [['figure', ...names]]
  for (const size of ['all', ...sizes]) {
    const of = (n: string) => (size === 'all' ? reports[n]?.overall : reports[n]?.bySize[size])
    const line = (label: string, f: (x: PlacementFigures) => string) =>
      rows.push([
        `${size} ${label}`,
        ...names.map((n) => {
          const x = of(n)
          return x === undefined ? '' : f(x)
        }),
      ])
    if (size === 'all' || Number.parseInt(size) > perNode) {
      line('spine share', (x) => format.percent(x.spineShare))
      line('core share', (x) => format.percent(x.coreShare))
      line('mean top tier', (x) =>
        Number.isNaN(x.meanTopTier) ? '' : format.fixed(x.meanTopTier, 2),
      )
    }
    line('mean wait h', (x) => format.fixed(x.meanWaitH, 2))
    line('p99 wait h', (x) => format.fixed(x.p99WaitH, 2))
  }
  rows.push(['utilization', ...names.map((n) => format.percent(reports[n]?.utilization ?? 0))])
  return rows
}
