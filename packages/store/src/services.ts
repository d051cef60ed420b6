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
  readonly createdAt: number
  readonly updatedAt: number
  /** Bumped by every update: what `update` compares. */
  readonly version: number
}

/** A service at one moment (what its load reports record). */
export interface ServiceSample {
  readonly at: number
  readonly desired: number
  readonly running: number
  readonly loadRps: number
  /** Share of requests within the SLO, as its gateway measured it; null when not reported. */
  readonly sloAttainment: number | null
}

type Row = Database['services']
type Selected = Omit<Row, 'version'> & { version: number }

const toRecord = (r: Selected): ServiceRecord => ({
  name: r.name,
  tenant: r.tenant,
  spec: JSON.parse(r.spec) as unknown,
  desired: r.desired,
  loadRps: r.load_rps,
  lowSince: r.low_since,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
})

const toRow = (s: ServiceRecord): Omit<Row, 'version'> => ({
  name: s.name,
  tenant: s.tenant,
  spec: JSON.stringify(s.spec),
  desired: s.desired,
  load_rps: s.loadRps,
  low_since: s.lowSince,
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

  /**
   * Writes a service back whole if no one has since it was read at `version` (false if someone
   * has); its version goes up by one.
   */
  async update(service: ServiceRecord, version: number): Promise<boolean> {
    const row = toRow(service)
    const result = await this.db
      .updateTable('services')
      .set({
        spec: row.spec,
        desired: row.desired,
        load_rps: row.load_rps,
        low_since: row.low_since,
        updated_at: row.updated_at,
        version: version + 1,
      })
      .where('name', '=', service.name)
      .where('version', '=', version)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /**
   * A service's replicas: its tenant's pending and running jobs named `NAME.rK`, oldest first.
   * Found, not recorded, so a replica made by a change that then lost a race is still one.
   */
  async liveReplicas(
    tenant: string,
    name: string,
  ): Promise<{ readonly id: string; readonly name: string; readonly state: string }[]> {
    return this.db
      .selectFrom('jobs')
      .select(['id', 'name', 'state'])
      .where('tenant', '=', tenant)
      .where('name', 'like', `${name}.r%`)
      .where('state', 'in', ['pending', 'running'])
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  }

  /** Deletes a service and its samples. */
  async remove(name: string): Promise<void> {
    await this.db.deleteFrom('services').where('name', '=', name).execute()
    await this.db.deleteFrom('service_samples').where('name', '=', name).execute()
  }

  /** Records a sample (a second one at the same moment replaces the first). */
  async record(name: string, sample: ServiceSample): Promise<void> {
    const values = {
      name,
      at: sample.at,
      desired: sample.desired,
      running: sample.running,
      load_rps: sample.loadRps,
      slo_attainment: sample.sloAttainment,
    }
    await this.db
      .insertInto('service_samples')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['name', 'at']).doUpdateSet({
          desired: values.desired,
          running: values.running,
          load_rps: values.load_rps,
          slo_attainment: values.slo_attainment,
        }),
      )
      .execute()
  }

  /** A service's samples since `since`, oldest first: the newest `limit` of them. */
  async samples(name: string, since: number, limit = 10_000): Promise<ServiceSample[]> {
    const rows = await this.db
      .selectFrom('service_samples')
      .selectAll()
      .where('name', '=', name)
      .where('at', '>=', since)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute()
    // the newest `limit`, oldest first
    return rows.reverse().map((r) => ({
      at: r.at,
      desired: r.desired,
      running: r.running,
      loadRps: r.load_rps,
      sloAttainment: r.slo_attainment,
    }))
  }
}
