// Fuzzes every operation of the API's own OpenAPI document (issue #19): requests generated from
// each operation's schemas (path and query parameters, headers, JSON body; real ids of jobs,
// tenants, nodes, services, checkpoints and tokens drawn for path parameters), then hostile
// mutations of them (openapi-mutations.test-support.ts), each sent by a caller drawn among an
// admin, a member and a viewer of a tenant, a node's agent, nobody and a garbage token. No answer
// may be a 5xx; every 4xx is the one error shape with the code its status means, a 429 has a
// Retry-After; a 2xx is JSON where the operation says so; a request the mutation made certainly
// wrong gets the status that says so (400, 413, 414, 415). Fixed seed, a few thousand requests on
// SQLite in memory, the reconcile loop not started (one pass places the jobs). The summary line is
// printed, and written as JSON to $ZHISUAN_FUZZ_REPORT when that is set.
import { writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import {
  operationsOf,
  requestArbitrary,
  type Known,
  type OpenApiDocument,
  type OperationRef,
} from './openapi-arbitraries.test-support.js'
import {
  codeOf,
  hostileArbitrary,
  mutationKinds,
  render,
  type Hostile,
  type WireRequest,
} from './openapi-mutations.test-support.js'
import { appFixture, type AppFixture } from './testing.js'

const seed = 20_261_207
/** Requests drawn per operation, valid by its schemas; and mutations of them per operation. */
const validRuns = 60
const hostileRuns = 60

/**
 * Bugs this suite found, where a fix could not go with it: where a mutation lands on one, the
 * status its mistake means is not asserted (every other check still is); the report counts them.
 * None now. Fixed: a POST /api/v1/jobs `env` name outside ^[A-Za-z_][A-Za-z0-9_]*$ took any
 * value with 201 (TypeBox's Record without `additionalProperties: false`); a path parameter
 * over the router's 2,048 was answered 400 echoing the whole URL instead of 414.
 */
const knownGaps: readonly { readonly operation: string; readonly at: RegExp }[] = []

/** A seed of its own for each operation, so adding one never shifts what another draws. */
function seedOf(name: string): number {
  let h = seed
  for (const c of name) {
    h = Math.imul(h ^ c.charCodeAt(0), 16_777_619) >>> 0
  }
  return h | 0
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Why a 4xx or 5xx answer is not the one error shape, or undefined when it is. */
function shapeProblem(status: number, text: string): string | undefined {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  const e = isRecord(body) ? body['error'] : undefined
  if (!isRecord(body) || Object.keys(body).join() !== 'error' || !isRecord(e)) {
    return 'not { error: … }'
  }
  if (Object.keys(e).sort().join() !== 'code,details,message') {
    return `error has fields ${Object.keys(e).join(', ')}`
  }
  if (typeof e['message'] !== 'string' || e['message'] === '') {
    return 'no message'
  }
  if (e['code'] !== (codeOf[status] ?? e['code']) || typeof e['code'] !== 'string') {
    return `status ${status} with code ${String(e['code'])}`
  }
  const details = e['details']
  const detailOk = (d: unknown) =>
    isRecord(d) &&
    Object.keys(d).sort().join() === 'message,path' &&
    typeof d['path'] === 'string' &&
    typeof d['message'] === 'string'
  return Array.isArray(details) && details.every(detailOk)
    ? undefined
    : 'details not [{ path, message }]'
}

const cut = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)

/** A request as a failure shows it: method, url, headers, payload, each cut to ~300 characters. */
function describeRequest(w: WireRequest, address: string): string {
  const payload =
    w.payload === undefined
      ? ''
      : typeof w.payload === 'string'
        ? cut(w.payload)
        : `<${w.payload.length} bytes: ${w.payload.subarray(0, 60).toString('hex')}>`
  return `${w.method} ${cut(w.url)} ${cut(JSON.stringify(w.headers))} from ${address} ${payload}`
}

type CallerName = 'admin' | 'member' | 'viewer' | 'node' | 'none' | 'garbage'
const callerNames: readonly CallerName[] = ['admin', 'member', 'viewer', 'node', 'none', 'garbage']

/** Who sends a request: a caller, a fresh garbage token, and the address it comes from. */
interface Caller {
  readonly name: CallerName
  readonly garbage: string
  readonly address: number
}
const caller: fc.Arbitrary<Caller> = fc.record({
  // admins and members more often: most handlers refuse the others early
  name: fc.constantFrom(...callerNames, 'admin', 'admin', 'member', 'member'),
  garbage: fc.stringMatching(/^[A-Za-z0-9_-]{8,48}$/),
  // garbage tokens from 24 addresses: each gets 20 lookups (401), then 429 (limits below)
  address: fc.integer({ min: 1, max: 24 }),
})

/** The tally the summary reports. */
interface Tally {
  requests: number
  statuses: Record<string, number>
  /** Statuses by kind of request (`valid`, or the mutation's). */
  byKind: Record<string, Record<string, number>>
  operations: Set<string>
  with2xx: Set<string>
  undeclared: Set<string>
  /** Statuses by operation. */
  byOperation: Record<string, Record<string, number>>
  /** Answers held to the one status a certain mistake means. */
  exact: number
  /** Mutations that landed on a known gap (`knownGaps`), their status not asserted. */
  knownGaps: number
}

describe('the API fuzzed from its OpenAPI document (SQLite)', () => {
  let db: StoreFixture
  let fx: AppFixture
  let doc: OpenApiDocument
  let known: Known
  const tokens: Record<CallerName, string> = {
    admin: '',
    member: '',
    viewer: '',
    node: '',
    none: '',
    garbage: '',
  }
  const tally: Tally = {
    requests: 0,
    statuses: {},
    byKind: {},
    operations: new Set(),
    with2xx: new Set(),
    undeclared: new Set(),
    byOperation: {},
    exact: 0,
    knownGaps: 0,
  }
  const started = performance.now()

  beforeAll(async () => {
    const sqlite = testDialects().find((d) => d.name === 'sqlite')
    if (sqlite === undefined) {
      throw new Error('no SQLite dialect')
    }
    db = await sqlite.open()
    // no refill of failed token lookups per address, so which garbage token gets 401 and which
    // 429 does not depend on how fast this machine runs; the defaults otherwise
    fx = await appFixture(db.store, undefined, {}, undefined, {
      limits: {
        tenant: { maxPendingJobs: 10_000, submitsPerS: 100, submitBurst: 1_000 },
        authFailures: {
          perAddressPerS: 0,
          perAddressBurst: 20,
          globalPerS: 200,
          globalBurst: 100_000,
        },
      },
    })
    known = await seedServer(fx, tokens)
    doc = (await fx.app.inject({ method: 'GET', url: '/openapi.json' })).json()
  })

  afterAll(async () => {
    const summary = {
      seed,
      requests: tally.requests,
      operations: tally.operations.size,
      operationsWith2xx: tally.with2xx.size,
      statuses: tally.statuses,
      fiveXx: Object.entries(tally.statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((n, [, c]) => n + c, 0),
      exactChecks: tally.exact,
      knownGaps: tally.knownGaps,
      byKind: tally.byKind,
      byOperation: tally.byOperation,
      undeclared2xx: [...tally.undeclared].sort(),
      durationS: Math.round((performance.now() - started) / 100) / 10,
    }
    const statuses = Object.entries(summary.statuses)
      .map(([s, c]) => `${s}×${c}`)
      .join(' ')
    console.log(
      `openapi fuzz (seed ${seed}): ${summary.requests} requests, ${summary.operations} operations (${summary.operationsWith2xx} with a 2xx), statuses ${statuses}, ${summary.fiveXx} × 5xx, ${summary.durationS} s`,
    )
    const path = process.env['ZHISUAN_FUZZ_REPORT']
    if (path !== undefined && path !== '') {
      writeFileSync(path, `${JSON.stringify(summary, null, 2)}\n`)
    }
    await fx.close()
    await db.close()
  })

  /** Sends one request and says what is wrong with the answer, if anything. */
  async function send(
    operation: OperationRef,
    { kind, wire, expected, at }: Hostile,
    who: Caller,
  ): Promise<{ key: string; example: string } | undefined> {
    const authorization =
      who.name === 'none'
        ? undefined
        : `Bearer ${who.name === 'garbage' ? who.garbage : tokens[who.name]}`
    const address = who.name === 'garbage' ? `10.0.0.${who.address}` : '127.0.0.1'
    const headers = { ...wire.headers, ...(authorization === undefined ? {} : { authorization }) }
    const res = await fx.app.inject({
      method: wire.method as 'GET',
      url: wire.url,
      headers,
      remoteAddress: address,
      ...(wire.payload === undefined ? {} : { payload: wire.payload }),
    })
    const status = res.statusCode
    const name = `${operation.method} ${operation.template}`
    tally.requests += 1
    tally.statuses[status] = (tally.statuses[status] ?? 0) + 1
    const ofKind = (tally.byKind[kind] ??= {})
    ofKind[status] = (ofKind[status] ?? 0) + 1
    tally.operations.add(name)
    const ofOperation = (tally.byOperation[name] ??= {})
    ofOperation[status] = (ofOperation[status] ?? 0) + 1
    tally.exact += expected === undefined ? 0 : 1
    const declared = operation.op.responses?.[String(status)]
    if (status < 300) {
      tally.with2xx.add(name)
      if (declared === undefined) {
        tally.undeclared.add(`${name} ${status}`)
      }
    }
    const problem = answerProblem(status, res.body, res.headers, declared?.content, expected)
    return problem === undefined
      ? undefined
      : {
          key: `${name} ${kind}${at === undefined ? '' : ` at ${at}`}: ${status} ${problem}`,
          example: `${who.name}: ${describeRequest({ ...wire, headers }, address)}\n→ ${status} ${cut(res.body)}`,
        }
  }

  it('answers requests drawn from every operation’s schemas without a 5xx, errors in shape', async () => {
    const problems: Problems = new Map()
    const operations = operationsOf(doc)
    expect(operations.length).toBeGreaterThan(30)
    for (const operation of operations) {
      const name = `${operation.method} ${operation.template}`
      const drawn = fc.tuple(requestArbitrary(doc, operation, known), caller)
      for (const [d, who] of fc.sample(drawn, { seed: seedOf(name), numRuns: validRuns })) {
        note(problems, await send(operation, { kind: 'valid', wire: render(d) }, who))
      }
    }
    expect(listed(problems)).toEqual([])
    // the generator reaches the handlers, not only the validator: most operations answer 2xx
    expect(tally.with2xx.size).toBeGreaterThan(operations.length * 0.8)
  })

  it('answers hostile mutations of them in shape, with the status a certain mistake means', async () => {
    const problems: Problems = new Map()
    for (const operation of operationsOf(doc)) {
      const name = `${operation.method} ${operation.template}`
      const hostile = fc.tuple(
        hostileArbitrary(doc, requestArbitrary(doc, operation, known), mutationKinds(operation)),
        caller,
      )
      for (const [h, who] of fc.sample(hostile, {
        seed: seedOf(`hostile ${name}`),
        numRuns: hostileRuns,
      })) {
        const gap = knownGaps.some((g) => g.operation === name && g.at.test(h.at ?? ''))
        if (gap && h.expected !== undefined) {
          tally.knownGaps += 1
        }
        const sent = gap ? { kind: h.kind, wire: h.wire } : h
        note(problems, await send(operation, sent, who))
      }
    }
    expect(listed(problems)).toEqual([])
  })
})

/** Problems by what went wrong where (operation, mutation, status, why), counted, one example. */
type Problems = Map<string, { count: number; example: string }>

function note(problems: Problems, found: { key: string; example: string } | undefined): void {
  if (found !== undefined) {
    const seen = problems.get(found.key)
    problems.set(found.key, {
      count: (seen?.count ?? 0) + 1,
      example: seen?.example ?? found.example,
    })
  }
}

/** The problems as a failure lists them: each kind once, with its count and first example. */
const listed = (problems: Problems): string[] =>
  [...problems].map(([key, p]) => `${key} (×${p.count})\n${p.example}`)

/** What is wrong with one answer, or undefined when nothing is. */
function answerProblem(
  status: number,
  body: string,
  headers: Record<string, unknown>,
  declaredContent: Readonly<Record<string, unknown>> | undefined,
  expected: readonly number[] | undefined,
): string | undefined {
  if (status >= 500) {
    return 'a 5xx'
  }
  if (expected !== undefined && !expected.includes(status)) {
    return `expected ${expected.join(' or ')}`
  }
  if (status >= 400) {
    const shape = shapeProblem(status, body)
    if (shape !== undefined) {
      return `not the error shape: ${shape}`
    }
    if (!String(headers['content-type']).startsWith('application/json')) {
      return `content-type ${String(headers['content-type'])}`
    }
    if (status === 429 && headers['retry-after'] === undefined) {
      return '429 without Retry-After'
    }
    return undefined
  }
  if (declaredContent?.['application/json'] !== undefined) {
    try {
      JSON.parse(body)
    } catch {
      return 'a 2xx that declares JSON is not JSON'
    }
    if (!String(headers['content-type']).startsWith('application/json')) {
      return `a 2xx that declares JSON has content-type ${String(headers['content-type'])}`
    }
  }
  return undefined
}

/**
 * Tenants alpha (with quotas) and beta; a token for each caller; jobs placed by one loop pass (two
 * of alpha's, one of beta's); a service; a committed and a pending checkpoint; an agent report;
 * and a job, a service, a checkpoint and tokens there only for DELETE to remove. Returns what the
 * generator may draw as real values.
 */
async function seedServer(fx: AppFixture, tokens: Record<CallerName, string>): Promise<Known> {
  const call = async (token: string, method: 'POST' | 'GET', url: string, payload?: object) => {
    const r = await fx.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    })
    if (r.statusCode >= 300) {
      throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`)
    }
    return r.json<Record<string, unknown>>()
  }
  const idOf = (r: Record<string, unknown>) => String(r['id'])
  const quotas = { 'llm-train': { guaranteed: 1000 }, 'llm-decode': { guaranteed: 1000 } }
  for (const name of ['alpha', 'beta']) {
    await call(fx.adminToken, 'POST', '/api/v1/tenants', { name, quotas })
  }
  tokens.admin = fx.adminToken
  tokens.member = await fx.token('alpha', 'member')
  tokens.viewer = await fx.token('alpha', 'viewer')
  const beta = await fx.token('beta', 'member')
  const job = (name: string, replicas: number) => ({
    name,
    replicas,
    acceleratorsPerReplica: 8,
    chip: { family: 'H100' },
    twin: { durationS: 100_000 },
    checkpoint: { keepLast: 3 },
  })
  const submit = async (token: string, name: string, replicas: number) =>
    idOf(await call(token, 'POST', '/api/v1/jobs', job(name, replicas)))
  const train = await submit(tokens.member, 'train', 2)
  const jobs = [train, await submit(tokens.member, 'small', 1), await submit(beta, 'other', 1)]
  const scratchJob = await submit(tokens.member, 'scratch', 1)
  const service = (name: string) => ({
    name,
    model: 'llama3-70b',
    chip: { family: 'H100' },
    precision: 'fp8',
    slo: { ttftP99S: 2, tpotP99S: 0.1 },
    minReplicas: 1,
    maxReplicas: 2,
  })
  await call(tokens.member, 'POST', '/api/v1/services', service('chat'))
  await call(tokens.member, 'POST', '/api/v1/services', service('scratch'))
  await fx.reconciler.pass()
  const nodes = (await call(tokens.member, 'GET', `/api/v1/jobs/${train}`))['nodes'] as string[]
  const node = nodes[0] ?? 'h100-001'
  tokens.node = await fx.token(node, 'node')
  await call(tokens.node, 'POST', `/api/v1/nodes/${node}/report`, { inventories: [] })
  const shard = { path: 'model-0.safetensors', size: 1024 }
  const register = async (step: number) =>
    idOf(
      await call(tokens.member, 'POST', `/api/v1/jobs/${train}/checkpoints`, {
        step,
        shards: [shard],
      }),
    )
  const committed = await register(100)
  await call(tokens.node, 'POST', `/api/v1/jobs/${train}/checkpoints/${committed}/shards`, {
    ...shard,
    sha256: 'a'.repeat(64),
    tier: 'durable',
  })
  const checkpoints = [committed, await register(200)]
  const scratchCheckpoint = await register(300)
  // tokens only there to be revoked: revoking a caller's would turn the rest of its run into 401s
  const revocable: string[] = []
  for (const role of ['member', 'viewer', 'member']) {
    revocable.push(
      idOf(await call(fx.adminToken, 'POST', '/api/v1/tokens', { tenant: 'beta', role })),
    )
  }
  const nodeNames = [...fx.reconciler.nodes]
  return {
    strings: ['alpha', 'beta', 'system', ...nodeNames, ...jobs, 'chat', ...checkpoints],
    byProperty: {
      family: ['H100', 'any'],
      anyOf: ['H100', 'any', 'A100'],
      model: ['llama3-8b', 'llama3-70b'],
      tenant: ['alpha', 'beta'],
      path: [shard.path],
    },
    bySegment: {
      jobs,
      services: ['chat'],
      // not alpha: a PATCH may set its limits, and the member's submissions would then depend on
      // the wall clock's refill
      tenants: ['beta'],
      tokens: revocable,
      nodes: nodeNames,
      checkpoints,
    },
    disposable: {
      jobs: [...jobs, scratchJob],
      services: ['scratch'],
      tokens: revocable,
      nodes: nodeNames,
      checkpoints: [scratchCheckpoint],
    },
  }
}
