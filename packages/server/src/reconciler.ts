import {
  ZhisuanError,
  type BackendEvent,
  type Catalog,
  type Cluster,
  type ExecutionBackend,
  type PlacedJob,
} from '@zhisuan/domain'
import {
  Scheduler,
  type Decision,
  type NodeHealth,
  type RunningJob,
  type Tenant as SchedulerTenant,
} from '@zhisuan/scheduler'
import { keptWork, lifecycleDefaults, type CheckpointPlan } from '@zhisuan/engine'
import type { JobRecord, NodeState, Store } from '@zhisuan/store'
import { clusterFamilies, schedulerSpec, type StoredSpec } from './job-spec.js'
import type { LoopObserver, NodeInfo, ReconcileLoop } from './reconcile-loop.js'

const yieldToRequests = () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve)
  })

/** The cluster's nodes as the API lists them: what the loop's scheduler sees, in fabric order. */
export function nodeListOf(cluster: Cluster, catalog: Catalog): NodeInfo[] {
  const probe = new Scheduler(cluster, catalog, {
    tenants: [],
    preemptionWindowS: lifecycleDefaults.preemptionWindowS,
    strictTenants: false,
  })
  return probe.state.nodes.map((n, i) => ({
    name: n.name,
    family: n.family,
    accelerators: n.accelerators,
    block: probe.state.fabric.nodeBlock[i] ?? 0,
    pod: probe.state.fabric.nodePod[i] ?? 0,
  }))
}

export interface ReconcilerOptions {
  readonly store: Store
  readonly backend: ExecutionBackend
  readonly cluster: Cluster
  readonly catalog: Catalog
  /** Unix seconds. */
  readonly clock: () => number
  /** This process, as the lease names it. */
  readonly holder: string
  /** Seconds a leader's lease lasts without renewal; default 6 (handover within 10 s). */
  readonly leaseTtlS?: number
  /** Milliseconds between loop passes; default 500. */
  readonly tickMs?: number
  /** Seconds without an agent report before a node that had one is unreachable; default 60. */
  readonly heartbeatTimeoutS?: number
  readonly log: (level: 'info' | 'warn' | 'error', message: string, detail?: object) => void
  /**
   * The cluster model of a backend that runs no real code (the twin), as the simulator's: seconds
   * a restarted attempt spends before its work resumes, and seconds each checkpoint stalls a job;
   * both default 0.
   */
  readonly lifecycle?: { readonly restartS?: number; readonly checkpointStallS?: number }
}

const leaseName = 'reconcile-loop'
const pageSize = 1000

/**
 * The reconcile loop: new and cancelled jobs, node changes and backend events go to the
 * scheduler; its decisions go to the store (one transaction per job change, with its events)
 * and then to the backend. Level-triggered and idempotent: after a crash (or when another
 * process takes the lease) it rebuilds the scheduler from the store, adopts what the backend
 * runs, launches what the store says should run and the backend lacks, and stops what the
 * backend runs that should not. Only the holder of the lease runs it.
 */
export class Reconciler implements ReconcileLoop {
  private scheduler: Scheduler | undefined
  private readonly nodeIndex = new Map<string, number>()
  private readonly nodeNames: string[]
  /** Every node: name, chip family, accelerators, in fabric order. */
  readonly nodeList: readonly NodeInfo[]
  private readonly families: string[]
  private cursor = 0
  private tenantsVersion = ''
  private nodesSeenAt = 0
  private readonly reasons = new Map<string, string>()
  private readonly specs = new Map<string, StoredSpec>()
  private readonly evacuations: { jobId: string; node: string }[] = []
  /** Drain state the backend was last told, per node (`active`, or `drained:` + reason). */
  private readonly drainTold = new Map<string, string>()
  /** Drains and resumes the backend still has to hear of (retried each pass until it has). */
  private readonly drainsToTell = new Map<string, NodeState>()
  private wasLeader = false
  /**
   * Jobs whose launch the backend refused, kept out of the scheduler until `until` (unix s):
   * 5 s after the first refusal, doubling to 5 min, so a backend that refuses (Slurm's
   * partition down) is not asked again every pass. Handed back to the scheduler once when the
   * wait ends (`released`), forgotten on a launch that goes through or a cancel; a rebuild takes
   * them back from the jobs' pending reasons.
   */
  private readonly launchHolds = new Map<
    string,
    { until: number; failures: number; released: boolean }
  >()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = true
  private again = false
  private timerDue = 0
  private lastEnd = 0
  private observer: LoopObserver | undefined

  constructor(private readonly options: ReconcilerOptions) {
    this.nodeList = nodeListOf(options.cluster, options.catalog)
    this.nodeNames = this.nodeList.map((n) => n.name)
    this.nodeNames.forEach((name, i) => this.nodeIndex.set(name, i))
    this.families = clusterFamilies(options.cluster)
  }

  /** Where cycle times and node failures are reported. */
  observe(observer: LoopObserver): void {
    this.observer = observer
  }

  /** Node names, in fabric order. */
  get nodes(): readonly string[] {
    return this.nodeNames
  }

  /** Whether this process runs the loop now. */
  get leader(): boolean {
    return this.scheduler !== undefined
  }

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  /** Runs a pass soon (after a submission, a cancel, a drain). */
  wake(): void {
    if (this.stopped) {
      return
    }
    if (this.running !== undefined) {
      this.again = true
      return
    }
    if (this.timer === undefined || this.timerDue > performance.now() + this.gapMs()) {
      this.schedule(Math.max(0, this.lastEnd + this.gapMs() - performance.now()))
    }
  }

  /**
   * Least time between two passes: a burst of submissions wakes the loop for each one, and
   * back-to-back passes would take the event loop from the API.
   */
  private gapMs(): number {
    return Math.min(100, this.options.tickMs ?? 500)
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
    }
    this.timerDue = performance.now() + ms
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.running = this.pass()
        .catch((error: unknown) => {
          this.options.log('error', 'reconcile pass failed', { error: String(error) })
        })
        .finally(() => {
          this.running = undefined
          this.lastEnd = performance.now()
          if (!this.stopped) {
            this.schedule(this.again ? this.gapMs() : (this.options.tickMs ?? 500))
            this.again = false
          }
        })
    }, ms)
  }

  /** Stops the loop after the pass in flight, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
    }
    await this.running
    if (this.scheduler !== undefined) {
      this.scheduler = undefined
      await this.options.store.releaseLease(leaseName, this.options.holder).catch(() => undefined)
    }
    this.noticeLeadership()
  }

  private noticeLeadership(): void {
    if (this.leader !== this.wasLeader) {
      this.wasLeader = this.leader
      this.observer?.leadership?.(this.leader)
    }
  }

  /** One pass: hold the lease, then reconcile. Exposed for tests. */
  async pass(): Promise<void> {
    try {
      await this.reconcile()
    } finally {
      this.noticeLeadership()
    }
  }

  private async reconcile(): Promise<void> {
    const { store, clock, holder } = this.options
    const leader = await store.tryLease(leaseName, holder, this.options.leaseTtlS ?? 6, clock())
    if (!leader) {
      if (this.scheduler !== undefined) {
        this.options.log('warn', 'lost the reconcile lease; another process runs the loop')
        this.scheduler = undefined
      }
      return
    }
    const version = await store.tenantsVersion()
    if (this.scheduler === undefined || version !== this.tenantsVersion) {
      try {
        await this.rebuild(version)
      } catch (error) {
        // half a rebuild (say, the backend went away mid-way) must not schedule: jobs it did
        // not adopt yet would look like free nodes. The next pass starts again from the store.
        this.scheduler = undefined
        throw error
      }
    }
    await this.readFeed()
    // better-sqlite3 answers synchronously: let waiting requests in between the phases
    await yieldToRequests()
    const silent = await store.markUnreachable(
      clock() - (this.options.heartbeatTimeoutS ?? 60),
      clock(),
    )
    for (const name of silent) {
      this.options.log('warn', `node ${name}: no agent heartbeat; cordoned`)
    }
    await this.readNodes()
    await this.tellDrains()
    await this.evacuate()
    await this.handle(await this.options.backend.poll())
    await this.releaseHolds()
    await yieldToRequests()
    await this.cycle()
  }

  /** Jobs whose launch hold ended go back to the scheduler; cancelled or gone ones are dropped. */
  private async releaseHolds(): Promise<void> {
    const now = this.options.clock()
    const due = [...this.launchHolds]
      .filter(([, h]) => !h.released && h.until <= now)
      .map(([id]) => id)
    if (due.length === 0) {
      return
    }
    const jobs = await this.options.store.getJobs(due)
    for (const id of due) {
      const job = jobs.get(id)
      if (job?.state !== 'pending') {
        this.launchHolds.delete(id)
        continue
      }
      this.reasons.delete(id)
      this.submit(job)
      const hold = this.launchHolds.get(id)
      if (hold !== undefined) {
        hold.released = true
      }
    }
  }

  private async rebuild(version: string): Promise<void> {
    const { store, backend, clock } = this.options
    const now = clock()
    this.options.log('info', 'rebuilding the scheduler from the store')
    this.tenantsVersion = version
    this.cursor = await store.lastEventId()
    const tenants: SchedulerTenant[] = (await store.listTenants()).map((t) => ({
      name: t.name,
      queues: [],
      quotas: t.quotas,
    }))
    const scheduler = new Scheduler(this.options.cluster, this.options.catalog, {
      tenants,
      preemptionWindowS: lifecycleDefaults.preemptionWindowS,
      strictTenants: false,
    })
    this.scheduler = scheduler
    this.reasons.clear()
    const recorded = new Map((await store.nodeStates()).map((n) => [n.name, n]))
    const drained = new Set<string>()
    // what the backend was told before is unknown: drains are said again (idempotent), resumes not
    this.drainTold.clear()
    this.drainsToTell.clear()
    for (const n of recorded.values()) {
      this.applyNode(n, now)
      this.noteDrain(n)
      if (n.adminState === 'drained') {
        drained.add(n.name)
      }
    }
    this.nodesSeenAt = now
    await this.tellDrains()
    // What the backend says of its nodes now: one that went down, was drained in Slurm or came
    // back while no loop ran. A healthy word does not overrule a reporting agent's verdict.
    const changed: BackendEvent[] = []
    for (const b of await backend.nodes()) {
      const known = recorded.get(b.name)
      if ((known?.health ?? 'healthy') === b.health) {
        continue
      }
      if (b.health === 'healthy' && known?.agentState === 'reporting') {
        continue
      }
      changed.push({
        kind: 'node-health',
        node: b.name,
        health: b.health,
        at: now,
        reason: b.reason ?? `the ${backend.name} backend reports it ${b.health}`,
      })
    }
    await this.handle(changed, recorded)
    // What ended while no loop ran, first: a job that finished is not adopted, nor relaunched.
    await this.handle(await backend.poll())
    const runs = new Map((await backend.runs()).map((r) => [r.jobId, r]))
    for (const job of await this.all(['running'])) {
      const nodes = (job.placement ?? []).map((n) => this.nodeIndex.get(n) ?? -1)
      const spec = this.specOf(job)
      const down = nodes.find((n) => scheduler.state.nodes[n]?.health === 'failed')
      if (down !== undefined) {
        await backend.cancel(job.id)
        await this.requeue(job.id, now, 'requeued', { failedNode: this.nodeNames[down] })
        continue
      }
      try {
        scheduler.adopt(
          schedulerSpec(job.id, job.tenant, spec, job.createdAt, this.families),
          nodes,
          job.attemptStartedAt ?? now,
        )
      } catch (error) {
        this.options.log('warn', `cannot adopt ${job.id}; requeueing it`, { error: String(error) })
        await backend.cancel(job.id)
        await this.requeue(job.id, now, 'requeued', { reason: String(error) })
        continue
      }
      const run = runs.get(job.id)
      runs.delete(job.id)
      if (run?.attempt !== job.attempt) {
        // placed in the store, never launched (or an older attempt runs): launch it now
        await backend.cancel(job.id)
        await this.launch(job, job.placement ?? [])
      }
      await this.evacuationsAsked(job, drained)
    }
    for (const orphan of runs.keys()) {
      // the backend runs something the store does not: a cancelled or finished job
      this.options.log('warn', `stopping ${orphan}: the backend runs it, the store does not`)
      await backend.cancel(orphan)
    }
    for (const job of await this.all(['pending'])) {
      this.restoreHold(job, now)
      this.submit(job)
    }
  }

  /**
   * A launch hold that a loop before this one set (the job's pending reason keeps it): honoured,
   * so a restarted control plane does not ask a refusing backend again at once, and the next
   * refusal waits twice as long as the last.
   */
  private restoreHold(job: JobRecord, now: number): void {
    const r = job.reason as { kind?: unknown; failures?: unknown; retryAt?: unknown } | null
    if (
      r?.kind === 'launch-failed' &&
      typeof r.failures === 'number' &&
      typeof r.retryAt === 'number' &&
      r.retryAt > now
    ) {
      this.launchHolds.set(job.id, { until: r.retryAt, failures: r.failures, released: false })
    }
  }

  /**
   * An evacuation asked for a job on a drained node that no pass took yet (the feed's cursor
   * starts after it on a rebuild): queued again, so a crash between the drain and the next pass
   * loses none.
   */
  private async evacuationsAsked(job: JobRecord, drainedNodes: ReadonlySet<string>): Promise<void> {
    const drained = (job.placement ?? []).filter((n) => drainedNodes.has(n))
    if (drained.length === 0) {
      return
    }
    const since = job.attemptStartedAt ?? 0
    for (const e of await this.options.store.events(job.id)) {
      const node = e.detail['node']
      if (e.kind === 'evacuate' && e.at >= since && typeof node === 'string') {
        if (drained.includes(node)) {
          this.evacuations.push({ jobId: job.id, node })
        }
      }
    }
  }

  private async all(states: readonly string[]): Promise<JobRecord[]> {
    const out: JobRecord[] = []
    let after: string | undefined
    for (;;) {
      const page = await this.options.store.listJobs({
        states,
        limit: pageSize,
        ...(after === undefined ? {} : { after }),
      })
      out.push(...page)
      if (page.length < pageSize) {
        return out
      }
      after = page[page.length - 1]?.id
    }
  }

  private specOf(job: JobRecord): StoredSpec {
    let spec = this.specs.get(job.id)
    if (spec === undefined) {
      spec = job.spec as StoredSpec
      this.specs.set(job.id, spec)
    }
    return spec
  }

  private submit(job: JobRecord): void {
    const scheduler = this.scheduler
    if (scheduler === undefined || job.state !== 'pending') {
      return
    }
    const hold = this.launchHolds.get(job.id)
    if (hold !== undefined && hold.until > this.options.clock()) {
      return // its last launch was refused: back in the scheduler when the hold ends
    }
    try {
      scheduler.submit(
        schedulerSpec(job.id, job.tenant, this.specOf(job), job.createdAt, this.families),
      )
    } catch (error) {
      // known already (pending or running): a repeated feed event, nothing to do
      if (error instanceof ZhisuanError && error.code === 'conflict') {
        return
      }
      this.options.log('warn', `scheduler refused ${job.id}`, { error: String(error) })
    }
  }

  /** New submissions and cancellations since the last pass. */
  private async readFeed(): Promise<void> {
    const { store, backend } = this.options
    for (;;) {
      const events = await store.eventsAfter(
        this.cursor,
        ['submitted', 'cancelled', 'evacuate'],
        pageSize,
      )
      const submitted = await store.getJobs(
        events.filter((e) => e.kind === 'submitted').map((e) => e.jobId),
      )
      for (const e of events) {
        this.cursor = e.id
        if (e.kind === 'cancelled') {
          this.scheduler?.remove(e.jobId)
          this.reasons.delete(e.jobId)
          this.specs.delete(e.jobId)
          this.launchHolds.delete(e.jobId)
          await backend.cancel(e.jobId)
        } else if (e.kind === 'evacuate') {
          const node = e.detail['node']
          if (typeof node === 'string') {
            this.evacuations.push({ jobId: e.jobId, node })
          }
        } else {
          const job = submitted.get(e.jobId)
          if (job !== undefined) {
            this.submit(job)
          }
        }
      }
      if (events.length < pageSize) {
        return
      }
    }
  }

  /**
   * Gangs an operator asked to move off a node drained with `evacuate` (after `readNodes`, so
   * the scheduler already treats the node as draining and places nothing back there).
   */
  private async evacuate(): Promise<void> {
    const scheduler = this.scheduler
    const now = this.options.clock()
    for (const { jobId, node } of this.evacuations.splice(0)) {
      const index = this.nodeIndex.get(node)
      const health = index === undefined ? undefined : scheduler?.state.nodes[index]?.health
      if (scheduler === undefined || index === undefined || health !== 'draining') {
        continue // resumed (or failed) since: nothing to move, or the failure moved it
      }
      const decision = scheduler.evacuate(jobId, index, now)
      if (decision !== undefined) {
        await this.applyDecisions([decision], now)
      }
    }
  }

  /** Drains and resumes operators made since the last pass. */
  private async readNodes(): Promise<void> {
    const now = this.options.clock()
    const changed = await this.options.store.nodeStates(this.nodesSeenAt - 1)
    this.nodesSeenAt = now
    for (const n of changed) {
      this.noteDrain(n)
      await this.applyDecisions(this.applyNode(n, now), now)
    }
  }

  /** Queues a drain or resume for the backend when the node's drain state changed. */
  private noteDrain(n: NodeState): void {
    const key = n.adminState === 'drained' ? `drained:${n.reason}` : 'active'
    const told = this.drainTold.get(n.name)
    if (told === key) {
      this.drainsToTell.delete(n.name)
    } else if (told === undefined && key === 'active') {
      this.drainTold.set(n.name, key) // first sight of a node in service: nothing to say
    } else {
      this.drainsToTell.set(n.name, n)
    }
  }

  /**
   * Tells the backend (Slurm: `scontrol update state=drain reason=…`) of the drains and resumes
   * operators made; one that fails is logged and tried again on the next pass.
   */
  private async tellDrains(): Promise<void> {
    for (const [name, n] of [...this.drainsToTell]) {
      const drain = n.adminState === 'drained'
      try {
        await this.options.backend.setDrain(name, drain, n.reason)
        this.drainTold.set(name, drain ? `drained:${n.reason}` : 'active')
        this.drainsToTell.delete(name)
      } catch (error) {
        this.options.log(
          'warn',
          `cannot ${drain ? 'drain' : 'resume'} ${name} on the backend; retrying`,
          {
            error: String(error),
          },
        )
      }
    }
  }

  /**
   * What a node's recorded state means to the scheduler: failed (its gangs move), cordoned
   * (its agent went quiet: no new work, running gangs stay), degraded, draining, or healthy.
   */
  private applyNode(n: NodeState, now: number): Decision[] {
    const index = this.nodeIndex.get(n.name)
    const scheduler = this.scheduler
    if (index === undefined || scheduler === undefined) {
      return []
    }
    const want: NodeHealth =
      n.health === 'failed'
        ? 'failed'
        : n.agentState === 'unreachable'
          ? 'cordoned'
          : n.health === 'degraded'
            ? 'degraded'
            : n.adminState === 'drained'
              ? 'draining'
              : 'healthy'
    if (scheduler.state.nodes[index]?.health === want) {
      return []
    }
    return scheduler.setNodeHealth(index, want, now)
  }

  /** @param known node states already read (a rebuild has them); else read once per batch. */
  private async handle(
    events: readonly BackendEvent[],
    known?: Map<string, NodeState>,
  ): Promise<void> {
    const { store, clock } = this.options
    // read once per batch, not once per node event (a poll may carry many)
    let states = known
    for (const e of events) {
      const now = clock()
      if (e.kind === 'node-health') {
        states ??= new Map((await store.nodeStates()).map((n) => [n.name, n]))
        const was = states.get(e.node)
        const next: NodeState = {
          name: e.node,
          adminState: was?.adminState ?? 'active',
          health: e.health,
          reason: e.reason,
          updatedAt: now,
        }
        await store.setNodeState(next)
        states.set(e.node, { ...was, ...next })
        if (e.health === 'failed') {
          this.observer?.nodeFailed()
          await store.audit({
            at: e.at,
            actor: 'backend',
            tenant: '',
            action: 'node.failed',
            target: e.node,
            detail: { reason: e.reason },
          })
        }
        await this.applyDecisions(
          this.applyNode(
            {
              ...(was ?? { name: e.node, adminState: 'active', reason: '', updatedAt: now }),
              health: e.health,
            },
            now,
          ),
          now,
        )
        continue
      }
      const job = await store.getJob(e.jobId)
      if (job?.state !== 'running' || job.attempt !== e.attempt) {
        continue // an attempt the loop already moved on from
      }
      this.scheduler?.remove(job.id)
      this.specs.delete(job.id)
      await store.transition(job.id, {
        from: ['running'],
        patch: {
          state: e.ok ? 'succeeded' : 'failed',
          ended_at: e.at,
          updated_at: now,
          message: e.message,
        },
        events: [
          {
            at: e.at,
            kind: e.ok ? 'succeeded' : 'failed',
            detail: { attempt: e.attempt, message: e.message },
          },
        ],
        closeAllocationAt: e.at,
      })
    }
  }

  private async cycle(): Promise<void> {
    const scheduler = this.scheduler
    if (scheduler === undefined) {
      return
    }
    const now = this.options.clock()
    const started = performance.now()
    const result = scheduler.schedule(now)
    this.observer?.scheduled((performance.now() - started) / 1000, result.decisions.length)
    await this.applyDecisions(result.decisions, now)
    await yieldToRequests()
    const changed: { id: string; reason: string; message: string }[] = []
    for (const [id, reason] of result.pending) {
      const text = JSON.stringify(reason)
      if (this.reasons.get(id) !== text) {
        this.reasons.set(id, text)
        changed.push({ id, reason: text, message: reason.message })
      }
    }
    await this.options.store.setPendingReasons(changed, now)
  }

  private async applyDecisions(decisions: readonly Decision[], now: number): Promise<void> {
    for (const d of decisions) {
      switch (d.kind) {
        case 'place':
          await this.place(d, now)
          break
        case 'preempt':
          await this.options.backend.cancel(d.jobId)
          await this.requeue(d.jobId, now, 'preempted', { forJob: d.forJob, cause: d.cause })
          break
        case 'replace':
          await this.replace(d, now)
          break
        case 'reserve':
          break
      }
    }
  }

  private async place(d: Decision & { kind: 'place' }, now: number): Promise<void> {
    const { store } = this.options
    const gang = this.scheduler?.running().find((r) => r.spec.id === d.jobId)
    const job = await store.getJob(d.jobId)
    if (gang === undefined || job === undefined) {
      this.scheduler?.remove(d.jobId)
      return
    }
    const nodes = d.nodes.map((n) => this.nodeNames[n] ?? String(n))
    const resume = job.attempt > 0 ? await this.resumeOf(job.id) : undefined
    const placed = await store.transition(job.id, {
      from: ['pending'],
      patch: {
        state: 'running',
        attempt: job.attempt + 1,
        attempt_started_at: now,
        started_at: job.startedAt ?? now,
        placement: JSON.stringify(nodes),
        family: d.family,
        reason: null,
        message: `running on ${nodes.length} node(s): ${d.score.reason}`,
        updated_at: now,
      },
      events: [
        {
          at: now,
          kind: 'placed',
          detail: {
            attempt: job.attempt + 1,
            nodes,
            tier: d.score.tier,
            ...(resume === undefined ? {} : { resumeFrom: resume.checkpointId, step: resume.step }),
          },
        },
      ],
      openAllocation: {
        family: d.family,
        workloadClass: gang.spec.workloadClass ?? 'llm-train',
        accelerators: d.accelerators.length,
        scu: gang.scu,
        startAt: now,
      },
    })
    this.reasons.delete(job.id)
    if (placed === undefined) {
      // cancelled while the scheduler was deciding
      this.scheduler?.remove(job.id)
      return
    }
    await this.launch(placed, nodes)
  }

  /** The newest committed checkpoint of a job, as a launch passes it on. */
  private async resumeOf(jobId: string): Promise<PlacedJob['resumeFrom']> {
    const latest = await this.options.store.checkpoints.latestCommitted(jobId)
    return latest === undefined
      ? undefined
      : {
          checkpointId: latest.id,
          step: latest.step,
          locations: latest.shards.map((s) => s.location ?? s.path),
        }
  }

  private async launch(job: JobRecord, nodes: readonly string[]): Promise<void> {
    const spec = this.specOf(job)
    const resumeFrom = await this.resumeOf(job.id)
    try {
      await this.options.backend.launch({
        jobId: job.id,
        attempt: job.attempt,
        tenant: job.tenant,
        nodes,
        acceleratorsPerReplica: spec.body.acceleratorsPerReplica,
        ...(spec.body.image === undefined ? {} : { image: spec.body.image }),
        ...(spec.body.command === undefined ? {} : { command: spec.body.command }),
        durationS: spec.durationS,
        doneS: job.doneS,
        startDelayS: this.startDelayOf(job),
        ...(spec.body.checkpoint?.intervalS === undefined ? {} : { checkpoint: this.planOf(job) }),
        ...(resumeFrom === undefined ? {} : { resumeFrom }),
      })
      this.launchHolds.delete(job.id)
    } catch (error) {
      const now = this.options.clock()
      const failures = (this.launchHolds.get(job.id)?.failures ?? 0) + 1
      const waitS = Math.min(300, 5 * 2 ** (failures - 1))
      const text = error instanceof Error ? error.message : String(error)
      this.launchHolds.set(job.id, { until: now + waitS, failures, released: false })
      this.options.log('warn', `launch of ${job.id} failed; trying again in ${waitS} s`, {
        error: text,
        failures,
      })
      this.scheduler?.remove(job.id)
      await this.requeue(job.id, now, 'launch-failed', { error: text, retryInS: waitS }, false)
      const reason = {
        kind: 'launch-failed',
        failures,
        retryAt: now + waitS,
        message: `the backend refused the launch (${failures}×): ${text}; next try in ${waitS} s`,
      }
      const json = JSON.stringify(reason)
      this.reasons.set(job.id, json)
      await this.options.store.setPendingReasons(
        [{ id: job.id, reason: json, message: reason.message }],
        now,
      )
    }
  }

  /**
   * Work a job keeps from its current attempt, and what it loses: up to its newest committed
   * checkpoint of this attempt when the registry has one, else whole checkpoint periods of its
   * policy as the engine counts them (the twin's jobs write none), else nothing.
   */
  private async kept(
    job: JobRecord,
    now: number,
  ): Promise<{ keptS: number; sinceCheckpointS: number }> {
    const start = job.attemptStartedAt ?? now
    const latest = await this.options.store.checkpoints.latestCommitted(job.id)
    const at = latest?.committedAt ?? null
    if (at !== null && at >= start && at <= now) {
      return { keptS: at - start, sinceCheckpointS: now - at }
    }
    const { keptS, unkeptWallS } = keptWork(
      { startedAt: start, delayS: this.startDelayOf(job), pace: 1 },
      this.planOf(job),
      Math.max(0, this.specOf(job).durationS - job.doneS),
      now,
    )
    return { keptS, sinceCheckpointS: unkeptWallS }
  }

  /** Seconds the job's current attempt spends before its work: a restart's, after a first run. */
  private startDelayOf(job: JobRecord): number {
    return job.restarts > 0 ? (this.options.lifecycle?.restartS ?? 0) : 0
  }

  /** The job's checkpoint plan: its policy's interval (none: never) and the model's stall. */
  private planOf(job: JobRecord): CheckpointPlan {
    return {
      intervalS: this.specOf(job).body.checkpoint?.intervalS ?? Number.POSITIVE_INFINITY,
      stallS: this.options.lifecycle?.checkpointStallS ?? 0,
    }
  }

  /** Back to pending (preempted, or its node failed with no replacement, or its launch failed). */
  private async requeue(
    id: string,
    now: number,
    kind: string,
    detail: Record<string, unknown>,
    /** False for a launch the backend refused: it never ran, so no restart and nothing lost. */
    ran = true,
  ): Promise<void> {
    const { store } = this.options
    const job = await store.getJob(id)
    if (job?.state !== 'running') {
      return
    }
    const { keptS, sinceCheckpointS } = ran
      ? await this.kept(job, now)
      : { keptS: 0, sinceCheckpointS: 0 }
    const accelerators = this.acceleratorsOf(job)
    const requeued = await store.transition(id, {
      from: ['running'],
      patch: {
        state: 'pending',
        placement: null,
        restarts: job.restarts + (ran ? 1 : 0),
        lost_s: job.lostS + sinceCheckpointS * accelerators,
        done_s: job.doneS + keptS,
        message: `back in the queue: ${kind}`,
        updated_at: now,
      },
      events: [
        {
          at: now,
          kind,
          detail: { ...detail, attempt: job.attempt, lostS: sinceCheckpointS * accelerators },
        },
      ],
      closeAllocationAt: now,
    })
    if (requeued !== undefined) {
      this.submit(requeued)
    }
  }

  private acceleratorsOf(job: JobRecord): number {
    const spec = this.specOf(job)
    return (job.placement?.length ?? spec.replicas) * spec.body.acceleratorsPerReplica
  }

  /** A gang lost a node: restart it on the replacement from its last checkpoint, or requeue it. */
  private async replace(d: Decision & { kind: 'replace' }, now: number): Promise<void> {
    const { store, backend } = this.options
    await backend.cancel(d.jobId)
    const cause = d.cause ?? 'failed'
    const from = this.nodeNames[d.failedNode] ?? String(d.failedNode)
    if (d.replacement === null) {
      await this.requeue(
        d.jobId,
        now,
        'requeued',
        cause === 'failed' ? { failedNode: from } : { drainedNode: from, cause },
      )
      return
    }
    const job = await store.getJob(d.jobId)
    const gang: RunningJob | undefined = this.scheduler
      ?.running()
      .find((r) => r.spec.id === d.jobId)
    if (job?.state !== 'running' || gang === undefined) {
      return
    }
    const { keptS, sinceCheckpointS } = await this.kept(job, now)
    const lost = sinceCheckpointS * this.acceleratorsOf(job)
    const nodes = gang.nodes.map((n) => this.nodeNames[n] ?? String(n))
    const resume = await this.resumeOf(job.id)
    const restarted = await store.transition(job.id, {
      from: ['running'],
      patch: {
        attempt: job.attempt + 1,
        attempt_started_at: now,
        placement: JSON.stringify(nodes),
        restarts: job.restarts + 1,
        lost_s: job.lostS + lost,
        done_s: job.doneS + keptS,
        message: `restarted from its last checkpoint after ${from} ${cause === 'failed' ? 'failed' : 'was drained (evacuate)'}`,
        updated_at: now,
      },
      events: [
        {
          at: now,
          kind: 'restarted',
          detail: {
            attempt: job.attempt + 1,
            ...(cause === 'failed' ? { failedNode: from } : { drainedNode: from, cause }),
            replacement: this.nodeNames[d.replacement],
            tier: d.tier,
            lostS: lost,
            resumeFrom: resume?.checkpointId ?? null,
          },
        },
      ],
    })
    if (restarted !== undefined) {
      await this.launch(restarted, nodes)
    }
  }
}
