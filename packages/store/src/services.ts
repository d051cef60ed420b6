import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** A model service as the store keeps it. */
export interface ServiceRecord {
  readonly name: string
  readonly tenant: string
  /** The body as sent and what creation resolved (chip family, TP, capacity per replica). */
  readonly spec: unknown
  /** Replicas it wants now (the autoscaler's or an operator's answer). */
  readonly desired: number
  /** The last load reported, requests per second. */
  readonly loadRps: number
  /** Since when the load has wanted fewer replicas than it has (scale-down hysteresis). */
  readonly lowSince: number | null
  /** Its replica jobs, oldest first (finished ones are dropped as they are seen). */
  readonly replicaJobs: readonly string[]
  readonly createdAt: number
  readonly updatedAt: number
}

type Row = Database['services']

const toRecord = (r: Row): ServiceRecord => ({
  name: r.name,
  tenant: r.tenant,
  spec: JSON.parse(r.spec) as unknown,
  desired: r.desired,
  loadRps: r.load_rps,
  lowSince: r.low_since,
  replicaJobs: JSON.parse(r.replica_jobs) as string[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toRow = (s: ServiceRecord): Row => ({
  name: s.name,
  tenant: s.tenant,
  spec: JSON.stringify(s.spec),
  desired: s.desired,
  load_rps: s.loadRps,
  low_since: s.lowSince,
  replica_jobs: JSON.stringify(s.replicaJobs),
  created_at: s.createdAt,
  updated_at: s.updatedAt,
})

/** The model services of the control plane. */
export class ServiceRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new service; false when one of that name exists. */
  async create(service: ServiceRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('services')
      .values(toRow(service))
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async get(name: string): Promise<ServiceRecord | undefined> {
    const row = await this.db
      .selectFrom('services')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : toRecord(row)
  }

  /** Every service, or a tenant's, by name. */
  async list(tenant?: string): Promise<ServiceRecord[]> {
    let q = this.db.selectFrom('services').selectAll().orderBy('name')
    if (tenant !== undefined) {
      q = q.where('tenant', '=', tenant)
    }
    return (await q.execute()).map(toRecord)
  }

  /** Writes a service back whole, if it was not changed since `updatedAt` (false if it was). */
  async update(service: ServiceRecord, updatedAt: number): Promise<boolean> {
    const row = toRow(service)
    const result = await this.db
      .updateTable('services')
      .set({
        spec: row.spec,
        desired: row.desired,
        load_rps: row.load_rps,
        low_since: row.low_since,
        replica_jobs: row.replica_jobs,
        updated_at: row.updated_at,
      })
      .where('name', '=', service.name)
      .where('updated_at', '=', updatedAt)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async remove(name: string): Promise<void> {
    await this.db.deleteFrom('services').where('name', '=', name).execute()
  }
}
