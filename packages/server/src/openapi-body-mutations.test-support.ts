// Hostile mutations of a JSON body an OpenAPI schema accepts, one thing wrong in each: a wrong
// type, null, a missing or unknown field, raw number tokens no JavaScript number prints (1e400),
// long strings, a body over 1 MiB, deep nesting, lone surrogates and invalid UTF-8, prototype keys,
// an array for an object, no body, text that is not JSON, another content type or none. Each says
// the status it must get when the mutation makes the body certainly wrong, whoever sends it: the
// body is parsed and validated before any handler authenticates. Test support for
// openapi-fuzz.test.ts (not built into dist).
import {
  codePoints,
  resolve,
  typesOf,
  type OpenApiDocument,
  type Schema,
} from './openapi-arbitraries.test-support.js'

// ---- where in a JSON value ------------------------------------------------------------------

type Path = readonly string[]

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Every node of a value, the root first. */
function nodesOf(value: unknown, at: Path = []): Path[] {
  const children =
    isRecord(value) || Array.isArray(value)
      ? Object.entries(value).flatMap(([k, v]) => nodesOf(v, [...at, k]))
      : []
  return [at, ...children]
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (v, k) => (isRecord(v) || Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined),
    root,
  )
}

/** A copy of `root` with `change` applied to the node at `path` (the root itself when `[]`). */
function changedAt(root: unknown, path: Path, change: (node: unknown) => unknown): unknown {
  const copy = structuredClone(root)
  if (path.length === 0) {
    return change(copy)
  }
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string, unknown>
  const key = path[path.length - 1] ?? ''
  parent[key] = change(parent[key])
  return copy
}

/** The schema of the node at `path`, or undefined where that is not certain (inside a union). */
export function schemaAt(doc: OpenApiDocument, root: Schema, path: Path): Schema | undefined {
  let s: Schema | undefined = root
  for (const key of path) {
    const r = resolve(doc, s)
    if (r.anyOf !== undefined || r.oneOf !== undefined) {
      return undefined
    }
    s =
      typesOf(r).includes('array') && /^\d+$/.test(key)
        ? r.items
        : (r.properties?.[key] ??
          (typeof r.additionalProperties === 'object' ? r.additionalProperties : undefined))
    if (s === undefined) {
      return undefined
    }
  }
  return resolve(doc, s)
}

const jsonType = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : typeof v

const isPrimitive = (v: unknown) => v === null || typeof v !== 'object'

/**
 * Whether the schema certainly refuses the value, looking at this level only: its type, choices,
 * bounds, lengths, pattern, required and unknown properties. False when unsure.
 */
export function rejects(doc: OpenApiDocument, schema: Schema | undefined, value: unknown): boolean {
  if (schema === undefined) {
    return false
  }
  const s = resolve(doc, schema)
  const branches = s.anyOf ?? s.oneOf
  if (branches !== undefined) {
    return branches.every((b) => rejects(doc, b, value))
  }
  if (s.const !== undefined || s.enum !== undefined) {
    const choices = s.enum ?? [s.const]
    return isPrimitive(value) ? !choices.includes(value) : choices.every(isPrimitive)
  }
  const types = typesOf(s)
  const type = jsonType(value)
  if (
    types.length > 0 &&
    !types.some((t) => t === type || (t === 'number' && type === 'integer'))
  ) {
    return true
  }
  if (typeof value === 'number') {
    return (
      value < (s.minimum ?? -Infinity) ||
      value > (s.maximum ?? Infinity) ||
      value <= (s.exclusiveMinimum ?? -Infinity) ||
      value >= (s.exclusiveMaximum ?? Infinity)
    )
  }
  if (typeof value === 'string') {
    const length = codePoints(value)
    return (
      length < (s.minLength ?? 0) ||
      length > (s.maxLength ?? Infinity) ||
      (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value))
    )
  }
  if (Array.isArray(value)) {
    return value.length < (s.minItems ?? 0) || value.length > (s.maxItems ?? Infinity)
  }
  if (isRecord(value)) {
    const keys = Object.keys(value)
    return (
      (s.required ?? []).some((k) => !keys.includes(k)) ||
      (s.additionalProperties === false && keys.some((k) => !Object.hasOwn(s.properties ?? {}, k)))
    )
  }
  return false
}

// ---- the mutations --------------------------------------------------------------------------

/** Stands for raw JSON text in a value until it is serialized (`"<marker>"` is replaced). */
const marker = '@@zhisuan-raw@@'

/** JSON text of a value with each `"<marker>"` replaced by raw text or bytes. */
function withRaw(value: unknown, raw: string | Buffer): string | Buffer {
  const parts = JSON.stringify(value).split(`"${marker}"`)
  return typeof raw === 'string'
    ? parts.join(raw)
    : Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [Buffer.from(p)] : [raw, Buffer.from(p)])))
}

const wrongTypeOf = (v: unknown): unknown =>
  typeof v === 'string'
    ? 2
    : typeof v === 'number'
      ? 'two'
      : typeof v === 'boolean'
        ? 'true'
        : Array.isArray(v)
          ? {}
          : isRecord(v)
            ? []
            : 0

const rawNumbers = [
  ...['1e400', '-1e400', '1E+999', '123456789012345678901234567890'],
  ...['-123456789012345678901234567890', '9007199254740993', '-0', '0.1e-400', '4.9e-324'],
  ...['1.7976931348623157e308', '-1', '1.5', '1e15', '8.0'],
]
/** Field names no schema has; some are Object.prototype's. */
export const unknownKeys = [
  'zzUnknown',
  'toString',
  'hasOwnProperty',
  'prototype',
  '',
  ' ',
  'é',
  '😀',
]
/** JSON string tokens that decode to a lone UTF-16 surrogate. */
const loneSurrogates = ['"\\ud800"', '"a\\udc00b"', '"\\udbff"', '"x\\ud83d"']
/** Bytes no UTF-8 text holds: a stray byte, a cut sequence, a surrogate, overlong forms. */
const badUtf8 = [
  [0xff],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xc0, 0xaf],
]
const otherTypes = [
  ...['text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'],
  ...['application/xml', 'application/octet-stream', 'application/jsonx'],
]
const longLengths = [300, 5000, 70_000, 500_000]

/** A mutated body: its payload, the content type to send (null: none), the status it must get. */
export interface BodyOutcome {
  readonly payload: string | Buffer
  readonly type?: string | null
  readonly expected?: readonly number[]
  /** Where the body was changed, as a JSON pointer (`/env/A`), when it was at one place. */
  readonly at?: string
}

/** Where in one body a mutation lands, as `r` and `v` (drawn by fast-check) pick it. */
interface Spot {
  readonly doc: OpenApiDocument
  readonly schema: Schema
  readonly body: unknown
  readonly v: number
  /** Any node, an object, a string (else any node), a field of an object. */
  readonly node: Path
  readonly object: Path
  readonly string: Path
  readonly hasStrings: boolean
  readonly field: readonly [Path, string]
  readonly requiredField: string
  readonly prefix: string
}

/** 400 when the node at `path` is certainly wrong now; else no status is certain. */
function judged(at: Spot, changed: unknown, path: Path): BodyOutcome {
  const wrong = rejects(at.doc, schemaAt(at.doc, at.schema, path), valueAt(changed, path))
  return {
    payload: JSON.stringify(changed),
    at: pointer(path),
    ...(wrong ? { expected: [400] } : {}),
  }
}

/** The body with the marker as the string at `path`, or as a new key of the object there. */
function marked(at: Spot, inKey: boolean): unknown {
  return changedAt(at.body, inKey ? at.object : at.string, (n) =>
    inKey ? { ...(n as object), [marker]: 1 } : marker,
  )
}

function nested(depth: number): unknown {
  let deep: unknown = 1
  for (let i = 0; i < depth; i++) {
    deep = i % 2 === 0 ? [deep] : { a: deep }
  }
  return deep
}

/** An object with an own `__proto__` or `constructor.prototype`, as JSON.parse makes one. */
function poisoned(n: unknown, v: number): Record<string, unknown> {
  const o = isRecord(n) ? { ...n } : {}
  const [key, value] =
    v % 2 === 0 ? ['__proto__', { admin: true }] : ['constructor', { prototype: { admin: true } }]
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
  return o
}

const pickOf = <T>(xs: readonly T[], n: number): T | undefined => xs[n % Math.max(1, xs.length)]

const bodyMutations: Readonly<Record<string, (at: Spot) => BodyOutcome>> = {
  'wrong-type': (at) => judged(at, changedAt(at.body, at.node, wrongTypeOf), at.node),
  null: (at) =>
    judged(
      at,
      changedAt(at.body, at.node, () => null),
      at.node,
    ),
  'remove-field': (at) => {
    const [path, key] = at.field
    return judged(
      at,
      changedAt(at.body, path, (n) => omit(n, key)),
      path,
    )
  },
  'remove-required': (at) =>
    judged(
      at,
      changedAt(at.body, [], (n) => omit(n, at.requiredField)),
      [],
    ),
  'unknown-field': (at) => {
    const key = pickOf(unknownKeys, at.v) ?? 'zz'
    return judged(
      at,
      changedAt(at.body, at.object, (n) => ({ ...(n as object), [key]: 1 })),
      at.object,
    )
  },
  'raw-number': (at) => {
    const token = pickOf(rawNumbers, at.v) ?? '1e400'
    const value = Number(token)
    // JSON reads 1e400 as Infinity, which no handler may see
    const wrong =
      !Number.isFinite(value) || rejects(at.doc, schemaAt(at.doc, at.schema, at.node), value)
    const body = changedAt(at.body, at.node, () => marker)
    return {
      payload: withRaw(body, token),
      at: pointer(at.node),
      ...(wrong ? { expected: [400] } : {}),
    }
  },
  'long-string': (at) => {
    const long = 'x'.repeat(pickOf(longLengths, at.v) ?? 300)
    return judged(
      at,
      changedAt(at.body, at.string, () => long),
      at.string,
    )
  },
  'huge-body': () => ({
    payload: JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1) }),
    expected: [413],
  }),
  'deep-nesting': (at) => {
    const deep = nested(pickOf([20, 200, 3000], at.v) ?? 20)
    return judged(
      at,
      changedAt(at.body, at.node, () => deep),
      at.node,
    )
  },
  'lone-surrogate': (at) => {
    const token = pickOf(loneSurrogates, at.v) ?? '"\\ud800"'
    return {
      payload: withRaw(marked(at, !at.hasStrings || at.v % 2 === 1), token),
      expected: [400],
    }
  },
  'invalid-utf8': (at) => {
    const bytes = Buffer.from([0x22, ...(pickOf(badUtf8, at.v) ?? [0xff]), 0x22])
    return {
      payload: withRaw(marked(at, !at.hasStrings || at.v % 2 === 1), bytes),
      expected: [400],
    }
  },
  'prototype-key': (at) => ({
    payload: JSON.stringify(changedAt(at.body, at.object, (n) => poisoned(n, at.v))),
    expected: [400],
  }),
  'array-for-object': (at) => {
    const change = (n: unknown): unknown => (at.v % 2 === 0 ? [n] : Object.values(n as object))
    return judged(at, changedAt(at.body, at.object, change), at.object)
  },
  'empty-body': (at) => ({ payload: pickOf(['', ' ', '\n'], at.v) ?? '', expected: [400] }),
  'not-json': (at) => {
    const junk = ["{'a':1}", '{a:1}', '{"a":1,}', '{"a":1}{"b":2}', 'NaN', at.prefix]
    return { payload: pickOf(junk, at.v) ?? at.prefix, expected: [400] }
  },
  // Fastify reads text/plain itself (a string, which no body schema takes): 400; others 415
  'wrong-content-type': (at) => {
    const type = at.v % 7 === 0 ? 'text/plain' : (pickOf(otherTypes, at.v) ?? 'text/json')
    return {
      payload: JSON.stringify(at.body),
      type,
      expected: [type === 'text/plain' ? 400 : 415],
    }
  },
  'no-content-type': (at) => ({ payload: JSON.stringify(at.body), type: null, expected: [415] }),
}

/** The kinds of body mutation. */
export const bodyMutationKinds: readonly string[] = Object.keys(bodyMutations)

/** One body mutation of `kind`; `r` and `v` pick where and what. */
export function mutateBody(
  doc: OpenApiDocument,
  schema: Schema,
  body: unknown,
  kind: string,
  r: number,
  v: number,
): BodyOutcome {
  const mutation = bodyMutations[kind]
  if (mutation === undefined) {
    throw new Error(`no body mutation ${kind}`)
  }
  const nodes = nodesOf(body)
  const objects = nodes.filter((p) => isRecord(valueAt(body, p)))
  const strings = nodes.filter((p) => typeof valueAt(body, p) === 'string')
  const fields = objects.flatMap((p) =>
    Object.keys(valueAt(body, p) as object).map((k) => [p, k] as const),
  )
  const text = JSON.stringify(body)
  return mutation({
    doc,
    schema,
    body,
    v,
    node: pickOf(nodes, r) ?? [],
    object: pickOf(objects, r) ?? [],
    string: pickOf(strings, r) ?? pickOf(nodes, r) ?? [],
    hasStrings: strings.length > 0,
    field: pickOf(fields, r) ?? [[], ''],
    requiredField: pickOf(resolve(doc, schema).required ?? [], r) ?? '',
    // a cut of the body's own text: never JSON, as the whole is an object
    prefix: text.slice(0, r % Math.max(1, text.length)),
  })
}

/** A path as a JSON pointer: `/chip/family`, `` for the root. */
const pointer = (path: Path): string =>
  path.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')

function omit(n: unknown, key: string): unknown {
  return isRecord(n) ? Object.fromEntries(Object.entries(n).filter(([k]) => k !== key)) : n
}
