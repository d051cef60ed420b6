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
import type { SlurmJob, SlurmJobSubmission, SlurmNode } from './api.js'
import { SlurmRestClient, SlurmRestError, type SlurmRestClientOptions } from './client.js'
import { compressHostlist, expandHostlist } from './hostlist.js'
import { checkInventory, type InventoryCheck } from './inventory-check.js'
import { slurmInventory, type SlurmInventoryNode } from './inventory.js'
import { Scontrol, type ExecFn } from './scontrol.js'
import { parseSlurmTopology, slurmNodePositions } from './topology.js'

export interface SlurmBackendOptions {
  /** slurmrestd's base URL, e.g. `http://127.0.0.1:6820` (`SLURMRESTD_URL`). */
  readonly url: string
  /** The Slurm user the token belongs to (`SLURM_USER`); jobs run as this user. */
  readonly user: string
  /** A Slurm JWT (`SLURM_JWT`); only ever sent as a header, never put in a job's environment. */
  readonly token: string
  /** The partition Zhisuan's jobs go to; its nodes are the backend's nodes. */
  readonly partition: string
  /** slurm.conf for `scontrol` (drain, resume), passed as `SLURM_CONF`. */
  readonly slurmConf: string
  /**
   * Directory for job output (`<name>-<slurm id>.out`), also the jobs' working directory. It
   * must exist on the compute nodes (on the dev cluster they are this host); created here.
   */
  readonly workDir: string
  /**
   * The rendezvous address given to jobs (`MASTER_ADDR`); default the first node's name. The
   * dev cluster's nodes are all this host, so it needs `127.0.0.1`.
   */
  readonly masterAddress?: string
  /** Rendezvous port (`MASTER_PORT`); default 29500. */
  readonly masterPort?: number
  /** Extra environment for every job (PATH defaults to `/usr/local/bin:/usr/bin:/bin`). */
  readonly environment?: Readonly<Record<string, string>>
  /** Slurm time limit of an attempt, minutes; default `ceil(2 × remaining s / 60) + 10`. */
  readonly timeLimitMinutes?: (job: PlacedJob) => number
  /**
   * Finished jobs the first `poll()` reports: those that ended at or after this Unix time.
   * Default: every finished Zhisuan job slurmctld still remembers (`MinJobAge`), so a restarted
   * control plane learns what ended while it was down (it ignores attempts it moved on from).
   */
  readonly reportEndedSince?: number
  /**
   * Seconds a node must stay `NOT_RESPONDING` before it counts as failed (a resumed node shows
   * it for up to a second while slurmctld pings it); default 5. `down` counts at once.
   */
  readonly notRespondingGraceS?: number
  /** Put before every drain reason Zhisuan sets in Slurm; default `zhisuan: `. */
  readonly drainReasonPrefix?: string
  /**
   * Slurm's own user (`SlurmUser`): a drain it set (e.g. `Kill task failed`) is a failure,
   * unlike an administrator's drain; default `slurm`.
   */
  readonly slurmUser?: string
  /** Seconds of clock difference to allow for between this host and slurmctld; default 2. */
  readonly clockSkewS?: number
  /** Unix seconds now; default the system clock. */
  readonly clock?: () => number
  /** Client knobs (timeouts, retries, a fake fetch for tests). */
  readonly client?: Pick<SlurmRestClientOptions, 'timeoutMs' | 'retries' | 'retryDelayMs' | 'fetch'>
  /** The scontrol program and how to run it; default `scontrol` on PATH with execFile. */
  readonly scontrol?: { readonly binary?: string; readonly exec?: ExecFn }
  /**
   * The cluster Zhisuan schedules on (its cluster file). When given, `open` checks the Slurm
   * partition against it: nodes, GPU GRES counts, accelerator models through the file's
   * `slurm.features`, and fabric positions against Slurm's topology (`checkInventory`).
   */
  readonly cluster?: Cluster
  /** Where `open` says the inventory check's warnings; default `console.warn`. */
  readonly warn?: (message: string) => void
}

/** Slurm job states in which a job still holds or waits for its nodes. */
const liveStates = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'SPECIAL_EXIT',
])

/** The comment that carries the Zhisuan job id and attempt on a Slurm job. */
export const commentPrefix = 'zhisuan-job:'

export function jobComment(jobId: string, attempt: number): string {
  return `${commentPrefix}${jobId}:${attempt}`
}

/** The Zhisuan job and attempt a Slurm job runs, from its comment; `undefined` if none. */
export function parseJobComment(
  comment: string | null | undefined,
): { readonly jobId: string; readonly attempt: number } | undefined {
  if (typeof comment !== 'string' || !comment.startsWith(commentPrefix)) {
    return undefined
  }
  const rest = comment.slice(commentPrefix.length)
  const colon = rest.lastIndexOf(':')
  const jobId = rest.slice(0, colon)
  const attempt = Number(rest.slice(colon + 1))
  if (colon <= 0 || !Number.isInteger(attempt) || attempt < 1) {
    return undefined
  }
  return { jobId, attempt }
}

/** Whether a Slurm job still runs or waits (PENDING, RUNNING, COMPLETING, …). */
export function isLive(job: SlurmJob): boolean {
  return liveStates.has((job.job_state ?? '').toUpperCase())
}

/**
 * Whether a record is what a refused submit leaves behind: slurmctld answers the submit with
 * an error (e.g. `Requested node configuration is not available`) yet keeps a FAILED record,
 * with the job's name and comment, that never got a node (reason `BadConstraints`). The launch
 * already failed with that error, so the record is no job-finished event.
 */
export function isRefusedSubmit(job: SlurmJob): boolean {
  const submitted = typeof job.submit_time === 'number' ? job.submit_time : 0
  const ended = typeof job.end_time === 'number' ? job.end_time : 0
  return (
    (job.job_state ?? '').toUpperCase() === 'FAILED' &&
    (job.nodes ?? '') === '' &&
    (job.batch_host ?? '') === '' &&
    ended - submitted <= 1
  )
}

/**
 * How a finished Slurm job ended, for `job-finished`: `ok` only for COMPLETED with exit code 0.
 * `exit_code` is a wait status (exit code × 256, or a signal number).
 */
export function jobOutcome(job: SlurmJob): { readonly ok: boolean; readonly message: string } {
  const state = (job.job_state ?? 'UNKNOWN').toUpperCase()
  const raw = typeof job.exit_code === 'number' ? job.exit_code : 0
  const exit = raw >> 8
  const signal = raw & 0x7f
  const reason =
    typeof job.state_reason === 'string' && job.state_reason !== '' && job.state_reason !== 'None'
      ? ` (${job.state_reason})`
      : ''
  const where = typeof job.nodes === 'string' && job.nodes !== '' ? ` on ${job.nodes}` : ''
  const id = `Slurm job ${job.job_id ?? '?'}`
  switch (state) {
    case 'COMPLETED':
      return exit === 0 && signal === 0
        ? { ok: true, message: 'completed' }
        : { ok: false, message: `${id} completed with exit code ${exit}${where}` }
    case 'FAILED':
      return {
        ok: false,
        message:
          signal !== 0
            ? `${id} failed: killed by signal ${signal}${where}${reason}`
            : `${id} failed with exit code ${exit}${where}${reason}`,
      }
    case 'NODE_FAIL':
      return { ok: false, message: `${id} ended by a node failure${where}${reason}` }
    case 'TIMEOUT':
      return {
        ok: false,
        message: `${id} reached its time limit of ${job.time_limit ?? '?'} min${where}`,
      }
    case 'CANCELLED':
      return { ok: false, message: `${id} was cancelled in Slurm, not by Zhisuan${where}${reason}` }
    case 'OUT_OF_MEMORY':
      return { ok: false, message: `${id} ran out of memory${where}` }
    default:
      return { ok: false, message: `${id} ended ${state}${where}${reason}` }
  }
}

/**
 * A Slurm node's health for Zhisuan: `failed` when slurmctld has it `down` (or in error,
 * failing, invalid), when it has not responded for `graceS`, or when Slurm itself drained it
 * (a drain by `slurmUser`, e.g. `Kill task failed`). A drain by an administrator or by Zhisuan
 * is not a failure: the node is healthy, only out of service (`idle` + `DRAIN` in REST).
 */
export function nodeHealth(
  node: SlurmNode,
  options: {
    readonly notRespondingForS?: number
    readonly graceS?: number
    readonly slurmUser?: string
    /** What Zhisuan's own drain reasons start with (default `zhisuan: `). */
    readonly drainReasonPrefix?: string
  } = {},
): { readonly health: 'healthy' | 'degraded' | 'failed'; readonly reason: string } {
  const state = (node.state ?? 'unknown').toLowerCase()
  const flags = (node.state_flags ?? []).map((f) => f.toUpperCase())
  const said = typeof node.reason === 'string' && node.reason !== '' ? node.reason : undefined
  const describe = (): string =>
    said ?? `Slurm state ${[state, ...flags.map((f) => f.toLowerCase())].join('+')}`
  if (['down', 'error', 'fail', 'inval', 'invalid', 'future'].includes(state)) {
    return { health: 'failed', reason: describe() }
  }
  if (flags.includes('FAIL')) {
    return { health: 'failed', reason: describe() }
  }
  if (flags.includes('NOT_RESPONDING')) {
    const forS = options.notRespondingForS ?? Number.POSITIVE_INFINITY
    if (forS >= (options.graceS ?? 5)) {
      return { health: 'failed', reason: said ?? 'not responding' }
    }
  }
  if (flags.includes('DRAIN') && node.reason_set_by_user === (options.slurmUser ?? 'slurm')) {
    return { health: 'failed', reason: describe() }
  }
  if (
    flags.includes('DRAIN') &&
    !(said ?? '').startsWith(options.drainReasonPrefix ?? 'zhisuan: ')
  ) {
    // an operator drained it in Slurm, not through Zhisuan: what runs there stays, nothing new
    // goes there (Slurm would hold it pending), until it is resumed in Slurm
    return { health: 'degraded', reason: `drained in Slurm: ${said ?? 'no reason given'}` }
  }
  return { health: 'healthy', reason: said ?? state }
}

/** Quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

export interface SubmissionOptions {
  readonly partition: string
  readonly workDir: string
  readonly masterAddress?: string
  readonly masterPort?: number
  readonly environment?: Readonly<Record<string, string>>
  readonly timeLimitMinutes?: (job: PlacedJob) => number
}

/** The Slurm job name of an attempt. */
export function jobName(jobId: string, attempt: number): string {
  return `zhisuan-${jobId}-${attempt}`
}

/**
 * The `POST /job/submit` body for a placed gang: one Slurm job on exactly the placement's
 * nodes (`nodelist`, `nodes` = their count), `gres=gpu:<accelerators per node>`, one task per
 * replica, no requeue by Slurm (Zhisuan restarts failed gangs itself, from a checkpoint).
 *
 * The script runs the job's `command` with `srun`, one task per replica, each with `RANK`,
 * `LOCAL_RANK`, `NODE_RANK`, `WORLD_SIZE`, `MASTER_ADDR`/`MASTER_PORT` and the `ZHISUAN_*`
 * variables (job id, attempt, checkpoint to resume from). A job without a command runs
 * `sleep <durationS - doneS>` on every node instead: the twin's notion of a job that takes a
 * known time, so the same jobs work on the dev cluster's fake nodes.
 */
export function buildSubmission(job: PlacedJob, options: SubmissionOptions): SlurmJobSubmission {
  if (!Number.isInteger(job.attempt) || job.attempt < 1) {
    throw new ZhisuanError(
      'invalid-input',
      `attempt must be a positive integer, got ${job.attempt}`,
    )
  }
  if (job.jobId === '' || /[\s\0]/.test(job.jobId)) {
    throw new ZhisuanError('invalid-input', `job id ${JSON.stringify(job.jobId)} has white space`)
  }
  if (job.nodes.length === 0) {
    throw new ZhisuanError('invalid-input', `job ${job.jobId} has no nodes`)
  }
  const perNode = new Map<string, number>()
  for (const n of job.nodes) {
    perNode.set(n, (perNode.get(n) ?? 0) + 1)
  }
  const counts = new Set(perNode.values())
  const replicasPerNode = job.nodes.length / perNode.size
  if (counts.size !== 1 || !Number.isInteger(replicasPerNode)) {
    throw new ZhisuanError(
      'invalid-input',
      `job ${job.jobId}: Slurm gives every node of a job the same GRES, so each node must ` +
        `hold the same number of replicas (got ${[...perNode].map(([n, c]) => `${n}×${c}`).join(', ')})`,
    )
  }
  const accelerators = job.acceleratorsPerReplica * replicasPerNode
  if (!Number.isInteger(accelerators) || accelerators < 0) {
    throw new ZhisuanError(
      'invalid-input',
      `job ${job.jobId}: accelerators per replica must be a whole number ≥ 0`,
    )
  }
  const nodes = [...perNode.keys()]
  const remaining = Math.max(0, job.durationS - job.doneS)
  const minutes = options.timeLimitMinutes?.(job) ?? Math.ceil((2 * remaining) / 60) + 10
  const name = jobName(job.jobId, job.attempt)
  const environment: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...options.environment,
    ZHISUAN_JOB_ID: job.jobId,
    ZHISUAN_ATTEMPT: String(job.attempt),
    ZHISUAN_TENANT: job.tenant,
    ZHISUAN_NODES: nodes.join(','),
    ZHISUAN_ACCELERATORS_PER_REPLICA: String(job.acceleratorsPerReplica),
    ZHISUAN_DONE_S: String(job.doneS),
    WORLD_SIZE: String(job.nodes.length),
    MASTER_ADDR: options.masterAddress ?? nodes[0] ?? '127.0.0.1',
    MASTER_PORT: String(options.masterPort ?? 29500),
  }
  if (job.image !== undefined) {
    environment['ZHISUAN_IMAGE'] = job.image
  }
  if (job.resumeFrom !== undefined) {
    environment['ZHISUAN_CHECKPOINT_ID'] = job.resumeFrom.checkpointId
    environment['ZHISUAN_CHECKPOINT_STEP'] = String(job.resumeFrom.step)
    environment['ZHISUAN_CHECKPOINT_LOCATIONS'] = job.resumeFrom.locations.join(',')
  }
  // The token authenticates Zhisuan to slurmrestd; in a job it would also break every srun
  // (slurmd: "authentication plugin auth/jwt not found").
  delete environment['SLURM_JWT']

  // No command: sleep for the remaining duration, the twin's model of a job, so that the same
  // placed jobs (durationS, doneS) run for the expected time on the dev cluster's fake nodes.
  const command =
    job.command !== undefined && job.command.length > 0
      ? job.command
      : ['sleep', String(Math.ceil(remaining))]
  const task =
    'export RANK=$SLURM_PROCID LOCAL_RANK=$SLURM_LOCALID NODE_RANK=$SLURM_NODEID ' +
    'ZHISUAN_RANK=$SLURM_PROCID; exec "$@"'
  const script = [
    '#!/bin/bash',
    `# Zhisuan job ${job.jobId}, attempt ${job.attempt} (tenant ${job.tenant}): ` +
      `${job.nodes.length} replica(s) on ${compressHostlist(nodes)}`,
    `exec srun --kill-on-bad-exit=1 --ntasks=${job.nodes.length} ` +
      `--ntasks-per-node=${replicasPerNode} bash -c ${shellQuote(task)} zhisuan-task ` +
      command.map(shellQuote).join(' '),
    '',
  ].join('\n')

  return {
    script,
    job: {
      name,
      comment: jobComment(job.jobId, job.attempt),
      partition: options.partition,
      nodes: nodes.length,
      nodelist: compressHostlist(nodes),
      tasks: job.nodes.length,
      tasks_per_node: replicasPerNode,
      ...(accelerators > 0 ? { gres: `gpu:${accelerators}` } : {}),
      time_limit: Math.max(1, Math.ceil(minutes)),
      no_requeue: true,
      current_working_directory: options.workDir,
      standard_output: `${options.workDir.replace(/\/+$/, '')}/%x-%j.out`,
      environment,
    },
  }
}

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
    return checkInventory(cluster, nodes, { partition: this.options.partition, hasTopology })
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
    const submission = buildSubmission(job, {
      partition: this.options.partition,
      workDir: this.options.workDir,
      ...(this.options.masterAddress === undefined
        ? {}
        : { masterAddress: this.options.masterAddress }),
      ...(this.options.masterPort === undefined ? {} : { masterPort: this.options.masterPort }),
      ...(this.options.environment === undefined ? {} : { environment: this.options.environment }),
      ...(this.options.timeLimitMinutes === undefined
        ? {}
        : { timeLimitMinutes: this.options.timeLimitMinutes }),
    })
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
    const prefix = this.options.drainReasonPrefix ?? 'zhisuan: '
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
      drainReasonPrefix: this.options.drainReasonPrefix ?? 'zhisuan: ',
    })
  }
}

/** A run's nodes, one per replica (a node repeats when it holds several tasks). */
function runNodes(job: SlurmJob): string[] {
  const list =
    typeof job.nodes === 'string' && job.nodes !== ''
      ? job.nodes
      : typeof job.required_nodes === 'string'
        ? job.required_nodes
        : ''
  const nodes = list === '' ? [] : expandHostlist(list)
  const tasks = typeof job.tasks === 'number' ? job.tasks : nodes.length
  const per = nodes.length > 0 ? tasks / nodes.length : 1
  return Number.isInteger(per) && per > 1 ? nodes.flatMap((n) => Array<string>(per).fill(n)) : nodes
}

function startedAt(job: SlurmJob): number {
  const state = (job.job_state ?? '').toUpperCase()
  const start = typeof job.start_time === 'number' ? job.start_time : 0
  const submit = typeof job.submit_time === 'number' ? job.submit_time : 0
  return state !== 'PENDING' && start > 0 ? start : submit
}
