import { ZhisuanError, type Catalog, type Cluster } from '@zhisuan/domain'
import { workloadClasses, type WorkloadClass } from '@zhisuan/perf'
import { ClusterState } from './cluster-state.js'
import {
  findPlacement,
  firstFitPlacement,
  type GangRequest,
  type PlacementResult,
} from './placement.js'
import { chooseVictims } from './preemption.js'
import { QuotaLedger } from './quota.js'
import { findReservation, type Reservation } from './reservation.js'
import {
  familiesOf,
  familyRequests,
  largestDomain,
  topologyProblem,
  type FamilyInfo,
  type FamilyRequest,
} from './requests.js'
import type { RunningJob } from './running.js'
import { checkJobSpec } from './validate.js'
import type {
  Decision,
  JobSpec,
  NodeHealth,
  PendingReason,
  SchedulerConfig,
  TopologyTier,
} from './types.js'

/** What one scheduling cycle decided, and why each job still pending is. */
export interface CycleResult {
  readonly decisions: readonly Decision[]
  readonly pending: ReadonlyMap<string, PendingReason>
}

type Attempt =
  | { readonly placed: Decision & { kind: 'place' } }
  | { readonly reason: PendingReason; readonly request?: FamilyRequest; readonly shape?: string }

/**
 * The scheduler: pending gangs, running jobs, quotas and the cluster's allocation state. It
 * never reads a clock or a random source; every call that depends on time takes `now`.
 * The same calls in the same order give the same decisions.
 */
export class Scheduler {
  readonly state: ClusterState
  private readonly ledger: QuotaLedger
  private readonly families: ReadonlyMap<string, FamilyInfo>
  private readonly pendingJobs = new Map<string, JobSpec>()
  private readonly runningJobs = new Map<string, RunningJob>()
  private readonly slotOf = new Map<string, number>()
  private readonly lastPreempted = new Map<string, number>()
  private totals = { scu: 0, memoryGB: 0 }
  private readonly capacity: Record<WorkloadClass, number>
  private readonly largestCache = new Map<string, number>()
  private reservation: Reservation | undefined
  /** Per cycle: the smallest gang of each shape that found no room, and why. */
  private readonly cycleFailures = new Map<
    string,
    { replicas: number; reason: PendingReason & { kind: 'insufficient-capacity' } }
  >()
  /** Per cycle: the lowest priority running, and whether any tenant borrows (who could be preempted). */
  private preemptible = { minPriority: Number.POSITIVE_INFINITY, borrowers: false }

  constructor(
    cluster: Cluster,
    catalog: Catalog,
    private readonly config: SchedulerConfig,
  ) {
    this.state = ClusterState.fromCluster(cluster)
    this.families = familiesOf(cluster, catalog)
    this.capacity = this.initialCapacity()
    this.ledger = new QuotaLedger(config, this.capacity)
  }

  /** Usable capacity per class (healthy, non-spare nodes), for the quota pool and fair share. */
  private initialCapacity(): Record<WorkloadClass, number> {
    const capacity = Object.fromEntries(workloadClasses.map((c) => [c, 0])) as Record<
      WorkloadClass,
      number
    >
    let memoryGB = 0
    for (const node of this.state.nodes) {
      const info = this.families.get(node.family)
      if (info === undefined || node.spare || node.health !== 'healthy') {
        continue
      }
      for (const c of workloadClasses) {
        capacity[c] += node.accelerators * info.scu[c]
      }
      memoryGB += node.accelerators * node.memoryGBPerAccelerator
    }
    this.totals = { scu: capacity['llm-train'], memoryGB }
    return capacity
  }

  private largest(req: FamilyRequest, archs: readonly string[], tier: TopologyTier): number {
    const key = `${req.family}|${req.perReplica}|${tier}|${archs.join(',')}`
    let value = this.largestCache.get(key)
    if (value === undefined) {
      value = largestDomain(this.state, req.family, archs, req.perReplica, tier)
      this.largestCache.set(key, value)
    }
    return value
  }

  /**
   * Queues a job.
   * @throws ZhisuanError `invalid-input` for a malformed spec, `conflict` for a known id.
   */
  submit(job: JobSpec): void {
    checkJobSpec(job)
    if (this.pendingJobs.has(job.id) || this.runningJobs.has(job.id)) {
      throw new ZhisuanError('conflict', `job ${job.id} already exists`)
    }
    this.pendingJobs.set(job.id, job)
  }

  /** Removes a job, pending or running, releasing what it holds. Unknown ids are ignored. */
  remove(jobId: string): void {
    this.pendingJobs.delete(jobId)
    const job = this.runningJobs.get(jobId)
    if (job !== undefined) {
      this.release(job)
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
    checkJobSpec(job)
    if (this.pendingJobs.has(job.id) || this.runningJobs.has(job.id)) {
      throw new ZhisuanError('conflict', `job ${job.id} already exists`)
    }
    const first = this.state.nodes[nodes[0] ?? -1]
    if (nodes.length !== job.replicas || first === undefined) {
      throw new ZhisuanError(
        'invalid-input',
        `job ${job.id} has ${job.replicas} replicas; adopted on ${nodes.length} known nodes`,
      )
    }
    const requests = familyRequests(job, this.families, this.state)
    const req = Array.isArray(requests)
      ? requests.find((r) => r.family === first.family)
      : undefined
    const mismatch = nodes.find((n) => this.state.nodes[n]?.family !== first.family)
    if (req === undefined || mismatch !== undefined) {
      throw new ZhisuanError(
        'invalid-input',
        `job ${job.id} cannot run on node ${mismatch ?? nodes[0]}: its chips are not what the job asks`,
      )
    }
    const need = new Map<number, number>()
    for (const n of nodes) {
      need.set(n, (need.get(n) ?? 0) + req.perReplica)
    }
    for (const [n, count] of need) {
      if ((this.state.free[n] ?? 0) < count) {
        throw new ZhisuanError('conflict', `node ${n} has no room for ${job.id}`)
      }
    }
    const ordered = [...nodes].sort((a, b) => a - b)
    const fabric = this.state.fabric
    const blocks = [...new Set(ordered.map((n) => fabric.nodeBlock[n] ?? 0))]
    const pods = [...new Set(ordered.map((n) => fabric.nodePod[n] ?? 0))]
    this.pendingJobs.set(job.id, job)
    const placed = this.commit(
      job,
      req,
      {
        ok: true,
        nodes: ordered,
        score: {
          tier:
            pods.length > 1
              ? 'core'
              : blocks.length > 1
                ? 'spine'
                : new Set(ordered).size > 1
                  ? 'leaf'
                  : 'node',
          blocks,
          pods,
          domainFreeSlots: 0,
          reason: 'adopted: already running there',
        },
      },
      startedAt,
    )
    this.checkpointed(job.id, lastCheckpointAt)
    return placed
  }

  /** Records a committed checkpoint of a running job (preemption then loses less). */
  checkpointed(jobId: string, at: number): void {
    const job = this.runningJobs.get(jobId)
    if (job !== undefined) {
      job.lastCheckpointAt = Math.max(job.lastCheckpointAt, at)
    }
  }

  running(): readonly RunningJob[] {
    return [...this.runningJobs.values()]
  }

  pending(): readonly JobSpec[] {
    return [...this.pendingJobs.values()]
  }

  /** SCU a tenant uses in a class. */
  usage(tenant: string, cls: WorkloadClass): number {
    return this.ledger.usage(tenant, cls)
  }

  /**
   * Sets a node's health. A node that fails takes its running gangs with it: each gets a
   * replacement node — a spare or a free node, in the same block first, then the same pod,
   * then anywhere — or, when none fits, goes back to the queue.
   */
  setNodeHealth(node: number, health: NodeHealth, now: number): Decision[] {
    this.changeNode(node, { health })
    if (health !== 'failed') {
      return []
    }
    const decisions: Decision[] = []
    for (const job of [...this.runningJobs.values()]) {
      if (job.nodes.includes(node)) {
        decisions.push(this.replace(job, node, now))
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
    const job = this.runningJobs.get(jobId)
    const health = this.state.nodes[node]?.health
    if (job === undefined || !job.nodes.includes(node)) {
      return undefined
    }
    if (health === undefined || health === 'healthy' || health === 'degraded') {
      throw new ZhisuanError('conflict', `node ${node} is ${health ?? 'unknown'}, not draining`)
    }
    return { ...this.replace(job, node, now), cause: 'evacuated' }
  }

  /** Marks a node as a spare (only failure recovery uses spares) or returns it to service. */
  setSpare(node: number, spare: boolean): void {
    this.changeNode(node, { spare })
  }

  /** Changes a node and moves its share of the usable capacity in or out (O(1)). */
  private changeNode(node: number, change: { health?: NodeHealth; spare?: boolean }): void {
    const before = this.contribution(node)
    const wasSpare = this.state.nodes[node]?.spare
    this.state.setNode(node, change)
    const after = this.contribution(node)
    for (const c of workloadClasses) {
      this.capacity[c] += after.scu[c] - before.scu[c]
    }
    this.totals = {
      scu: this.capacity['llm-train'],
      memoryGB: this.totals.memoryGB + after.memoryGB - before.memoryGB,
    }
    this.ledger.setCapacity(this.capacity)
    if (this.state.nodes[node]?.spare !== wasSpare) {
      this.largestCache.clear()
    }
  }

  private contribution(node: number): { scu: Record<WorkloadClass, number>; memoryGB: number } {
    const n = this.state.nodes[node]
    const info = n === undefined ? undefined : this.families.get(n.family)
    const zero = Object.fromEntries(workloadClasses.map((c) => [c, 0])) as Record<
      WorkloadClass,
      number
    >
    if (n === undefined || info === undefined || n.spare || n.health !== 'healthy') {
      return { scu: zero, memoryGB: 0 }
    }
    for (const c of workloadClasses) {
      zero[c] = n.accelerators * info.scu[c]
    }
    return { scu: zero, memoryGB: n.accelerators * n.memoryGBPerAccelerator }
  }

  /**
   * One scheduling cycle. Pending jobs go in order — priority, then the tenant's dominant share
   * (DRF over SCU and accelerator memory), then submission — and each is placed, placed after
   * preempting, or given a reason. The first job blocked for capacity gets a reservation: later
   * jobs may use the reserved nodes only if their runtime limit ends before it (backfill).
   */
  schedule(now: number): CycleResult {
    const decisions: Decision[] = []
    const reasons = new Map<string, PendingReason>()
    this.startCycle()
    // Shapes for which preemption or a reservation already failed this cycle: a later job of
    // the same shape has no higher priority, so it would fail the same way.
    const noPreemption = new Set<string>()
    const noReservation = new Set<string>()
    try {
      for (const job of this.order()) {
        if (!this.pendingJobs.has(job.id)) {
          continue
        }
        const attempt = this.attempt(job, now)
        if ('placed' in attempt) {
          decisions.push(attempt.placed)
          continue
        }
        const { request, shape = '' } = attempt
        if (request !== undefined && attempt.reason.kind === 'insufficient-capacity') {
          if (!noPreemption.has(shape)) {
            const preempted = this.preempt(job, request, now)
            if (preempted.length > 0) {
              decisions.push(...preempted)
              // capacity moved: what failed before may fit now
              this.cycleFailures.clear()
              noPreemption.clear()
              noReservation.clear()
              continue
            }
            noPreemption.add(shape)
          }
          if (!this.hasReservation() && !noReservation.has(shape)) {
            if (!this.reserve(job, request, now, decisions)) {
              noReservation.add(shape)
            }
          }
        }
        reasons.set(job.id, attempt.reason)
      }
    } finally {
      this.unreserve()
    }
    return { decisions, pending: reasons }
  }

  private startCycle(): void {
    this.reservation = undefined
    this.cycleFailures.clear()
    this.preemptible = { minPriority: Number.POSITIVE_INFINITY, borrowers: false }
    for (const r of this.runningJobs.values()) {
      this.preemptible.minPriority = Math.min(this.preemptible.minPriority, r.spec.priority)
      this.preemptible.borrowers ||= this.ledger.borrowing(
        r.spec.tenant,
        r.spec.workloadClass ?? 'llm-train',
      )
    }
  }

  private hasReservation(): boolean {
    return this.reservation !== undefined
  }

  private order(): JobSpec[] {
    const scu = new Map<string, number>()
    const memory = new Map<string, number>()
    for (const job of this.runningJobs.values()) {
      scu.set(job.spec.tenant, (scu.get(job.spec.tenant) ?? 0) + job.trainScu)
      memory.set(job.spec.tenant, (memory.get(job.spec.tenant) ?? 0) + job.memoryGB)
    }
    const dominant = (tenant: string) =>
      Math.max(
        (scu.get(tenant) ?? 0) / Math.max(this.totals.scu, 1e-9),
        (memory.get(tenant) ?? 0) / Math.max(this.totals.memoryGB, 1e-9),
      )
    return [...this.pendingJobs.values()].sort(
      (a, b) =>
        b.priority - a.priority ||
        dominant(a.tenant) - dominant(b.tenant) ||
        a.submittedAt - b.submittedAt ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
  }

  private attempt(job: JobSpec, now: number): Attempt {
    const requests = familyRequests(job, this.families, this.state)
    if (!Array.isArray(requests)) {
      return { reason: requests }
    }
    const cls = job.workloadClass ?? 'llm-train'
    let last: Attempt | undefined
    for (const req of requests) {
      const required = job.topology?.mode === 'required' ? job.topology.tier : undefined
      const topology =
        required === undefined
          ? undefined
          : topologyProblem(req, required, this.largest(req, job.archs, required))
      if (topology !== undefined) {
        last ??= { reason: topology }
        continue
      }
      const scu = req.replicas * req.perReplica * req.scuPerAccelerator
      const admission = this.ledger.admit(job.tenant, cls, scu)
      if (!admission.ok) {
        last = { reason: quotaReason(job, cls, scu, admission.usedScu, admission.limitScu) }
        continue
      }
      const gang = this.gangOf(job, req)
      const backfill =
        this.reservation !== undefined &&
        now + (job.runtimeLimitS ?? Number.POSITIVE_INFINITY) <= this.reservation.until
      // Within a cycle, a gang no smaller than one that found no room finds none either.
      const key = `${req.family}|${req.perReplica}|${gang.maxTier ?? ''}|${job.archs.join(',')}|${backfill}`
      const failedAt = this.cycleFailures.get(key)
      if (failedAt !== undefined && req.replicas >= failedAt.replicas) {
        last = {
          reason: {
            ...failedAt.reason,
            neededReplicas: req.replicas,
            message: capacityMessage(req, failedAt.reason.tier, failedAt.reason.freeReplicas),
          },
          request: req,
          shape: key,
        }
        continue
      }
      let result = this.place(gang)
      if (!result.ok && backfill) {
        // Backfill: a job that ends before the reservation starts may use the reserved nodes.
        result = this.withReservedNodes(() => this.place(gang))
      }
      if (result.ok) {
        return { placed: this.commit(job, req, result, now) }
      }
      const reason = this.capacityReason(job, req, gang, result)
      if (
        reason.kind === 'insufficient-capacity' &&
        (failedAt === undefined || req.replicas < failedAt.replicas)
      ) {
        this.cycleFailures.set(key, { replicas: req.replicas, reason })
      }
      last = { reason, request: req }
    }
    return last ?? { reason: { kind: 'invalid-request', message: 'no family to try' } }
  }

  private capacityReason(
    job: JobSpec,
    req: FamilyRequest,
    gang: GangRequest,
    result: PlacementResult & { ok: false },
  ): PendingReason {
    const reserved = this.reservation
    if (
      reserved !== undefined &&
      reserved.jobId !== job.id &&
      // cheap bound first: each reserved node takes at most (node size / replica size) replicas
      result.freeReplicas +
        reserved.nodes.length * Math.floor((this.state.width - 1) / req.perReplica) >=
        req.replicas &&
      this.withReservedNodes(() => this.place(gang).ok)
    ) {
      return {
        kind: 'waiting-for-reservation',
        reservedFor: reserved.jobId,
        until: reserved.until,
        message: `fits only on nodes reserved for ${reserved.jobId} until t=${reserved.until}; a runtime limit ending before then would let it backfill`,
      }
    }
    return {
      kind: 'insufficient-capacity',
      family: req.family,
      tier: result.tier,
      neededReplicas: req.replicas,
      freeReplicas: result.freeReplicas,
      message: capacityMessage(req, result.tier, result.freeReplicas),
    }
  }

  private place(gang: GangRequest): PlacementResult {
    return this.config.placement === 'first-fit'
      ? firstFitPlacement(this.state, gang)
      : findPlacement(this.state, gang)
  }

  private gangOf(job: JobSpec, req: FamilyRequest): GangRequest {
    return {
      family: req.family,
      archs: job.archs,
      replicas: req.replicas,
      perReplica: req.perReplica,
      ...(job.topology?.mode === 'required' ? { maxTier: job.topology.tier } : {}),
    }
  }

  private commit(
    job: JobSpec,
    req: FamilyRequest,
    result: PlacementResult & { ok: true },
    now: number,
  ): Decision & { kind: 'place' } {
    const slot = this.slot(job.id)
    const accelerators: number[] = []
    let i = 0
    while (i < result.nodes.length) {
      const node = result.nodes[i] ?? 0
      let count = 0
      while (result.nodes[i] === node) {
        count++
        i++
      }
      accelerators.push(...this.state.allocate(node, count * req.perReplica, slot))
    }
    const cls = job.workloadClass ?? 'llm-train'
    const info = this.families.get(req.family)
    const running: RunningJob = {
      spec: job,
      family: req.family,
      nodes: [...result.nodes],
      accelerators,
      startedAt: now,
      lastCheckpointAt: now,
      scu: accelerators.length * req.scuPerAccelerator,
      trainScu: accelerators.length * (info?.scu['llm-train'] ?? 0),
      memoryGB: accelerators.length * (info?.memoryGB ?? 0),
    }
    this.ledger.add(job.tenant, cls, running.scu)
    this.runningJobs.set(job.id, running)
    this.pendingJobs.delete(job.id)
    return {
      kind: 'place',
      jobId: job.id,
      family: req.family,
      nodes: running.nodes,
      accelerators,
      score: result.score,
    }
  }

  private release(job: RunningJob): void {
    this.state.release(job.accelerators)
    this.ledger.add(job.spec.tenant, job.spec.workloadClass ?? 'llm-train', -job.scu)
    this.runningJobs.delete(job.spec.id)
  }

  private requeue(job: RunningJob): void {
    this.release(job)
    this.pendingJobs.set(job.spec.id, job.spec)
  }

  private slot(jobId: string): number {
    let slot = this.slotOf.get(jobId)
    if (slot === undefined) {
      slot = this.slotOf.size
      this.slotOf.set(jobId, slot)
    }
    return slot
  }

  /**
   * Preempts for a blocked job when it outranks running jobs (priority) or reclaims its own
   * guarantee from borrowers. Victims must have run their minimum runtime and not have been
   * preempted within the window; they lose the least work since their last checkpoint; and the
   * preemptor must fit, in a domain it accepts, once they are gone — else nobody is preempted.
   */
  private preempt(job: JobSpec, req: FamilyRequest, now: number): Decision[] {
    const cls = job.workloadClass ?? 'llm-train'
    const scu = req.replicas * req.perReplica * req.scuPerAccelerator
    const reclaiming =
      this.ledger.quota(job.tenant, cls) !== undefined &&
      this.ledger.withinGuarantee(job.tenant, cls, scu)
    // The first-fit baseline does not preempt: its placement ignores the domains victims are chosen in.
    const nobodyToPreempt =
      this.preemptible.minPriority >= job.priority && !(reclaiming && this.preemptible.borrowers)
    if (nobodyToPreempt || this.config.placement === 'first-fit') {
      return []
    }
    const candidates = [...this.runningJobs.values()].filter((v) => {
      // A job placed in this very cycle is never a victim (no place-then-preempt churn).
      if (v.family !== req.family || v.spec.id === job.id || v.startedAt === now) {
        return false
      }
      const protectedUntil =
        (this.lastPreempted.get(v.spec.id) ?? Number.NEGATIVE_INFINITY) +
        this.config.preemptionWindowS
      if (now < protectedUntil || now - v.startedAt < (v.spec.minRuntimeS ?? 0)) {
        return false
      }
      const lower = v.spec.priority < job.priority
      const lender =
        reclaiming &&
        v.spec.tenant !== job.tenant &&
        this.ledger.borrowing(v.spec.tenant, v.spec.workloadClass ?? 'llm-train')
      return lower || lender
    })
    if (candidates.length === 0) {
      return []
    }
    const gang = this.gangOf(job, req)
    const choice = chooseVictims(this.state, gang, candidates, now)
    if (choice === undefined) {
      return []
    }
    const decisions: Decision[] = []
    for (const victim of choice.victims) {
      const lower = victim.spec.priority < job.priority
      decisions.push({
        kind: 'preempt',
        jobId: victim.spec.id,
        cause: lower ? 'priority' : 'reclaim',
        forJob: job.id,
        lostWorkS: Math.max(0, now - victim.lastCheckpointAt) * victim.accelerators.length,
      })
      this.lastPreempted.set(victim.spec.id, now)
      this.requeue(victim)
    }
    const placed = this.place(gang)
    if (!placed.ok) {
      throw new ZhisuanError(
        'internal',
        `preemption for ${job.id} freed too little; the victim search and placement disagree`,
      )
    }
    decisions.push(this.commit(job, req, placed, now))
    return decisions
  }

  /** Reserves nodes for a blocked gang; false when no end of running jobs makes room. */
  private reserve(job: JobSpec, req: FamilyRequest, now: number, decisions: Decision[]): boolean {
    const reservation = findReservation(
      this.state,
      this.gangOf(job, req),
      [...this.runningJobs.values()],
      job.id,
      now,
      this.config.defaultRuntimeLimitS ?? defaultRuntimeLimitS,
    )
    if (reservation === undefined) {
      return false
    }
    this.reservation = reservation
    for (const node of new Set(reservation.nodes)) {
      this.state.hide(node)
    }
    decisions.push({
      kind: 'reserve',
      jobId: job.id,
      nodes: reservation.nodes,
      until: reservation.until,
    })
    return true
  }

  private unreserve(): void {
    for (const n of this.reservation?.nodes ?? []) {
      this.state.unhide(n)
    }
  }

  private withReservedNodes<T>(fn: () => T): T {
    const nodes = this.reservation === undefined ? [] : [...new Set(this.reservation.nodes)]
    for (const n of nodes) {
      this.state.unhide(n)
    }
    try {
      return fn()
    } finally {
      for (const n of nodes) {
        this.state.hide(n)
      }
    }
  }

  private replace(job: RunningJob, failed: number, now: number): Decision & { kind: 'replace' } {
    const replicasThere = job.nodes.filter((n) => n === failed).length
    const need = replicasThere * job.spec.acceleratorsPerReplica
    const replacement = findReplacement(this.state, job, failed, need)
    if (replacement === undefined) {
      this.lastPreempted.set(job.spec.id, now)
      this.requeue(job)
      return {
        kind: 'replace',
        jobId: job.spec.id,
        failedNode: failed,
        replacement: null,
        tier: null,
      }
    }
    const slot = this.slot(job.spec.id)
    const lost = job.accelerators.filter((a) => this.state.fabric.acceleratorNode[a] === failed)
    this.state.release(lost)
    if (this.state.nodes[replacement.node]?.spare === true) {
      // A spare that takes over a failed node's work joins the pool; the failed node goes to repair.
      this.changeNode(replacement.node, { spare: false })
    }
    const gained = this.state.allocate(replacement.node, need, slot)
    job.accelerators = [...job.accelerators.filter((a) => !lost.includes(a)), ...gained]
    job.nodes = job.nodes.map((n) => (n === failed ? replacement.node : n))
    return {
      kind: 'replace',
      jobId: job.spec.id,
      failedNode: failed,
      replacement: replacement.node,
      tier: replacement.tier,
    }
  }
}

/** Runtime assumed for jobs without a limit when reserving for a blocked gang: 7 days. */
export const defaultRuntimeLimitS = 7 * 24 * 3600

function capacityMessage(req: FamilyRequest, tier: string, free: number): string {
  const where =
    tier === 'core'
      ? 'the cluster'
      : `one ${tier === 'node' ? 'node' : tier === 'leaf' ? 'leaf block' : 'spine pod'}`
  return `needs ${req.replicas} × ${req.perReplica} ${req.family} in ${where}; ${free} free now`
}

function quotaReason(
  job: JobSpec,
  cls: WorkloadClass,
  requested: number,
  used: number,
  limit: number,
): PendingReason {
  const r = (x: number) => Math.round(x * 100) / 100
  return {
    kind: 'quota-exceeded',
    workloadClass: cls,
    requestedScu: r(requested),
    usedScu: r(used),
    limitScu: r(limit),
    message: `tenant ${job.tenant} uses ${r(used)} of ${Number.isFinite(limit) ? r(limit) : 'unlimited'} ${cls} SCU it may hold now; this job needs ${r(requested)} more`,
  }
}

function findReplacement(
  state: ClusterState,
  job: RunningJob,
  failed: number,
  need: number,
): { node: number; tier: 'leaf' | 'spine' | 'core' } | undefined {
  const fabric = state.fabric
  const block = fabric.blocks[fabric.nodeBlock[failed] ?? -1]
  const pod = fabric.pods[fabric.nodePod[failed] ?? -1]
  // A gang that requires a tier keeps it: a leaf-bound gang is only replaced within its block.
  const required = job.spec.topology?.mode === 'required' ? job.spec.topology.tier : undefined
  const alone = job.nodes.every((n) => n === failed)
  const limit = alone ? 2 : required === 'leaf' ? 0 : required === 'spine' ? 1 : 2
  const stages: { tier: 'leaf' | 'spine' | 'core'; first: number; count: number }[] = [
    { tier: 'leaf', first: block?.firstNode ?? 0, count: block?.nodeCount ?? 0 },
    { tier: 'spine', first: pod?.firstNode ?? 0, count: pod?.nodeCount ?? 0 },
    { tier: 'core', first: 0, count: state.nodes.length },
  ]
  // The same block first, then the same pod, then anywhere; spares before busy nodes' room.
  for (const [level, stage] of stages.entries()) {
    if (level > limit) {
      break
    }
    let best: { node: number; spare: boolean } | undefined
    for (let i = stage.first; i < stage.first + stage.count; i++) {
      const n = state.nodes[i]
      if (
        n === undefined ||
        i === failed ||
        n.health !== 'healthy' ||
        n.family !== job.family ||
        state.hidden[i] === 1
      ) {
        continue
      }
      if (!job.spec.archs.includes(n.arch) || (state.free[i] ?? 0) < need) {
        continue
      }
      if (best === undefined || (n.spare && !best.spare)) {
        best = { node: i, spare: n.spare }
      }
    }
    if (best !== undefined) {
      return { node: best.node, tier: stage.tier }
    }
  }
  return undefined
}
