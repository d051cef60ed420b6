// Generated from the API's own OpenAPI document: for every route and every body, query-string and
// path-parameter schema it builds bad inputs from the schema itself — a typo of each property name
// beside the real one, a misspelling of each choice, "two" for each integer, number or boolean, each
// required property removed, each bounded string one character too long — and asks that the 400
// names the field in words a person can act on. Fastify validates before any handler runs, and
// authentication happens in the handlers, so a bad input is a 400 on every route (even one an
// admin may not call, or one whose resource does not exist): no 401, 403 or 404 comes first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import type { Schema } from './openapi-arbitraries.test-support.js'
import { appFixture, type AppFixture } from './testing.js'

type Part = 'body' | 'querystring' | 'params'

/** One bad input: the whole value of a part with one thing wrong, and what the 400 must say. */
interface Bad {
  readonly kind: 'choice' | 'integer' | 'number' | 'boolean' | 'too-long' | 'required' | 'unknown'
  readonly what: string
  /** Where the wrong thing is, from the part's root. */
  readonly at: readonly string[]
  readonly value: unknown
  /** Words one detail at that path must hold. */
  readonly words: readonly string[]
  /** A removed property inside a union may be named by the union's line, at its parent. */
  readonly orParent?: string
}

/** Raw validator phrases no answer may show. */
const rawPhrases = [
  'must be equal to constant',
  'must be equal to one of the allowed values',
  'must NOT have additional properties',
  'must match a schema in anyOf',
  'must match exactly one schema in oneOf',
  'must have required property',
  'must be integer',
  'must be number',
  'must NOT have more than',
  'must NOT have fewer than',
]

const branchesOf = (s: Schema): readonly Schema[] | undefined => s.anyOf ?? s.oneOf

/** The literal choices of an enum, a const or a union of them; undefined when it is not one. */
function choicesOf(s: Schema): unknown[] | undefined {
  if (s.enum !== undefined) {
    return [...s.enum]
  }
  if (s.const !== undefined) {
    return [s.const]
  }
  const branches = branchesOf(s)
  if (branches === undefined) {
    return undefined
  }
  const each = branches.map(choicesOf)
  return each.every((c) => c !== undefined) ? each.flat() : undefined
}

/** A string the schema accepts: the first candidate that fits its pattern and lengths. */
function sampleString(s: Schema): string {
  const fits = (c: string) =>
    c.length >= (s.minLength ?? 0) &&
    c.length <= (s.maxLength ?? Infinity) &&
    (s.pattern === undefined || new RegExp(s.pattern, 'u').test(c))
  const found = ['a', 'a1', '0'.repeat(64), 'x'].find(fits)
  if (found === undefined) {
    throw new Error(`no sample string for ${JSON.stringify(s)}`)
  }
  return found
}

/** A small value the schema accepts: required properties only, first branches, least numbers. */
function sample(s: Schema): unknown {
  const choices = choicesOf(s)
  if (choices !== undefined) {
    return choices[0]
  }
  const branches = branchesOf(s)
  if (branches?.[0] !== undefined) {
    return sample(branches[0])
  }
  switch (s.type) {
    case 'object':
      return Object.fromEntries((s.required ?? []).map((p) => [p, sample(s.properties?.[p] ?? {})]))
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items ?? {}))
    case 'string':
      return sampleString(s)
    case 'integer':
    case 'number': {
      const low = s.minimum ?? (s.exclusiveMinimum === undefined ? 1 : s.exclusiveMinimum + 1)
      return Math.min(low, s.maximum ?? low)
    }
    case 'boolean':
      return false
    default:
      return null
  }
}

/** A near miss of a name: its last letter doubled, as a slipping finger types it. */
const typoOf = (name: string) => `${name}${name.at(-1) ?? ''}`
/** A near miss of a choice: its middle letter dropped. */
const misspell = (word: string) =>
  word.slice(0, Math.floor(word.length / 2)) + word.slice(Math.floor(word.length / 2) + 1)

/** Every bad value this schema gives rise to, each a whole value of the schema with one fault. */
function badValues(s: Schema, at: readonly string[]): Bad[] {
  const choices = choicesOf(s)
  if (choices !== undefined) {
    const first = choices[0]
    if (typeof first !== 'string') {
      return []
    }
    const got = misspell(first)
    const words = [...choices.map(String), `got "${got}"`, `did you mean ${first}`]
    return [{ kind: 'choice', what: `misspelt choice ${got}`, at, value: got, words }]
  }
  const branches = branchesOf(s)
  if (branches !== undefined) {
    return branches.flatMap((branch) =>
      badValues(branch, at).map((bad) =>
        bad.kind === 'required' ? { ...bad, orParent: bad.at.at(-1) ?? '' } : bad,
      ),
    )
  }
  switch (s.type) {
    case 'object':
      return badProperties(s, at)
    case 'array': {
      const rest = (sample(s) as unknown[]).slice(1)
      return badValues(s.items ?? {}, [...at, '0']).map((bad) => ({
        ...bad,
        value: [bad.value, ...rest],
      }))
    }
    case 'integer':
      return [
        {
          kind: 'integer',
          what: 'a string for an integer',
          at,
          value: 'two',
          words: ['must be an integer'],
        },
      ]
    case 'number':
      return [
        {
          kind: 'number',
          what: 'a string for a number',
          at,
          value: 'two',
          words: ['must be a number'],
        },
      ]
    case 'boolean':
      return [
        {
          kind: 'boolean',
          what: 'a string for a boolean',
          at,
          value: 'two',
          words: ['true or false'],
        },
      ]
    case 'string': {
      if (s.maxLength === undefined) {
        return []
      }
      const base = sampleString(s)
      const value = base.padEnd(s.maxLength + 1, base.at(-1))
      const words = [`at most ${s.maxLength} characters`]
      return [{ kind: 'too-long', what: 'a string one too long', at, value, words }]
    }
    default:
      return []
  }
}

function badProperties(s: Schema, at: readonly string[]): Bad[] {
  const base = sample(s) as Record<string, unknown>
  const properties = Object.entries(s.properties ?? {})
  const inside = properties.flatMap(([name, property]) =>
    badValues(property, [...at, name]).map((bad) => ({
      ...bad,
      value: { ...base, [name]: bad.value },
    })),
  )
  const missing = (s.required ?? []).map((name): Bad => {
    const rest = Object.fromEntries(Object.entries(base).filter(([key]) => key !== name))
    return {
      kind: 'required',
      what: `without ${name}`,
      at: [...at, name],
      value: rest,
      words: ['is required'],
    }
  })
  const unknown =
    s.additionalProperties !== false
      ? []
      : properties.map(([name, property]): Bad => {
          const typo = typoOf(name)
          return {
            kind: 'unknown',
            what: `unknown ${typo}`,
            at: [...at, typo],
            value: { ...base, [name]: base[name] ?? sample(property), [typo]: base[name] ?? 1 },
            words: ['unknown field', `did you mean ${name}`],
          }
        })
  return [...inside, ...missing, ...unknown]
}

/** How the answer names a field of each part: `/chip/family`, `?state`, `{id}`. */
function pathOf(part: Part, at: readonly string[]): string {
  return part === 'body'
    ? `/${at.join('/')}`
    : part === 'querystring'
      ? `?${at.join('/')}`
      : `{${at.join('/')}}`
}

interface Operation {
  readonly parameters?: readonly { in: string; name: string; schema: Schema; required?: boolean }[]
  readonly requestBody?: { content: { 'application/json'?: { schema: Schema } } }
}

interface Detail {
  readonly path: string
  readonly message: string
}

/** Why one answer to one bad input falls short, or undefined when it is right. */
function shortfall(bad: Bad, part: Part, status: number, text: string): string | undefined {
  if (status !== 400) {
    return `status ${status}: ${text.slice(0, 300)}`
  }
  const body = JSON.parse(text) as {
    error?: { code?: unknown; message?: unknown; details?: Detail[] }
  }
  const error = body.error
  if (error?.code !== 'invalid-input' || typeof error.message !== 'string') {
    return `not the error shape: ${text.slice(0, 300)}`
  }
  const details = error.details ?? []
  const lines = details.map((d) => `${d.path}: ${d.message}`)
  const message = error.message
  const raw = rawPhrases.find((p) => text.includes(p))
  const path = pathOf(part, bad.at)
  const parent = pathOf(part, bad.at.slice(0, -1))
  const named = details.find(
    (d) =>
      (d.path === path && bad.words.every((w) => d.message.includes(w))) ||
      (bad.orParent !== undefined && d.path === parent && d.message.includes(bad.orParent)),
  )
  const problems = [
    raw === undefined ? '' : `raw phrase "${raw}"`,
    new Set(lines).size === lines.length ? '' : 'a line repeated',
    details.length === 1 ? '' : `${details.length} details, not 1`,
    named !== undefined ? '' : `no detail at ${path} saying ${bad.words.join(' / ')}`,
    lines.every((l) => message.includes(l)) ? '' : 'message does not hold every detail',
  ].filter((p) => p !== '')
  return problems.length === 0 ? undefined : `${problems.join('; ')} — got ${lines.join(' | ')}`
}

let db: StoreFixture
let fx: AppFixture
let document: { paths: Record<string, Record<string, Operation>> }

beforeAll(async () => {
  const sqlite = testDialects().find((d) => d.name === 'sqlite')
  if (sqlite === undefined) {
    throw new Error('no sqlite dialect')
  }
  db = await sqlite.open()
  fx = await appFixture(db.store)
  document = (await fx.app.inject({ method: 'GET', url: '/openapi.json' })).json()
})
afterAll(async () => {
  await fx.close()
  await db.close()
})

describe('every route names each bad input in words a person can act on', () => {
  it('answers each one, on every route of the OpenAPI document, with one line naming its field', async () => {
    const operations = Object.values(document.paths).flatMap((ops) => Object.keys(ops))
    expect(operations.length).toBeGreaterThan(20)
    const failures: string[] = []
    const kinds = new Set<string>()
    for (const [template, ops] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const trial of trialsOf(template, method, op)) {
          kinds.add(`${trial.part} ${trial.bad.kind}`)
          const r = await fx.app.inject({
            method: trial.method,
            url: trial.url,
            headers: { authorization: `Bearer ${fx.adminToken}` },
            ...(trial.body === undefined ? {} : { payload: trial.body as object }),
          })
          const why = shortfall(trial.bad, trial.part, r.statusCode, r.body)
          if (why !== undefined) {
            failures.push(`${method.toUpperCase()} ${template} ${trial.bad.what}: ${why}`)
          }
        }
      }
    }
    // the generator reaches every kind of fault in each part that has one
    expect([...kinds].sort()).toEqual([
      'body boolean',
      'body choice',
      'body integer',
      'body number',
      'body required',
      'body too-long',
      'body unknown',
      'params too-long',
      'querystring boolean',
      'querystring choice',
      'querystring integer',
      'querystring number',
      'querystring too-long',
    ])
    expect(failures).toEqual([])
  })
})

interface Trial {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  readonly url: string
  readonly body: unknown
  readonly part: Part
  readonly bad: Bad
}

/** The requests for one operation: each bad input of each part, the other parts valid. */
function trialsOf(template: string, method: string, op: Operation): Trial[] {
  const parameters = op.parameters ?? []
  const bodySchema = op.requestBody?.content['application/json']?.schema
  const params = parameters.filter((p) => p.in === 'path')
  const query = parameters.filter((p) => p.in === 'query')
  const validParams = Object.fromEntries(params.map((p) => [p.name, String(sample(p.schema))]))
  const urlOf = (paramValues: Record<string, string>, search: string) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(paramValues[name] ?? ''),
    ) + search
  const verb = method.toUpperCase() as Trial['method']
  const validBody = bodySchema === undefined ? undefined : sample(bodySchema)
  const trials: Trial[] = []
  for (const p of params) {
    for (const bad of badValues(p.schema, [p.name])) {
      const url = urlOf({ ...validParams, [p.name]: String(bad.value) }, '')
      trials.push({ method: verb, url, body: validBody, part: 'params', bad })
    }
  }
  for (const p of query) {
    for (const bad of badValues(p.schema, [p.name])) {
      const search = `?${p.name}=${encodeURIComponent(String(bad.value))}`
      trials.push({
        method: verb,
        url: urlOf(validParams, search),
        body: validBody,
        part: 'querystring',
        bad,
      })
    }
  }
  if (bodySchema !== undefined) {
    for (const bad of badValues(bodySchema, [])) {
      trials.push({ method: verb, url: urlOf(validParams, ''), body: bad.value, part: 'body', bad })
    }
  }
  return trials
}
