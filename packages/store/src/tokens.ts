import type { Kysely } from 'kysely'
import type { TokenRecord } from './records.js'
import type { Database, TokenTable } from './schema.js'

/** API tokens, kept by hash; a revoked token stays, marked. */
export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new, live token. */
  async createToken(token: Omit<TokenRecord, 'revokedAt'>): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        id: token.id,
        hash: token.hash,
        tenant: token.tenant,
        role: token.role,
        label: token.label,
        created_at: token.createdAt,
        revoked_at: null,
      })
      .execute()
  }

  /** The live (not revoked) token with this hash. */
  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return row === undefined ? undefined : tokenOf(row)
  }

  /** Every token, revoked ones too, oldest first. */
  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').execute()
    return rows.map(tokenOf)
  }

  /** Revokes a token; false when there is no live token with this id. */
  async revokeToken(id: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return r.numUpdatedRows > 0n
  }
}

function tokenOf(row: TokenTable): TokenRecord {
  return {
    id: row.id,
    hash: row.hash,
    tenant: row.tenant,
    role:
      row.role === 'admin'
        ? 'admin'
        : row.role === 'member'
          ? 'member'
          : row.role === 'node'
            ? 'node'
            : 'viewer',
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}
