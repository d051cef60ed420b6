import { createHash, randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import { ZhisuanError } from '@zhisuan/domain'
import type { Role, Store, TokenRecord } from '@zhisuan/store'
import type { AuthFailures } from './limits.js'

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
 * takes effect within `ttlMs` (the revoking process drops its entry at once). Known tokens and
 * unknown ones are kept apart, each the most recently used 10,000, so a spray of random tokens
 * evicts only other random tokens and never empties the cache of the live ones.
 */
export class TokenCache {
  private readonly known: LRUCache<string, Caller>
  private readonly unknown: LRUCache<string, true>
  /** Lookups answered from the cache, and those that went to the store. */
  readonly counts = { hits: 0, misses: 0 }

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5000,
    max = 10_000,
  ) {
    this.known = new LRUCache({ max, ttl: ttlMs })
    this.unknown = new LRUCache({ max, ttl: ttlMs })
  }

  /** The caller a token was found to be lately, `null` if it was found to be no one, else undefined. */
  cached(token: string): Caller | null | undefined {
    const hash = hashToken(token)
    const caller = this.known.get(hash)
    if (caller !== undefined) {
      this.counts.hits += 1
      return caller
    }
    if (this.unknown.get(hash) === true) {
      this.counts.hits += 1
      return null
    }
    return undefined
  }

  /** Looks a token not in the cache up in the store, and caches what it is. */
  async load(token: string): Promise<Caller | undefined> {
    this.counts.misses += 1
    const hash = hashToken(token)
    const record: TokenRecord | undefined = await this.store.tokenByHash(hash)
    if (record === undefined) {
      this.unknown.set(hash, true)
      return undefined
    }
    const caller = { tokenId: record.id, tenant: record.tenant, role: record.role }
    this.known.set(hash, caller)
    return caller
  }

  /** Tokens held now, known and unknown. */
  get size(): number {
    return this.known.size + this.unknown.size
  }

  forget(tokenId: string): void {
    // the keys first: an LRU is not deleted from while it is walked
    const hashes = [...this.known.entries()].flatMap(([hash, caller]) =>
      caller.tokenId === tokenId ? [hash] : [],
    )
    for (const hash of hashes) {
      this.known.delete(hash)
    }
  }
}

/**
 * The caller of a request. A token not in the cache is looked up only while its address (and all
 * addresses together) have not failed too often (`AuthFailures`); a failed lookup counts.
 * @throws ZhisuanError `unauthorized` without a live bearer token; `too-many-requests` while
 * lookups from this address are held back.
 */
export async function authenticate(
  request: FastifyRequest,
  tokens: TokenCache,
  failures?: AuthFailures,
): Promise<Caller> {
  const header = request.headers.authorization
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header)
  const token = match?.[1]
  if (token === undefined) {
    throw new ZhisuanError('unauthorized', 'a bearer token is required (Authorization: Bearer …)')
  }
  const cached = tokens.cached(token)
  if (cached === undefined) {
    failures?.check(request.ip)
  }
  const caller = cached === undefined ? await tokens.load(token) : (cached ?? undefined)
  if (caller === undefined) {
    failures?.failed(request.ip)
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
