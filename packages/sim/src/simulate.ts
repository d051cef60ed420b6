import { Heap } from 'heap-js'
import { ZhisuanError, defaultCatalog, type Cluster } from '@zhisuan/domain'
import { dalyInterval, rdmaGoodput } from '@zhisuan/perf'
import { Scheduler, type Decision, type SchedulerConfig } from '@zhisuan/scheduler'
import type { FailureModel } from './failures.js'
import { createRng } from './rng.js'
import { summarize, type JobRecord, type SimResult } from './metrics.js'

/** A job to simulate: a gang that needs `workS` seconds of productive time. */
export interface SimJob {
  readonly id: string
  readonly tenant: string
  readonly submitS: number
  readonly workS: number
  readonly replicas: number
  readonly perReplica: number
  readonly priority?: number
  /**
   * Fraction of the job's step time spent in scale-out communication (what packet loss slows);
   * default 0.1. The llm-mix generator takes it from the performance model's plan.
   */
  readonly networkShare?: number
  /**
   * Step-time ratio of the job's plan when its nodes sit one per block instead of packed into
   * as few blocks as they fill (≥ 1; default 1: a trace job's speed does not depend on where it
   * runs). The twin slows a gang by this ratio times how far its placement is from packed; the
   * llm-mix generator takes it from the performance model.
   */
  readonly spreadSlowdown?: number
}

/**
 * Loss episodes on leaf switches: each hits one block for `minutes`; gangs with nodes in it slow
 * by their network share over the RDMA goodput at `lossRate` (go-back-N). A loss rate ≥ 1 is a
 * link flap: those gangs make no progress until it ends.
 */
export interface NetworkEvents {
  readonly perLeafPerDay: number
  readonly lossRate: number
  readonly minutes: number
}

/**
 * Checkpointing of every job: a checkpoint starts every `intervalS` of its running time (the
 * period includes the stall, so a job computes `intervalS − stallS` between checkpoints), or
 * `auto`: Daly's optimal compute interval for the job's MTBF, plus the stall.
 */
export interface CheckpointSettings {
  readonly intervalS: number | 'auto'
  /** Seconds a job stops per checkpoint. */
  readonly stallS: number
  /** Seconds to restart and restore after a failure (before productive work resumes). */
  readonly restartS: number
}

export interface SimConfig {
  readonly seed: number
  readonly policy: 'zhisuan' | 'first-fit'
  readonly failures: FailureModel | null
  readonly checkpoint: CheckpointSettings
  /** Stop at this simulated time, s; default: when every job has finished. */
  readonly horizonS?: number
  /** Seconds between scheduling cycles when something changed; default 60. */
  readonly cycleS?: number
  /** Called now and then with the simulated time and event count (progress bars). */
  readonly onProgress?: (simulatedS: number, events: number) => void
  /** Sample a timeline (utilization, queue length, failures) every this many seconds; none when absent. */
  readonly timelineS?: number
  readonly network?: NetworkEvents
}

/** Samples of the twin over time, for charts. */
export interface Timeline {
  readonly t: number[]
  readonly utilization: number[]
  readonly pending: number[]
  readonly failures: number[]
}

type Event =
  | { readonly t: number; readonly seq: number; readonly kind: 'arrival'; readonly index: number }
  | {
      readonly t: number
      readonly seq: number
      readonly kind: 'complete'
      readonly id: string
      readonly segment: number
    }
  | { readonly t: number; readonly seq: number; readonly kind: 'failure' }
  | { readonly t: number; readonly seq: number; readonly kind: 'repair'; readonly node: number }
  | { readonly t: number; readonly seq: number; readonly kind: 'episode' }
  | {
      readonly t: number
      readonly seq: number
      readonly kind: 'episode-end'
      readonly block: number
      readonly from: number
    }
  | { readonly t: number; readonly seq: number; readonly kind: 'cycle' }

type Unsequenced<E> = E extends unknown ? Omit<E, 'seq'> : never

interface JobState {
  readonly job: SimJob
  readonly record: JobRecord
  remainingS: number
  segment: number
  segmentStart: number
  /** Seconds at the start of the segment before productive work (detection, restart, restore). */
  delayS: number
  running: boolean
  intervalS: number
  /** When the current segment's completion event fires. */
  completeAt: number
  /** Delay owed at the next start (failure detection of a requeued gang). */
  owedS: number
  /** Loss episodes have been settled up to here. */
  slowedUntil: number
  /** Wall seconds per second of work in the current placement (≥ 1; placement slowdown). */
  pace: number
}

/**
 * Runs the twin: arrivals, scheduling cycles (the scheduler package decides everything),
 * completions, failures (a Poisson process over the accelerators, categories by the model's
 * mix), repairs, checkpoints and restarts. Checkpoints are periodic within each run segment and
 * are accounted in closed form (no event per checkpoint): a failure at running time `e` of a
 * segment keeps ⌊e/τ⌋·(τ − δ) of its work. Deterministic for a seed.
 */
export function simulate(
  cluster: Cluster,
  jobs: readonly SimJob[],
  config: SimConfig,
): SimResult & { timeline?: Timeline } {
  const { intervalS, stallS, restartS } = config.checkpoint
  if (typeof intervalS === 'number' && !(intervalS > stallS)) {
    throw new ZhisuanError(
      'invalid-input',
      `checkpoint interval (${intervalS} s) must exceed the stall (${stallS} s)`,
    )
  }
  if (!(stallS >= 0) || !(restartS >= 0)) {
    throw new ZhisuanError('invalid-input', 'checkpoint stall and restart must be ≥ 0 s')
  }
  const families = [...new Set(cluster.pools.map((p) => p.accelerator.family))]
  const schedulerConfig: SchedulerConfig = {
    tenants: [],
    preemptionWindowS: 600,
    strictTenants: false,
    ...(config.policy === 'first-fit' ? { placement: 'first-fit' as const } : {}),
  }
  const scheduler = new Scheduler(cluster, defaultCatalog(), schedulerConfig)
  const rng = createRng(config.seed)
  const failureTimes = rng.stream('failure-times')
  const failureNodes = rng.stream('failure-accelerators')
  const failureCauses = rng.stream('failure-causes')
  let seq = 0
  const events = new Heap<Event>((a, b) => a.t - b.t || a.seq - b.seq)
  const push = (e: Unsequenced<Event>) => {
    events.push({ ...e, seq: seq++ })
  }
  const states = new Map<string, JobState>()
  const capacity = cluster.pools.reduce(
    (s, p) => s + (p.spare ? 0 : p.nodeCount * p.scaleUp.acceleratorsPerNode),
    0,
  )
  // Failures strike every accelerator, spares included, so the rate is over all of them.
  const everyAccelerator = cluster.fabric.acceleratorCount
  const failureRate =
    config.failures === null
      ? 0
      : ((config.failures.per1000PerDay / 1000) * everyAccelerator) / 86_400
  const totalWeight = config.failures?.mix.reduce((s, c) => s + c.weight, 0) ?? 0
  const cycleS = config.cycleS ?? 60
  // Without a horizon the run ends when every job has finished — or, for jobs that can never
  // finish (a gang larger than the healthy cluster, failures faster than checkpoints), after
  // ten simulated years.
  const horizon = (jobs[0]?.submitS ?? 0) + (config.horizonS ?? 10 * 365 * 86_400)
  jobs.forEach((job, index) => {
    push({ t: job.submitS, kind: 'arrival', index })
  })
  if (failureRate > 0) {
    push({ t: (jobs[0]?.submitS ?? 0) + failureTimes.exponential(failureRate), kind: 'failure' })
  }
  const episodes = rng.stream('network-episodes')
  const blocks = cluster.fabric.blocks.length
  const episodeRate = ((config.network?.perLeafPerDay ?? 0) * blocks) / 86_400
  if (episodeRate > 0) {
    push({ t: (jobs[0]?.submitS ?? 0) + episodes.exponential(episodeRate), kind: 'episode' })
  }
  // Extra time per unit of time a gang needs while its network share runs at the episode's goodput.
  const goodput =
    config.network === undefined
      ? 1
      : config.network.lossRate >= 1
        ? 0
        : rdmaGoodput(config.network.lossRate, 'go-back-n')
  let now = jobs[0]?.submitS ?? 0
  let cyclePending = false
  let processed = 0
  let allocated = 0
  let allocatedArea = 0
  let lastT = now
  let finished = 0
  let failures = 0
  const byCategory = new Map<string, number>()
  let interruptions = 0
  const timeline: Timeline = { t: [], utilization: [], pending: [], failures: [] }
  let nextSample = config.timelineS === undefined ? Number.POSITIVE_INFINITY : now

  const intervalFor = (job: SimJob) => {
    if (config.checkpoint.intervalS !== 'auto') {
      return config.checkpoint.intervalS
    }
    if (config.failures === null || config.failures.per1000PerDay <= 0) {
      return Number.POSITIVE_INFINITY
    }
    const mtbfS = (1000 * 86_400) / (config.failures.per1000PerDay * job.replicas * job.perReplica)
    return Math.max(60, dalyInterval(config.checkpoint.stallS, mtbfS)) + config.checkpoint.stallS
  }
  /** Wall seconds of computing between two checkpoints. */
  const computePerPeriod = (s: JobState) => s.intervalS - config.checkpoint.stallS
  const nodesPerBlock = cluster.fabric.spec.nodesPerBlock
  const blockCount = cluster.fabric.blocks.length
  /**
   * How much slower a gang runs on these nodes than packed: its plan's spread ratio, scaled by
   * how many more blocks it spans than the fewest its nodes fit in, over the most it could span.
   */
  const paceOf = (job: SimJob, nodes: readonly number[]) => {
    const slowdown = job.spreadSlowdown ?? 1
    if (slowdown <= 1) {
      return 1
    }
    const distinct = new Set(nodes)
    const spanned = new Set([...distinct].map((n) => cluster.fabric.nodeBlock[n] ?? 0)).size
    const fewest = Math.ceil(distinct.size / nodesPerBlock)
    const most = Math.min(distinct.size, blockCount)
    return most > fewest ? 1 + ((slowdown - 1) * (spanned - fewest)) / (most - fewest) : 1
  }
  let paceArea = 0
  let paceWeight = 0
  const setPace = (s: JobState, nodes: readonly number[]) => {
    s.pace = paceOf(s.job, nodes)
    const size = s.job.replicas * s.job.perReplica
    paceArea += s.pace * size
    paceWeight += size
  }
  const startSegment = (s: JobState, delayS: number) => {
    s.segment++
    s.segmentStart = now
    s.delayS = delayS
    const wallWork = s.remainingS * s.pace
    const stalls = Number.isFinite(s.intervalS)
      ? Math.floor(wallWork / computePerPeriod(s)) * config.checkpoint.stallS
      : 0
    s.completeAt = now + delayS + wallWork + stalls
    push({
      t: s.completeAt,
      kind: 'complete',
      id: s.job.id,
      segment: s.segment,
    })
  }
  /** Work kept by the checkpoints of the current segment, if it stopped now. */
  const committedWork = (s: JobState) => {
    const productive = Math.max(0, now - s.segmentStart - s.delayS)
    if (!Number.isFinite(s.intervalS)) {
      return 0
    }
    const done = (Math.floor(productive / s.intervalS) * computePerPeriod(s)) / s.pace
    return Math.min(done, s.remainingS)
  }
  const requestCycle = () => {
    if (!cyclePending) {
      cyclePending = true
      push({ t: now + cycleS, kind: 'cycle' })
    }
  }
  const applyDecisions = (decisions: readonly Decision[]) => {
    for (const d of decisions) {
      const s = states.get(d.jobId)
      if (s === undefined) {
        continue
      }
      if (d.kind === 'place') {
        const restart = s.record.firstStartS !== undefined
        s.record.firstStartS ??= now
        s.running = true
        running++
        allocated += d.accelerators.length
        setPace(s, d.nodes)
        startSegment(s, restart ? config.checkpoint.restartS + s.owedS : 0)
        s.owedS = 0
      } else if ((d.kind === 'replace' && d.replacement === null) || d.kind === 'preempt') {
        // back in the queue with what its checkpoints kept
        s.remainingS -= committedWork(s)
        s.running = false
        running--
        s.segment++
        allocated -= s.job.replicas * s.job.perReplica
        // a gang sent back by a failure still owes the time it took to notice it
        s.owedS = d.kind === 'replace' ? (config.failures?.detectionS ?? 0) : 0
      }
    }
  }

  let arrived = 0
  let running = 0
  let repairs = 0
  // Failures and loss episodes only matter while something runs or is still to come; stopping
  // them otherwise lets a run whose remaining jobs can never be placed come to an end.
  const active = () => arrived < jobs.length || running > 0 || repairs > 0
  while (events.size() > 0 && finished < jobs.length) {
    const e = events.pop()
    if (e === undefined) {
      break
    }
    if ((e.kind === 'failure' || e.kind === 'episode') && !active()) {
      continue // nothing left that it could hit: do not let it move the clock
    }
    if (e.t > horizon) {
      allocatedArea += allocated * (horizon - lastT)
      now = horizon
      while (nextSample <= horizon) {
        timeline.t.push(nextSample)
        timeline.utilization.push(Math.round((allocated / capacity) * 1e4) / 1e4)
        timeline.pending.push(scheduler.pending().length)
        timeline.failures.push(failures)
        nextSample += config.timelineS ?? Number.POSITIVE_INFINITY
      }
      break
    }
    allocatedArea += allocated * (e.t - lastT)
    lastT = e.t
    while (nextSample <= e.t) {
      timeline.t.push(nextSample)
      timeline.utilization.push(Math.round((allocated / capacity) * 1e4) / 1e4)
      timeline.pending.push(scheduler.pending().length)
      timeline.failures.push(failures)
      nextSample += config.timelineS ?? Number.POSITIVE_INFINITY
    }
    now = e.t
    processed++
    if (processed % 50_000 === 0) {
      config.onProgress?.(now, processed)
    }
    switch (e.kind) {
      case 'arrival': {
        arrived++
        const job = jobs[e.index]
        if (job === undefined) {
          break
        }
        const record: JobRecord = {
          id: job.id,
          accelerators: job.replicas * job.perReplica,
          submitS: job.submitS,
          workS: job.workS,
          interruptions: 0,
        }
        states.set(job.id, {
          job,
          record,
          remainingS: job.workS,
          segment: 0,
          segmentStart: now,
          delayS: 0,
          running: false,
          intervalS: intervalFor(job),
          completeAt: Number.POSITIVE_INFINITY,
          owedS: 0,
          slowedUntil: 0,
          pace: 1,
        })
        scheduler.submit({
          id: job.id,
          tenant: job.tenant,
          queue: 'default',
          priority: job.priority ?? 0,
          replicas: job.replicas,
          acceleratorsPerReplica: job.perReplica,
          chips: { kind: 'families', families, ordered: false },
          archs: ['x86_64', 'aarch64'],
          submittedAt: job.submitS,
        })
        requestCycle()
        break
      }
      case 'complete': {
        const s = states.get(e.id)
        if (s === undefined || !s.running || s.segment !== e.segment) {
          break
        }
        s.running = false
        s.record.endS = now
        running--
        allocated -= s.job.replicas * s.job.perReplica
        scheduler.remove(e.id)
        finished++
        requestCycle()
        break
      }
      case 'failure': {
        failures++
        const node =
          cluster.fabric.acceleratorNode[failureNodes.below(cluster.fabric.acceleratorCount)] ?? 0
        const cause = pickCause(config.failures, totalWeight, failureCauses.uniform())
        byCategory.set(cause.name, (byCategory.get(cause.name) ?? 0) + 1)
        const detection = config.failures?.detectionS ?? 0
        const hit = scheduler.running().filter((r) => r.nodes.includes(node))
        for (const r of hit) {
          const s = states.get(r.spec.id)
          if (s !== undefined) {
            s.record.interruptions++
            interruptions++
          }
        }
        if (cause.repairHours > 0 && scheduler.state.nodes[node]?.health === 'healthy') {
          // the node goes to repair; its gangs move to a replacement or back to the queue
          const hitStates = hit
            .map((r) => states.get(r.spec.id))
            .filter((s): s is JobState => s !== undefined)
          const decisions = scheduler.setNodeHealth(node, 'failed', now)
          for (const s of hitStates) {
            const replaced = decisions.find(
              (d) => d.kind === 'replace' && d.jobId === s.job.id && d.replacement !== null,
            )
            if (replaced !== undefined) {
              s.remainingS -= committedWork(s)
              const gang = scheduler.running().find((r) => r.spec.id === s.job.id)
              setPace(s, gang?.nodes ?? [])
              startSegment(s, detection + config.checkpoint.restartS)
            }
          }
          applyDecisions(decisions.filter((d) => d.kind === 'replace' && d.replacement === null))
          push({ t: now + cause.repairHours * 3600, kind: 'repair', node })
          repairs++
          requestCycle()
        } else {
          // a software fault: the gangs on the node restart in place from their last checkpoint
          for (const r of hit) {
            const s = states.get(r.spec.id)
            if (s !== undefined && s.running) {
              s.remainingS -= committedWork(s)
              startSegment(s, detection + config.checkpoint.restartS)
            }
          }
        }
        if (finished < jobs.length && active()) {
          push({ t: now + failureTimes.exponential(failureRate), kind: 'failure' })
        }
        break
      }
      case 'repair':
        repairs--
        scheduler.setNodeHealth(e.node, 'healthy', now)
        requestCycle()
        break
      case 'episode': {
        const block = episodes.below(blocks)
        push({
          t: now + (config.network?.minutes ?? 0) * 60,
          kind: 'episode-end',
          block,
          from: now,
        })
        if (finished < jobs.length && active()) {
          push({ t: now + episodes.exponential(episodeRate), kind: 'episode' })
        }
        break
      }
      case 'episode-end': {
        // Gangs that crossed the block's leaves during the episode lost part of that time.
        const b = cluster.fabric.blocks[e.block]
        for (const r of scheduler.running()) {
          const s = states.get(r.spec.id)
          const crosses =
            new Set(r.nodes).size > 1 &&
            r.nodes.some((n) => cluster.fabric.nodeBlock[n] === b?.index)
          if (s === undefined || !s.running || !crosses) {
            continue
          }
          // episodes on several of the gang's blocks overlap: count each moment once
          const overlap = now - Math.max(e.from, s.segmentStart + s.delayS, s.slowedUntil)
          if (overlap <= 0) {
            continue
          }
          const share = s.job.networkShare ?? 0.1
          const lost =
            goodput <= 0
              ? overlap
              : (overlap * (share * (1 / goodput - 1))) / (1 + share * (1 / goodput - 1))
          s.delayS += lost
          s.completeAt += lost
          s.slowedUntil = now
          s.segment++
          push({ t: s.completeAt, kind: 'complete', id: s.job.id, segment: s.segment })
        }
        break
      }
      case 'cycle': {
        // Cycles follow changes (arrivals, completions, failures, repairs): with nothing
        // changed, the pending jobs would get the same answers again.
        cyclePending = false
        const cycle = scheduler.schedule(now)
        applyDecisions(cycle.decisions)
        // A reservation that runs out frees its nodes without any other event: look again then.
        let wake = Number.POSITIVE_INFINITY
        for (const reason of cycle.pending.values()) {
          if (reason.kind === 'waiting-for-reservation' && reason.until > now) {
            wake = Math.min(wake, reason.until)
          }
        }
        if (Number.isFinite(wake)) {
          cyclePending = true
          push({ t: Math.max(wake, now + cycleS), kind: 'cycle' })
        }
        break
      }
    }
  }
  config.onProgress?.(now, processed)
  const summary = summarize({
    records: [...states.values()].map((s) => s.record),
    submitted: jobs.length,
    capacity,
    failureExposure: everyAccelerator,
    startS: jobs[0]?.submitS ?? 0,
    endS: now,
    allocatedArea,
    failures,
    byCategory,
    interruptions,
    events: processed,
    placementSlowdown: paceWeight > 0 ? paceArea / paceWeight : 1,
  })
  return config.timelineS === undefined ? summary : { ...summary, timeline }
}

function pickCause(
  model: FailureModel | null,
  total: number,
  u: number,
): { name: string; repairHours: number } {
  if (model === null) {
    return { name: 'none', repairHours: 0 }
  }
  let x = u * total
  for (const c of model.mix) {
    x -= c.weight
    if (x < 0) {
      return c
    }
  }
  return model.mix[model.mix.length - 1] ?? { name: 'unknown', repairHours: 0 }
}
