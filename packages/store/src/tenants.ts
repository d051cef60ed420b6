import type { Kysely } from 'kysely'
import { ZhisuanError } from '@zhisuan/domain'
import type { Tenant, TenantLimits } from './records.js'
import type { Database, TenantTable } from './schema.js'

/** Tenants and their quotas. */
export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** @throws ZhisuanError `conflict` when the name is taken. */
  async createTenant(tenant: Tenant, now: number): Promise<Tenant> {
    const taken = await this.getTenant(tenant.name)
    if (taken !== undefined) {
      throw new ZhisuanError('conflict', `tenant ${tenant.name} exists`)
    }
    await this.db
      .insertInto('tenants')
      .values({
        name: tenant.name,
        quotas: JSON.stringify(tenant.quotas),
        limits: tenant.limits === undefined ? null : JSON.stringify(tenant.limits),
        created_at: now,
        updated_at: now,
      })
      .execute()
    return tenant
  }

  /** @throws ZhisuanError `not-found` for an unknown tenant. */
  async updateTenant(tenant: Tenant, now: number): Promise<Tenant> {
    const r = await this.db
      .updateTable('tenants')
      .set({
        quotas: JSON.stringify(tenant.quotas),
        limits: tenant.limits === undefined ? null : JSON.stringify(tenant.limits),
        updated_at: now,
      })
      .where('name', '=', tenant.name)
      .executeTakeFirst()
    if (r.numUpdatedRows === 0n) {
      throw new ZhisuanError('not-found', `no tenant ${tenant.name}`)
    }
    return tenant
  }

  /** The tenant of this name, if there is one. */
  async getTenant(name: string): Promise<Tenant | undefined> {
    const row = await this.db
      .selectFrom('tenants')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : tenantOf(row)
  }

  /** Changes whenever a tenant is created or updated. */
  async tenantsVersion(): Promise<string> {
    const row = await this.db
      .selectFrom('tenants')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.max('updated_at').as('t')])
      .executeTakeFirst()
    return `${Number(row?.n ?? 0)}|${row?.t ?? 0}`
  }

  /** Every tenant, by name. */
  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('name').execute()
    return rows.map(tenantOf)
  }
}

function tenantOf(row: TenantTable): Tenant {
  return {
    name: row.name,
    quotas: JSON.parse(row.quotas) as Tenant['quotas'],
    ...(row.limits === null ? {} : { limits: JSON.parse(row.limits) as TenantLimits }),
  }
}
