import type { Kysely } from 'kysely'
import { AuditRepository } from './audit.js'
import { CheckpointRegistry } from './checkpoints.js'
import { ClusterSamples } from './cluster-samples.js'
import { NetworkEpisodes } from './network-episodes.js'
import { connect, type Durability } from './connection.js'
import { JobEventRepository } from './events.js'
import { JobSubmissions, type SubmissionLimits } from './job-submissions.js'
import { JobRepository, type Transition } from './jobs.js'
import { LeaseRepository } from './leases.js'
import { migrate, type Dialect } from './migrations.js'
import { NodeRepository } from './nodes.js'
import type {
  AuditEntry,
  JobEvent,
  JobRecord,
  JobsQuery,
  NewJob,
  NodeHealthState,
  NodeState,
  Tenant,
  TokenRecord,
  TwinRunRecord,
  UsageRow,
} from './records.js'
import type { Database } from './schema.js'
import { TenantRepository } from './tenants.js'
import { TokenRepository } from './tokens.js'
import { TwinRunRepository } from './twin-runs.js'
import { ServiceRegistry } from './services.js'
import { UsageRepository } from './usage.js'

/**
 * The control plane's store: one Kysely schema on SQLite (better-sqlite3, WAL) or PostgreSQL
 * (`pg`). Every job state change is a transaction with the events that caused it.
 *
 * The methods below hand each call to the repository of its resource (`tenants.ts`, `jobs.ts`,
 * …); the store is the one door other packages use.
 */
export class Store {
  /** Checkpoints and their shards. */
  readonly checkpoints: CheckpointRegistry

  /** The overview's time series and the SCU running jobs hold. */
  readonly samples: ClusterSamples

  /** RDMA ports' runs of ill health, as the agents reported them (issue #21). */
  readonly episodes: NetworkEpisodes

  /** Model services and their replica jobs. */
  readonly services: ServiceRegistry

  private readonly tenants: TenantRepository
  private readonly tokens: TokenRepository
  private readonly submissions: JobSubmissions
  private readonly jobs: JobRepository
  private readonly jobEvents: JobEventRepository
  private readonly allocations: UsageRepository
  private readonly nodes: NodeRepository
  private readonly auditEntries: AuditRepository
  private readonly leases: LeaseRepository
  private readonly twin: TwinRunRepository

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
  ) {
    this.checkpoints = new CheckpointRegistry(db)
    this.samples = new ClusterSamples(db)
    this.episodes = new NetworkEpisodes(db)
    this.services = new ServiceRegistry(db)
    this.tenants = new TenantRepository(db)
    this.tokens = new TokenRepository(db)
    this.submissions = new JobSubmissions(db)
    this.jobs = new JobRepository(db, dialect)
    this.jobEvents = new JobEventRepository(db)
    this.allocations = new UsageRepository(db)
    this.nodes = new NodeRepository(db)
    this.auditEntries = new AuditRepository(db)
    this.leases = new LeaseRepository(db)
    this.twin = new TwinRunRepository(db)
  }

  /**
   * Opens and migrates a store: `postgres://…` (or `postgresql://…`) for PostgreSQL, else a
   * SQLite file path (`:memory:` for a throwaway one).
   * @throws ZhisuanError `unavailable` when the database cannot be reached or migrated.
   */
  static async open(url: string, durability?: Durability): Promise<Store> {
    const { db, dialect } = await connect(url, durability)
    await migrate(db as Kysely<unknown>, dialect)
    return new Store(db, dialect)
  }

  /** Closes the connection (pool); the store cannot be used after. */
  async close(): Promise<void> {
    await this.db.destroy()
  }

  // ---- tenants

  /** @throws ZhisuanError `conflict` when the name is taken. */
  createTenant(tenant: Tenant, now: number): Promise<Tenant> {
    return this.tenants.createTenant(tenant, now)
  }

  /** @throws ZhisuanError `not-found` for an unknown tenant. */
  updateTenant(tenant: Tenant, now: number): Promise<Tenant> {
    return this.tenants.updateTenant(tenant, now)
  }

  /** The tenant of this name, if there is one. */
  getTenant(name: string): Promise<Tenant | undefined> {
    return this.tenants.getTenant(name)
  }

  /** Changes whenever a tenant is created or updated. */
  tenantsVersion(): Promise<string> {
    return this.tenants.tenantsVersion()
  }

  /** Every tenant, by name. */
  listTenants(): Promise<Tenant[]> {
    return this.tenants.listTenants()
  }

  // ---- tokens

  /** Stores a new, live token. */
  createToken(token: Omit<TokenRecord, 'revokedAt'>): Promise<void> {
    return this.tokens.createToken(token)
  }

  /** The live (not revoked) token with this hash. */
  tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return this.tokens.tokenByHash(hash)
  }

  /** Every token, revoked ones too, oldest first. */
  listTokens(): Promise<TokenRecord[]> {
    return this.tokens.listTokens()
  }

  /** Revokes a token; false when there is no live token with this id. */
  revokeToken(id: string, now: number): Promise<boolean> {
    return this.tokens.revokeToken(id, now)
  }

  // ---- jobs

  /**
   * Inserts a job with its `submitted` event. With an idempotency key already used by the
   * tenant, returns that job instead (`created: false`).
   */
  insertJob(
    job: NewJob,
    audit?: AuditEntry,
    limits?: SubmissionLimits,
  ): Promise<{ job: JobRecord; created: boolean }> {
    return this.submissions.insertJob(job, audit, limits)
  }

  /** Several jobs by id, in one query. */
  getJobs(ids: readonly string[]): Promise<Map<string, JobRecord>> {
    return this.jobs.getJobs(ids)
  }

  /**
   * Records the scheduler's reasons for pending jobs, in one transaction (a cycle may explain
   * thousands of jobs; one write each would hold the database that long).
   */
  setPendingReasons(
    reasons: readonly { readonly id: string; readonly reason: string; readonly message: string }[],
    now: number,
  ): Promise<void> {
    return this.jobs.setPendingReasons(reasons, now)
  }

  /** One job by id. */
  getJob(id: string): Promise<JobRecord | undefined> {
    return this.jobs.getJob(id)
  }

  /** Jobs by id order (ids sort by submission), after a cursor or an offset, filtered. */
  listJobs(q: JobsQuery): Promise<JobRecord[]> {
    return this.jobs.listJobs(q)
  }

  /** How many jobs match the filters of a query (its cursor, offset and limit aside). */
  countJobs(q: Omit<JobsQuery, 'after' | 'offset' | 'limit'>): Promise<number> {
    return this.jobs.countJobs(q)
  }

  /** Open allocations (running jobs): accelerators held per family. */
  allocatedByFamily(): Promise<Record<string, number>> {
    return this.allocations.allocatedByFamily()
  }

  /** How many jobs are in each state (states with none are absent). */
  countJobsByState(): Promise<Record<string, number>> {
    return this.jobs.countJobsByState()
  }

  /**
   * Changes a job if it is in one of `t.from`, with its events and allocation changes, in one
   * transaction. Returns the job as it is now, or undefined when it was not in those states.
   */
  transition(id: string, t: Transition): Promise<JobRecord | undefined> {
    return this.jobs.transition(id, t)
  }

  // ---- job events and usage

  /** The newest job event's id (0 when none): where a change feed starts. */
  lastEventId(): Promise<number> {
    return this.jobEvents.lastEventId()
  }

  /** Events of these kinds after an id, oldest first: the reconcile loop's change feed. */
  eventsAfter(
    id: number,
    kinds: readonly string[],
    limit: number,
  ): Promise<(JobEvent & { readonly id: number })[]> {
    return this.jobEvents.eventsAfter(id, kinds, limit)
  }

  /** One job's events, oldest first. */
  events(jobId: string): Promise<JobEvent[]> {
    return this.jobEvents.events(jobId)
  }

  /** Accelerator-seconds and SCU-seconds per tenant, class and family within [from, to). */
  usage(from: number, to: number): Promise<UsageRow[]> {
    return this.allocations.usage(from, to)
  }

  // ---- nodes

  /** Writes a node's admin state, health and reason (creating the node if new). */
  setNodeState(state: NodeState): Promise<void> {
    return this.nodes.setNodeState(state)
  }

  /** Node states, or those changed at or after `since`. */
  nodeStates(since?: number): Promise<NodeState[]> {
    return this.nodes.nodeStates(since)
  }

  /**
   * Records an agent's report: the node is seen now, its health is the report's verdict.
   * An operator's drain stays as it is.
   */
  recordNodeReport(
    name: string,
    report: {
      readonly at: number
      readonly health: NodeHealthState
      readonly reason: string
      readonly body: unknown
    },
  ): Promise<void> {
    return this.nodes.recordNodeReport(name, report)
  }

  /** Marks reporting nodes not seen since `before` unreachable; returns their names. */
  markUnreachable(before: number, now: number): Promise<string[]> {
    return this.nodes.markUnreachable(before, now)
  }

  /** Agents' last reports by node name. */
  nodeReports(): Promise<Map<string, { readonly at: number; readonly body: unknown }>> {
    return this.nodes.nodeReports()
  }

  // ---- audit

  /** Appends one entry to the audit log. */
  audit(entry: AuditEntry): Promise<void> {
    return this.auditEntries.audit(entry)
  }

  /** Audit entries, newest first; of one action since a time when asked. */
  auditLog(limit: number, action?: string, since?: number): Promise<AuditEntry[]> {
    return this.auditEntries.auditLog(limit, action, since)
  }

  // ---- leases

  /**
   * Takes or renews a lease for `ttlS`: true when `holder` has it now. One statement (an
   * upsert that only overwrites an expired lease or the holder's own), so two processes racing
   * for it cannot both win.
   */
  tryLease(name: string, holder: string, ttlS: number, now: number): Promise<boolean> {
    return this.leases.tryLease(name, holder, ttlS, now)
  }

  /** Gives a lease up (a clean shutdown hands the loop over at once). */
  releaseLease(name: string, holder: string): Promise<void> {
    return this.leases.releaseLease(name, holder)
  }

  // ---- the twin's journal

  /** Every journalled twin run, by job id. */
  twinRuns(): Promise<TwinRunRecord[]> {
    return this.twin.twinRuns()
  }

  /** Journals a twin run, replacing the job's earlier one. */
  putTwinRun(run: TwinRunRecord): Promise<void> {
    return this.twin.putTwinRun(run)
  }

  /** Forgets a job's twin run. */
  removeTwinRun(jobId: string): Promise<void> {
    return this.twin.removeTwinRun(jobId)
  }
}
