import type { Insertable, Kysely } from 'kysely'
import type { AuditEntry } from './records.js'
import type { AuditTable, Database } from './schema.js'

/** The audit log: who did what to which tenant's things, and when. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Appends one entry. */
  async audit(entry: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_log').values(auditRow(entry)).execute()
  }

  /** Audit entries, newest first; of one action since a time when asked. */
  async auditLog(limit: number, action?: string, since?: number): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll()
    if (action !== undefined) {
      query = query.where('action', '=', action)
    }
    if (since !== undefined) {
      query = query.where('at', '>=', since)
    }
    const rows = await query.orderBy('id', 'desc').limit(limit).execute()
    return rows.map((r) => ({
      at: r.at,
      actor: r.actor,
      tenant: r.tenant,
      action: r.action,
      target: r.target,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }))
  }
}

/** An audit entry as a row, for writers that log it inside their own transaction. */
export function auditRow(entry: AuditEntry): Insertable<AuditTable> {
  return {
    at: entry.at,
    actor: entry.actor,
    tenant: entry.tenant,
    action: entry.action,
    target: entry.target,
    detail: JSON.stringify(entry.detail),
  }
}
