import { createHash, randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import type { Role, Store, TokenRecord } from '@zhisuan/store'

/** Who is calling: a live token's tenant and role. */
export interface Caller {
  readonly tokenId: string
  readonly tenant: string
  readonly role: Role
}

/** The tenant admin tokens belong to; an admin acts on every tenant. */
export const systemTenant = 'system'

/** A new bearer token: 32 random bytes, shown once; only its SHA-256 is stored. */
export function newToken(): { token: string; id: string; hash: string } {
  const token = `zs_${randomBytes(32).toString('base64url')}`
  return { token, id: `tok_${randomBytes(8).toString('hex')}`, hash: hashToken(token) }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Caches token lookups for a few seconds: every request is authenticated, and a revocation
 * takes effect within `ttlMs` (the revoking process drops its entry at once).
 */
export class TokenCache {
  private readonly entries = new Map<string, { caller: Caller | undefined; until: number }>()

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5000,
  ) {}

  async lookup(token: string): Promise<Caller | undefined> {
    const hash = hashToken(token)
    const now = performance.now()
    const hit = this.entries.get(hash)
    if (hit !== undefined && hit.until > now) {
      return hit.caller
    }
    const record: TokenRecord | undefined = await this.store.tokenByHash(hash)
    const caller =
      record === undefined
        ? undefined
        : { tokenId: record.id, tenant: record.tenant, role: record.role }
    if (this.entries.size > 10_000) {
      this.entries.clear()
    }
    this.entries.set(hash, { caller, until: now + this.ttlMs })
    return caller
  }

  forget(tokenId: string): void {
    for (const [hash, e] of this.entries) {
      if (e.caller?.tokenId === tokenId) {
        this.entries.delete(hash)
      }
    }
  }
}

/**
 * The caller of a request.
 * @throws ZhisuanError `unauthorized` without a live bearer token.
 */
export async function authenticate(request: FastifyRequest, tokens: TokenCache): Promise<Caller> {
  const header = request.headers.authorization
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header)
  const token = match?.[1]
  if (token === undefined) {
    throw new ZhisuanError('unauthorized', 'a bearer token is required (Authorization: Bearer …)')
  }
  const caller = await tokens.lookup(token)
  if (caller === undefined) {
    throw new ZhisuanError('unauthorized', 'the token is unknown or revoked')
  }
  return caller
}

/** @throws ZhisuanError `forbidden` unless the caller is an admin. */
export function requireAdmin(caller: Caller): void {
  if (caller.role !== 'admin') {
    throw new ZhisuanError('forbidden', 'this needs an admin token')
  }
}

/** @throws ZhisuanError `forbidden` unless the caller is an admin or a member. */
export function requireWriter(caller: Caller): void {
  if (caller.role === 'viewer') {
    throw new ZhisuanError('forbidden', 'a viewer token cannot change anything')
  }
  if (caller.role === 'node') {
    throw new ZhisuanError('forbidden', 'a node token may only report for its node')
  }
}

/** The tenant field of a node's token. */
export const nodeTenant = (node: string): string => `node:${node}`

/** Whether the caller may see this tenant's things (a member or viewer only its own). */
export function sees(caller: Caller, tenant: string): boolean {
  return caller.role === 'admin' || caller.tenant === tenant
}
