import { mkdir } from 'node:fs/promises'
import {
  ZhisuanError,
  type BackendEvent,
  type BackendNode,
  type BackendRun,
  type Cluster,
  type ExecutionBackend,
  type PlacedJob,
  type SlurmFeatureMapping,
} from '@zhisuan/domain'
import type { SlurmNode } from './api.js'
import type { SlurmBackendOptions } from './backend-options.js'
import { SlurmRestClient, SlurmRestError } from './client.js'
import { checkInventory, type InventoryCheck } from './inventory-check.js'
import { defaultDrainReasonPrefix, nodeHealth } from './node-health.js'
import { slurmInventory, type SlurmInventoryNode } from './inventory.js'
import { Scontrol } from './scontrol.js'
import {
  isLive,
  isRefusedSubmit,
  jobOutcome,
  parseJobComment,
  runNodes,
  startedAt,
} from './slurm-jobs.js'
import { buildSubmission } from './submission.js'
import { parseSlurmTopology, slurmNodePositions } from './topology.js'

export type { SlurmBackendOptions } from './backend-options.js'

/**
 * The Slurm backend: Zhisuan's scheduler places gangs, Slurm runs them. A launch is one
 * Slurm job on exactly the chosen nodes, named `zhisuan-<job>-<attempt>` and carrying
 * `zhisuan-job:<job>:<attempt>` in its comment, which is how a restarted control plane finds
 * its runs again (`runs()`) and why a launch is never done twice. State comes from slurmrestd
 * (`GET /jobs?update_time`, `GET /nodes`); drain and resume go through `scontrol`.
 */
export class SlurmBackend implements ExecutionBackend {
  readonly name = 'slurm'
  private readonly clock: () => number
  /** Health as last reported, per node of the partition. */
  private readonly health = new Map<string, 'healthy' | 'degraded' | 'failed'>()
  /** Since when each node has been NOT_RESPONDING (Unix s). */
  private readonly notRespondingSince = new Map<string, number>()
  /** Slurm job ids this backend cancelled: they end without an event. */
  private readonly cancelled = new Set<number>()
  /** Slurm job ids already reported (or deliberately not). */
  private readonly reported = new Set<number>()
  /** Slurm job ids seen live (or launched) by this backend. */
  private readonly seenLive = new Set<number>()
  private readonly pendingNodeEvents: BackendEvent[] = []
  private jobsSince: number | undefined
  private firstPoll = true
  private readonly launching = new Map<string, Promise<void>>()
  private closed = false

  private constructor(
    readonly client: SlurmRestClient,
    readonly scontrol: Scontrol,
    private readonly options: SlurmBackendOptions,
  ) {
    this.clock = options.clock ?? (() => Date.now() / 1000)
  }

  /**
   * Connects to slurmrestd (version check: a server without API v0.0.38 is refused with an
   * `unavailable` error naming the version it serves), reads the partition's nodes, checks them
   * against `options.cluster` when given (warnings go to `options.warn`), and makes the work
   * directory.
   * @throws ZhisuanError `invalid-config` when the partition has no nodes, or when it disagrees
   * with the cluster file (every disagreement, by node and field, in the message and `issues`).
   */
  static async open(options: SlurmBackendOptions): Promise<SlurmBackend> {
    const client = await SlurmRestClient.connect({
      url: options.url,
      user: options.user,
      token: options.token,
      ...options.client,
    })
    const scontrol = new Scontrol({ slurmConf: options.slurmConf, ...options.scontrol })
    const backend = new SlurmBackend(client, scontrol, options)
    const nodes = await backend.partitionNodes()
    if (nodes.length === 0) {
      throw new ZhisuanError(
        'invalid-config',
        `Slurm partition ${options.partition} has no nodes (or does not exist) at ${options.url}`,
      )
    }
    for (const n of nodes) {
      backend.health.set(n.name ?? '', backend.classify(n).health)
    }
    if (options.cluster !== undefined) {
      const { errors, warnings } = await backend.checkCluster(options.cluster)
      const source = `Slurm partition ${options.partition} at ${options.url}`
      if (errors.length > 0) {
        throw new ZhisuanError(
          'invalid-config',
          `${source} does not match the cluster file ${options.cluster.name}:\n` +
            errors.map((e) => `  ${e.path}: ${e.message}`).join('\n'),
          { issues: errors },
        )
      }
      const warn =
        options.warn ??
        ((message: string) => {
          console.warn(message)
        })
      for (const w of warnings) {
        warn(`warning: ${source}: ${w.path}: ${w.message}`)
      }
    }
    await mkdir(options.workDir, { recursive: true })
    return backend
  }

  /**
   * The partition's nodes as Slurm has them: GPU GRES count, features and the accelerator they
   * map to (`mapping`, default the cluster file's `slurm.features`), state and flags, and the
   * position in Slurm's topology (`scontrol show topology`, i.e. topology.conf as slurmctld
   * loaded it). `hasTopology` is false when Slurm has no switch tree.
   * @throws ZhisuanError `unavailable` when slurmrestd or scontrol cannot be reached.
   */
  async inventory(
    mapping: readonly SlurmFeatureMapping[] = this.options.cluster?.slurm?.features ?? [],
  ): Promise<{ readonly nodes: readonly SlurmInventoryNode[]; readonly hasTopology: boolean }> {
    this.assertOpen()
    const nodes = await this.partitionNodes()
    const switches = parseSlurmTopology(
      await this.scontrol.run(['show', 'topology']),
      'scontrol show topology',
    )
    return {
      nodes: slurmInventory(nodes, slurmNodePositions(switches), mapping),
      hasTopology: switches.length > 0,
    }
  }

  /** Compares the partition (`inventory`) with a cluster file; errors and warnings by node. */
  async checkCluster(cluster: Cluster): Promise<InventoryCheck> {
    const { nodes, hasTopology } = await this.inventory(cluster.slurm?.features ?? [])
    return checkInventory(cluster, nodes, {
      partition: this.options.partition,
      hasTopology,
      drainReasonPrefix: this.options.drainReasonPrefix ?? defaultDrainReasonPrefix,
    })
  }

  async launch(job: PlacedJob): Promise<void> {
    this.assertOpen()
    // one launch per job at a time, so two concurrent calls cannot both submit
    const before = this.launching.get(job.jobId) ?? Promise.resolve()
    const next = before.catch(() => undefined).then(() => this.launchNow(job))
    this.launching.set(job.jobId, next)
    try {
      await next
    } finally {
      if (this.launching.get(job.jobId) === next) {
        this.launching.delete(job.jobId)
      }
    }
  }

  private async launchNow(job: PlacedJob): Promise<void> {
    const submission = buildSubmission(job, this.options)
    let known = new Set(this.health.keys())
    if (job.nodes.some((n) => !known.has(n))) {
      known = new Set((await this.nodes()).map((n) => n.name))
    }
    const unknown = job.nodes.find((n) => !known.has(n))
    if (unknown !== undefined) {
      throw new ZhisuanError(
        'invalid-input',
        `Slurm partition ${this.options.partition} has no node ${unknown}`,
      )
    }
    const live = (await this.liveJobs()).filter((r) => r.run.jobId === job.jobId)
    if (live.some((r) => r.run.attempt >= job.attempt)) {
      return // launched already (by this process or one before it): nothing to do
    }
    // an older attempt still in Slurm must not run beside the new one
    await this.cancelSlurmJobs(live.map((r) => r.slurmId))
    let slurmId: number
    try {
      slurmId = await this.client.submit(submission)
    } catch (error) {
      if (error instanceof SlurmRestError && error.acceptedJobId !== undefined) {
        // Slurm took the job but would hold it (past the partition's limits, say): Zhisuan
        // placed it to run now, so it goes, and the launch fails with Slurm's reason.
        await this.cancelSlurmJobs([error.acceptedJobId])
      }
      throw error
    }
    this.seenLive.add(slurmId)
  }

  async cancel(jobId: string): Promise<void> {
    this.assertOpen()
    const live = (await this.liveJobs()).filter((r) => r.run.jobId === jobId)
    await this.cancelSlurmJobs(live.map((r) => r.slurmId))
  }

  private async cancelSlurmJobs(ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      this.cancelled.add(id)
      this.reported.add(id)
      await this.client.cancel(id)
    }
  }

  async runs(): Promise<readonly BackendRun[]> {
    this.assertOpen()
    const latest = new Map<string, BackendRun>()
    for (const { run } of await this.liveJobs()) {
      const known = latest.get(run.jobId)
      if (known === undefined || known.attempt < run.attempt) {
        latest.set(run.jobId, run)
      }
    }
    return [...latest.values()]
  }

  /** Live Slurm jobs that carry a Zhisuan comment (and that this backend did not cancel). */
  private async liveJobs(): Promise<{ readonly slurmId: number; readonly run: BackendRun }[]> {
    const out: { slurmId: number; run: BackendRun }[] = []
    for (const job of (await this.client.jobs()) ?? []) {
      const ids = parseJobComment(job.comment)
      const slurmId = job.job_id
      if (ids === undefined || typeof slurmId !== 'number' || !isLive(job)) {
        continue
      }
      if (this.cancelled.has(slurmId)) {
        continue
      }
      this.seenLive.add(slurmId)
      out.push({ slurmId, run: { ...ids, nodes: runNodes(job), startedAt: startedAt(job) } })
    }
    return out
  }

  async nodes(): Promise<readonly BackendNode[]> {
    this.assertOpen()
    const now = this.clock()
    return (await this.partitionNodes()).map((n) => {
      const { health, reason } = this.classify(n, now)
      return { name: n.name ?? '', health, ...(health === 'healthy' ? {} : { reason }) }
    })
  }

  async setDrain(node: string, drain: boolean, reason: string): Promise<void> {
    this.assertOpen()
    const found = (await this.partitionNodes()).find((n) => n.name === node)
    if (found === undefined) {
      throw new ZhisuanError(
        'not-found',
        `Slurm partition ${this.options.partition} has no node ${node}`,
      )
    }
    const prefix = this.options.drainReasonPrefix ?? defaultDrainReasonPrefix
    if (drain) {
      const text = reason.trim() === '' ? 'drained by Zhisuan' : reason.trim()
      await this.scontrol.drain(node, prefix + text)
      return
    }
    // Always ask: the node list here may predate our own drain (slurmrestd's update_time
    // answers 304 when only a node changed), and a resume skipped on a stale view leaves the
    // node drained in Slurm while Zhisuan places work there. Not drained: "Invalid node state".
    try {
      await this.scontrol.resume(node)
    } catch (error) {
      if (!(error instanceof ZhisuanError && /Invalid node state/i.test(error.message))) {
        throw error
      }
    }
  }

  async poll(): Promise<readonly BackendEvent[]> {
    this.assertOpen()
    // node events wait here until a poll gets through whole (a failed jobs call loses none)
    const events = this.pendingNodeEvents
    const now = this.clock()
    for (const n of await this.partitionNodes()) {
      const name = n.name ?? ''
      const { health, reason } = this.classify(n, now)
      const before = this.health.get(name)
      this.health.set(name, health)
      if (before !== undefined && before !== health) {
        const changedAt = typeof n.reason_changed_at === 'number' ? n.reason_changed_at : 0
        events.push({
          kind: 'node-health',
          node: name,
          health,
          at: health === 'failed' && changedAt > 0 ? Math.min(now, changedAt) : now,
          reason,
        })
      }
    }
    const skew = this.options.clockSkewS ?? 2
    const asked = Math.floor(this.clock()) - skew
    const jobs = await this.client.jobs(this.jobsSince)
    this.jobsSince = asked
    const first = this.firstPoll
    this.firstPoll = false
    const finished: { at: number; event: BackendEvent }[] = []
    for (const job of jobs ?? []) {
      const ids = parseJobComment(job.comment)
      const slurmId = job.job_id
      if (ids === undefined || typeof slurmId !== 'number') {
        continue // not Zhisuan's (e.g. the nameless FAILED record a refused submit leaves)
      }
      if (isLive(job)) {
        this.seenLive.add(slurmId)
        continue
      }
      if (this.reported.has(slurmId)) {
        continue
      }
      this.reported.add(slurmId)
      if (this.cancelled.has(slurmId) || isRefusedSubmit(job)) {
        continue
      }
      const endedAt = typeof job.end_time === 'number' && job.end_time > 0 ? job.end_time : now
      const since = this.options.reportEndedSince
      const wanted = this.seenLive.has(slurmId) || !first || since === undefined || endedAt >= since
      if (!wanted) {
        continue
      }
      const { ok, message } = jobOutcome(job)
      finished.push({
        at: endedAt,
        event: {
          kind: 'job-finished',
          jobId: ids.jobId,
          attempt: ids.attempt,
          at: endedAt,
          ok,
          message,
        },
      })
    }
    finished.sort((a, b) => a.at - b.at)
    return [...events.splice(0, events.length), ...finished.map((f) => f.event)]
  }

  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new ZhisuanError('unavailable', 'the Slurm backend is closed')
    }
  }

  private async partitionNodes(): Promise<readonly SlurmNode[]> {
    const partition = this.options.partition
    return (await this.client.nodes()).filter(
      (n) => typeof n.name === 'string' && (n.partitions ?? []).includes(partition),
    )
  }

  private classify(
    node: SlurmNode,
    now = this.clock(),
  ): { readonly health: 'healthy' | 'degraded' | 'failed'; readonly reason: string } {
    const name = node.name ?? ''
    const notResponding = (node.state_flags ?? []).some((f) => f.toUpperCase() === 'NOT_RESPONDING')
    let forS = 0
    if (notResponding) {
      const since = this.notRespondingSince.get(name) ?? now
      this.notRespondingSince.set(name, since)
      forS = now - since
    } else {
      this.notRespondingSince.delete(name)
    }
    return nodeHealth(node, {
      notRespondingForS: forS,
      graceS: this.options.notRespondingGraceS ?? 5,
      slurmUser: this.options.slurmUser ?? 'slurm',
      drainReasonPrefix: this.options.drainReasonPrefix ?? defaultDrainReasonPrefix,
    })
  }
}
