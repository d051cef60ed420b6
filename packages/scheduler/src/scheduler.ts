import { ZhisuanError, type Catalog, type Cluster } from '@zhisuan/domain'
import type { WorkloadClass } from '@zhisuan/perf'
import { adopt } from './adopt.js'
import { allocate } from './allocate.js'
import { mayHoldForWait, mayReserve, reserve, unreserve } from './backfill.js'
import { changeNode } from './capacity.js'
import type { ClusterState } from './cluster-state.js'
import type { DegradedLeaf } from './degraded-leaves.js'
import { releaseJob } from './commit.js'
import { orderPending } from './order.js'
import { notePreemptible, preempt } from './preempt.js'
import { replace } from './replace.js'
import type { RunningJob } from './running.js'
import { checkNewJob, createSession, placeGang, type Session } from './session.js'
import type { GangRequest, PlacementResult } from './placement.js'
import type { Decision, JobSpec, NodeHealth, PendingReason, SchedulerConfig } from './types.js'
import { nodeName } from './wording.js'

/** What one scheduling cycle decided, and why each job still pending is. */
export interface CycleResult {
  readonly decisions: readonly Decision[]
  readonly pending: ReadonlyMap<string, PendingReason>
}

/**
 * The scheduler: pending gangs, running jobs, quotas and the cluster's allocation state. It
 * never reads a clock or a random source; every call that depends on time takes `now`.
 * The same calls in the same order give the same decisions.
 */
export class Scheduler {
  readonly state: ClusterState
  /** What the actions share: this class only sequences them. */
  private readonly session: Session

  constructor(cluster: Cluster, catalog: Catalog, config: SchedulerConfig) {
    this.session = createSession(cluster, catalog, config)
    this.state = this.session.cluster
  }

  /**
   * Queues a job.
   * @throws ZhisuanError `invalid-input` for a malformed spec, `conflict` for a known id.
   */
  submit(job: JobSpec): void {
    checkNewJob(this.session, job)
    this.session.pending.set(job.id, job)
  }

  /** Removes a job, pending or running, releasing what it holds. Unknown ids are ignored. */
  remove(jobId: string): void {
    this.session.pending.delete(jobId)
    const job = this.session.running.get(jobId)
    if (job !== undefined) {
      releaseJob(this.session, job)
    }
  }

  /**
   * Takes in a job that already runs on these nodes (one entry per replica, ring order), as a
   * restarted control plane finds its running jobs or a backend reports work it runs: the job
   * holds their accelerators and counts against its tenant's quota like one it placed.
   * @throws ZhisuanError `invalid-input` for a malformed spec or nodes that do not fit the job,
   * `conflict` for a known id or nodes without room.
   */
  adopt(
    job: JobSpec,
    nodes: readonly number[],
    startedAt: number,
    lastCheckpointAt = startedAt,
  ): Decision & { kind: 'place' } {
    const placed = adopt(this.session, job, nodes, startedAt)
    this.checkpointed(job.id, lastCheckpointAt)
    return placed
  }

  /** Records a committed checkpoint of a running job (preemption then loses less). */
  checkpointed(jobId: string, at: number): void {
    const job = this.session.running.get(jobId)
    if (job !== undefined) {
      job.lastCheckpointAt = Math.max(job.lastCheckpointAt, at)
    }
  }

  /** Running jobs, in the order they were placed. */
  running(): readonly RunningJob[] {
    return [...this.session.running.values()]
  }

  /**
   * Where a gang would go now, as a cycle would place it (uplink scoring included), without
   * placing it: for benchmarks and what-ifs.
   */
  placementFor(gang: GangRequest): PlacementResult {
    return placeGang(this.session, gang)
  }

  /** Pending jobs, in the order they were queued (or sent back to the queue). */
  pending(): readonly JobSpec[] {
    return [...this.session.pending.values()]
  }

  /** SCU a tenant uses in a class. */
  usage(tenant: string, cls: WorkloadClass): number {
    return this.session.ledger.usage(tenant, cls)
  }

  /**
   * Sets a node's health. A node that fails takes its running gangs with it: each gets a
   * replacement node — a spare or a free node, in the same block first, then the same pod,
   * then anywhere — or, when none fits, goes back to the queue.
   */
  setNodeHealth(node: number, health: NodeHealth, now: number): Decision[] {
    changeNode(this.session, node, { health })
    if (health !== 'failed') {
      return []
    }
    const decisions: Decision[] = []
    for (const job of [...this.session.running.values()]) {
      if (job.nodes.includes(node)) {
        decisions.push(replace(this.session, job, node, now))
      }
    }
    return decisions
  }

  /**
   * Moves a running gang off a node an operator drains with `evacuate`: its replicas there go
   * to a replacement (same block first, as after a failure) or, with no room, the gang goes back
   * to the queue. Undefined when the gang does not run there. The node must already be draining
   * (or worse), so that nothing is placed back onto it.
   */
  evacuate(jobId: string, node: number, now: number): Decision | undefined {
    const job = this.session.running.get(jobId)
    const health = this.state.nodes[node]?.health
    if (job === undefined || !job.nodes.includes(node)) {
      return undefined
    }
    if (health === undefined || health === 'healthy' || health === 'degraded') {
      throw new ZhisuanError(
        'conflict',
        `node ${nodeName(this.state, node)} is ${health ?? 'unknown'}, not draining`,
      )
    }
    return { ...replace(this.session, job, node, now), cause: 'evacuated' }
  }

  /**
   * The leaves whose network is degraded (replacing the previous set): multi-node gangs are
   * placed off them while a placement of the same tier exists elsewhere. Running gangs stay.
   */
  setDegradedLeaves(leaves: readonly DegradedLeaf[]): void {
    this.session.degradedLeaves = new Map(leaves.map((l) => [l.block, l]))
  }

  /** The leaves last set as degraded, by block. */
  degradedLeaves(): readonly DegradedLeaf[] {
    return [...(this.session.degradedLeaves?.values() ?? [])].sort((a, b) => a.block - b.block)
  }

  /** Marks a node as a spare (only failure recovery uses spares) or returns it to service. */
  setSpare(node: number, spare: boolean): void {
    changeNode(this.session, node, { spare })
  }

  /**
   * One scheduling cycle. Pending jobs go in order — priority, then the tenant's dominant share
   * (DRF over SCU and accelerator memory), then submission — and each is placed, placed after
   * preempting, or given a reason. The first jobs blocked for capacity (up to
   * `reservationDepth`) get reservations: later jobs may use reserved nodes only if their
   * runtime limit ends before those reservations start (backfill).
   */
  schedule(now: number): CycleResult {
    const s = this.session
    const decisions: Decision[] = []
    const reasons = new Map<string, PendingReason>()
    this.startCycle()
    // Shapes for which preemption or a reservation already failed this cycle: a later job of
    // the same shape has no higher priority, so it would fail the same way.
    const noPreemption = new Set<string>()
    const noReservation = new Set<string>()
    try {
      for (const job of orderPending(s)) {
        if (!s.pending.has(job.id)) {
          continue
        }
        const attempt = allocate(s, job, now)
        if ('placed' in attempt) {
          decisions.push(attempt.placed)
          continue
        }
        const { request, shape } = attempt
        if (
          request !== undefined &&
          shape !== undefined &&
          attempt.reason.kind === 'insufficient-capacity'
        ) {
          if (!noPreemption.has(shape)) {
            const preempted = preempt(s, job, request, now)
            if (preempted.length > 0) {
              decisions.push(...preempted)
              // capacity moved: what failed before may fit now
              s.cycleFailures.clear()
              noPreemption.clear()
              noReservation.clear()
              continue
            }
            noPreemption.add(shape)
          }
          if (mayReserve(s) && !noReservation.has(shape)) {
            if (!reserve(s, job, request, now, decisions)) {
              noReservation.add(shape)
            }
          }
        } else if (
          request !== undefined &&
          attempt.reason.kind === 'waiting-for-placement' &&
          mayHoldForWait(s)
        ) {
          // the first gang waiting for a better placement holds the domain that frees up first,
          // when it does before the wait ends, so jobs that would outlast it do not fill it
          reserve(s, job, request, now, decisions, {
            maxTier: attempt.reason.bestTier === 'spine' ? 'spine' : 'leaf',
            notAfter: attempt.reason.until,
          })
        }
        reasons.set(job.id, attempt.reason)
      }
    } finally {
      unreserve(s)
    }
    return { decisions, pending: reasons }
  }

  /** Forgets what the last cycle learnt; notes who could be preempted in this one. */
  private startCycle(): void {
    this.session.reservations.length = 0
    this.session.cycleFailures.clear()
    notePreemptible(this.session)
  }
}
