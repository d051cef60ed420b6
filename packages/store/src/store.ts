import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely'
import { AuditRepository } from './audit.js'
import { CheckpointRegistry } from './checkpoints.js'
import { ClusterSamples } from './cluster-samples.js'
import { connect } from './connection.js'
import { LeaseRepository } from './leases.js'
import { migrate, type Dialect } from './migrations.js'
import { NodeRepository } from './nodes.js'
import type { Database, JobTable } from './schema.js'
import {
  toJob,
  type AllocationOpen,
  type AuditEntry,
  type JobEvent,
  type JobRecord,
  type JobsQuery,
  type NewJob,
  type NodeHealthState,
  type NodeState,
  type Tenant,
  type TokenRecord,
  type TwinRunRecord,
  type UsageRow,
} from './records.js'
import { TenantRepository } from './tenants.js'
import { TokenRepository } from './tokens.js'
import { TwinRunRepository } from './twin-runs.js'

/** What a state change writes besides the job row: its events and allocation changes. */
export interface Transition {
  /** The job must be in one of these states, or nothing changes. */
  readonly from: readonly string[]
  readonly patch: Partial<Omit<JobTable, 'id' | 'version'>>
  readonly events: readonly Omit<JobEvent, 'jobId'>[]
  /** Close the job's open allocation at this time. */
  readonly closeAllocationAt?: number
  readonly openAllocation?: AllocationOpen
}

/**
 * The control plane's store: one Kysely schema on SQLite (better-sqlite3, WAL) or PostgreSQL
 * (`pg`). Every job state change is a transaction with the events that caused it.
 */
export class Store {
  /** Checkpoints and their shards. */
  readonly checkpoints: CheckpointRegistry

  /** The overview's time series and the SCU running jobs hold. */
  readonly samples: ClusterSamples

  private readonly submissions: GroupCommit<{ row: JobTable; audit: AuditEntry | undefined }>
  private readonly tenants: TenantRepository
  private readonly tokens: TokenRepository
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
    this.submissions = new GroupCommit((batch) => this.writeSubmissions(batch))
    this.tenants = new TenantRepository(db)
    this.tokens = new TokenRepository(db)
    this.nodes = new NodeRepository(db)
    this.auditEntries = new AuditRepository(db)
    this.leases = new LeaseRepository(db)
    this.twin = new TwinRunRepository(db)
  }

  /** Jobs, their `submitted` events and audit entries of one batch: one transaction, 3 inserts. */
  private async writeSubmissions(
    batch: readonly { readonly row: JobTable; readonly audit: AuditEntry | undefined }[],
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('jobs')
        .values(batch.map((b) => b.row))
        .execute()
      await tx
        .insertInto('job_events')
        .values(
          batch.map((b) => ({
            job_id: b.row.id,
            at: b.row.created_at,
            kind: 'submitted',
            detail: '{}',
          })),
        )
        .execute()
      const audits = batch.flatMap((b) => (b.audit === undefined ? [] : [b.audit]))
      if (audits.length > 0) {
        await tx
          .insertInto('audit_log')
          .values(
            audits.map((a) => ({
              at: a.at,
              actor: a.actor,
              tenant: a.tenant,
              action: a.action,
              target: a.target,
              detail: JSON.stringify(a.detail),
            })),
          )
          .execute()
      }
    })
  }

  /**
   * Opens and migrates a store: `postgres://…` (or `postgresql://…`) for PostgreSQL, else a
   * SQLite file path (`:memory:` for a throwaway one).
   * @throws ZhisuanError `unavailable` when the database cannot be reached or migrated.
   */
  static async open(url: string): Promise<Store> {
    const { db, dialect } = await connect(url)
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
  async insertJob(job: NewJob, audit?: AuditEntry): Promise<{ job: JobRecord; created: boolean }> {
    // Without an idempotency key nothing can collide: batch it with the other submissions of
    // this moment into one transaction (group commit). With a key, look it up first.
    if (job.idempotencyKey === undefined) {
      const row = newJobRow(job)
      await this.submissions.add({ row, audit })
      return { job: toJob(row), created: true }
    }
    return this.insertKeyedJob(job, audit)
  }

  private async insertKeyedJob(
    job: NewJob,
    audit: AuditEntry | undefined,
  ): Promise<{ job: JobRecord; created: boolean }> {
    if (job.idempotencyKey !== undefined) {
      const existing = await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('tenant', '=', job.tenant)
        .where('idempotency_key', '=', job.idempotencyKey)
        .executeTakeFirst()
      if (existing !== undefined) {
        return { job: toJob(existing), created: false }
      }
    }
    const row = newJobRow(job)
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('jobs').values(row).execute()
        await tx
          .insertInto('job_events')
          .values({ job_id: job.id, at: job.createdAt, kind: 'submitted', detail: '{}' })
          .execute()
        if (audit !== undefined) {
          await tx
            .insertInto('audit_log')
            .values({
              at: audit.at,
              actor: audit.actor,
              tenant: audit.tenant,
              action: audit.action,
              target: audit.target,
              detail: JSON.stringify(audit.detail),
            })
            .execute()
        }
      })
    } catch (cause) {
      // a concurrent retry with the same key won the race: answer with its job
      if (job.idempotencyKey !== undefined && isUniqueViolation(cause)) {
        const existing = await this.db
          .selectFrom('jobs')
          .selectAll()
          .where('tenant', '=', job.tenant)
          .where('idempotency_key', '=', job.idempotencyKey)
          .executeTakeFirst()
        if (existing !== undefined) {
          return { job: toJob(existing), created: false }
        }
      }
      throw cause
    }
    return { job: toJob(row), created: true }
  }

  /** Several jobs by id, in one query. */
  async getJobs(ids: readonly string[]): Promise<Map<string, JobRecord>> {
    if (ids.length === 0) {
      return new Map()
    }
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute()
    return new Map(rows.map((r) => [r.id, toJob(r)]))
  }

  /**
   * Records the scheduler's reasons for pending jobs, in one transaction (a cycle may explain
   * thousands of jobs; one write each would hold the database that long).
   */
  async setPendingReasons(
    reasons: readonly { readonly id: string; readonly reason: string; readonly message: string }[],
    now: number,
  ): Promise<void> {
    if (reasons.length === 0) {
      return
    }
    await this.db.transaction().execute(async (tx) => {
      for (const r of reasons) {
        await tx
          .updateTable('jobs')
          .set({ reason: r.reason, message: r.message, updated_at: now })
          .where('id', '=', r.id)
          .where('state', '=', 'pending')
          .execute()
      }
    })
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toJob(row)
  }

  /** Jobs by id order (ids sort by submission), after a cursor or an offset, filtered. */
  async listJobs(q: JobsQuery): Promise<JobRecord[]> {
    let query = this.filterJobs(this.db.selectFrom('jobs').selectAll(), q)
    if (q.after !== undefined) {
      query = query.where('id', '>', q.after)
    }
    query = query.orderBy('id').limit(q.limit)
    if (q.offset !== undefined && q.offset > 0) {
      query = query.offset(q.offset)
    }
    return (await query.execute()).map(toJob)
  }

  /** How many jobs match the filters of a query (its cursor, offset and limit aside). */
  async countJobs(q: Omit<JobsQuery, 'after' | 'offset' | 'limit'>): Promise<number> {
    const row = await this.filterJobs(this.db.selectFrom('jobs'), q)
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  private filterJobs<Q extends SelectQueryBuilder<Database, 'jobs', object>>(
    query: Q,
    q: Omit<JobsQuery, 'after' | 'offset' | 'limit'>,
  ): Q {
    let out = query
    if (q.tenant !== undefined) {
      out = out.where('tenant', '=', q.tenant) as Q
    }
    if (q.states !== undefined) {
      out = out.where('state', 'in', [...q.states]) as Q
    }
    if (q.queue !== undefined) {
      out = out.where('queue', '=', q.queue) as Q
    }
    if (q.family !== undefined) {
      out = out.where(familyMatch(this.dialect, q.family.toLowerCase())) as Q
    }
    return out
  }

  /** Open allocations (running jobs): accelerators held per family. */
  async allocatedByFamily(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('allocations')
      .select(['family', (eb) => eb.fn.sum<string | number>('accelerators').as('n')])
      .where('end_at', 'is', null)
      .groupBy('family')
      .execute()
    return Object.fromEntries(rows.map((r) => [r.family, Number(r.n)]))
  }

  async countJobsByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<string | number>().as('n')])
      .groupBy('state')
      .execute()
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
  }

  /**
   * Changes a job if it is in one of `t.from`, with its events and allocation changes, in one
   * transaction. Returns the job as it is now, or undefined when it was not in those states.
   */
  async transition(id: string, t: Transition): Promise<JobRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('jobs')
        .set({ ...t.patch, version: sql<number>`version + 1` })
        .where('id', '=', id)
        .where('state', 'in', [...t.from])
        .returningAll()
        .executeTakeFirst()
      if (updated === undefined) {
        return undefined
      }
      await this.writeSideEffects(tx, updated, t)
      return toJob(updated)
    })
  }

  private async writeSideEffects(tx: Transaction<Database>, job: JobTable, t: Transition) {
    if (t.events.length > 0) {
      await tx
        .insertInto('job_events')
        .values(
          t.events.map((e) => ({
            job_id: job.id,
            at: e.at,
            kind: e.kind,
            detail: JSON.stringify(e.detail),
          })),
        )
        .execute()
    }
    if (t.closeAllocationAt !== undefined) {
      await tx
        .updateTable('allocations')
        .set({ end_at: t.closeAllocationAt })
        .where('job_id', '=', job.id)
        .where('end_at', 'is', null)
        .execute()
    }
    if (t.openAllocation !== undefined) {
      const a = t.openAllocation
      await tx
        .insertInto('allocations')
        .values({
          job_id: job.id,
          tenant: job.tenant,
          family: a.family,
          workload_class: a.workloadClass,
          accelerators: a.accelerators,
          scu: a.scu,
          start_at: a.startAt,
          end_at: null,
        })
        .execute()
    }
  }

  /** The newest job event's id (0 when none): where a change feed starts. */
  async lastEventId(): Promise<number> {
    const row = await this.db
      .selectFrom('job_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst()
    return Number(row?.id ?? 0)
  }

  /** Events of these kinds after an id, oldest first: the reconcile loop's change feed. */
  async eventsAfter(
    id: number,
    kinds: readonly string[],
    limit: number,
  ): Promise<(JobEvent & { readonly id: number })[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('id', '>', id)
      .where('kind', 'in', [...kinds])
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      id: Number(r.id),
      jobId: r.job_id,
      at: r.at,
      kind: r.kind,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }))
  }

  async events(jobId: string): Promise<JobEvent[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('id')
      .execute()
    return rows.map((r) => ({
      jobId: r.job_id,
      at: r.at,
      kind: r.kind,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }))
  }

  /** Accelerator-seconds and SCU-seconds per tenant, class and family within [from, to). */
  async usage(from: number, to: number): Promise<UsageRow[]> {
    const rows = await this.db
      .selectFrom('allocations')
      .selectAll()
      .where('start_at', '<', to)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', from)]))
      .execute()
    const sums = new Map<string, UsageRow>()
    for (const r of rows) {
      const seconds = Math.max(0, Math.min(to, r.end_at ?? to) - Math.max(from, r.start_at))
      const key = `${r.tenant}|${r.workload_class}|${r.family}`
      const row = sums.get(key) ?? {
        tenant: r.tenant,
        workloadClass: r.workload_class,
        family: r.family,
        acceleratorSeconds: 0,
        scuSeconds: 0,
      }
      sums.set(key, {
        ...row,
        acceleratorSeconds: row.acceleratorSeconds + seconds * r.accelerators,
        scuSeconds: row.scuSeconds + seconds * r.scu,
      })
    }
    return [...sums.values()].sort((a, b) =>
      `${a.tenant}|${a.workloadClass}|${a.family}` < `${b.tenant}|${b.workloadClass}|${b.family}`
        ? -1
        : 1,
    )
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

/**
 * Placed on the family, or unplaced and asking for it (`want` in lower case); the spec is JSON
 * text, read with each dialect's JSON functions.
 */
function familyMatch(dialect: Dialect, want: string) {
  const asked =
    dialect === 'postgres'
      ? sql<boolean>`(spec::jsonb #> '{body,chip,scu}') is not null
          or lower(spec::jsonb #>> '{body,chip,family}') in (${want}, 'any')
          or exists (select 1 from jsonb_array_elements_text(
            case when jsonb_typeof(spec::jsonb #> '{body,chip,anyOf}') = 'array'
              then spec::jsonb #> '{body,chip,anyOf}' else '[]'::jsonb end) as f(v)
            where lower(f.v) = ${want})`
      : sql<boolean>`json_type(spec, '$.body.chip.scu') is not null
          or lower(json_extract(spec, '$.body.chip.family')) in (${want}, 'any')
          or exists (select 1 from json_each(spec, '$.body.chip.anyOf') where lower(value) = ${want})`
  return sql<boolean>`(lower(family) = ${want} or (family is null and (${asked})))`
}

/** A new job's row: pending, no attempt yet. */
function newJobRow(job: NewJob): JobTable {
  return {
    id: job.id,
    tenant: job.tenant,
    name: job.name,
    queue: job.queue,
    state: 'pending',
    priority: job.priority,
    spec: JSON.stringify(job.spec),
    idempotency_key: job.idempotencyKey ?? null,
    created_at: job.createdAt,
    updated_at: job.createdAt,
    started_at: null,
    ended_at: null,
    attempt: 0,
    attempt_started_at: null,
    restarts: 0,
    lost_s: 0,
    done_s: 0,
    placement: null,
    family: null,
    reason: null,
    message: 'waiting for the scheduler',
    version: 1,
  }
}

/**
 * Collects writes that arrive together and runs them as one batch on the next turn of the
 * event loop; each caller's promise settles when its batch is written (or fails with it).
 * Batches are capped so one transaction stays short (SQLite allows 32,766 bound values).
 */
class GroupCommit<T> {
  private queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = []
  private scheduled = false

  constructor(
    private readonly write: (batch: readonly T[]) => Promise<void>,
    private readonly max = 200,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => {
          void this.flush()
        })
      }
    })
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max)
      try {
        await this.write(batch.map((b) => b.item))
        for (const b of batch) {
          b.resolve()
        }
      } catch (error) {
        for (const b of batch) {
          b.reject(error)
        }
      }
    }
    this.scheduled = false
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown }
  return (
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed'))
  )
}
