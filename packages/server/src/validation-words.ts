import { nearestName, pointerSegments } from '@zhisuan/domain'

/**
 * One schema-validator error as ajv reports it with `verbose: true` (Fastify's `error.validation`):
 * `parentSchema` is the schema holding the keyword that failed, `data` the value it checked.
 */
export interface SchemaError {
  readonly keyword: string
  readonly instancePath: string
  readonly schemaPath: string
  readonly params: Readonly<Record<string, unknown>>
  readonly message?: string
  readonly parentSchema?: unknown
  readonly data?: unknown
}

/** The part of a request a schema checks, as Fastify names it. */
export type RequestPart = 'body' | 'querystring' | 'params' | 'headers'

/** One problem with an input: where (see `fieldPath`) and what, in words. */
export interface Problem {
  readonly path: string
  readonly message: string
}

/** A problem located by the segments of the path to its value, before the part is known. */
export interface Located {
  readonly at: readonly string[]
  readonly message: string
  /** For an unknown field: the known field it is probably a typo of. */
  readonly suggests?: string
  /** For a missing field: true. */
  readonly missing?: boolean
}

/** The parts of a JSON schema the words read. */
export interface SchemaShape {
  readonly type?: string | readonly string[]
  readonly properties?: Readonly<Record<string, unknown>>
  readonly required?: readonly string[]
  readonly const?: unknown
  readonly enum?: readonly unknown[]
  readonly anyOf?: readonly SchemaShape[]
  readonly oneOf?: readonly SchemaShape[]
}

/**
 * How a field is named in an answer: a JSON pointer in the body (`/chip/family`), `?name` in the
 * query string, `{name}` in the path, `headers/name`; the part's own name for its root.
 * @example fieldPath('querystring', ['state']) // '?state'
 */
export function fieldPath(part: RequestPart, at: readonly string[]): string {
  if (at.length === 0) {
    return part
  }
  switch (part) {
    case 'body':
      return at.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
    case 'querystring':
      return `?${at.join('/')}`
    case 'params':
      return `{${at.join('/')}}`
    case 'headers':
      return `headers/${at.join('/')}`
  }
}

/**
 * A value as an answer may echo it: JSON, cut to about 40 characters — never more of what the
 * caller sent, and never reading more of it than that takes, however large or deep it is.
 * @example gotText('runing') // '"runing"'
 */
export function gotText(value: unknown): string {
  const text = preview(value, 41, 0)
  return text.length > 40 ? `${text.slice(0, 39)}…` : text
}

/** About the first `room` characters of a value's JSON. */
function preview(value: unknown, room: number, depth: number): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.slice(0, room))
  }
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value)
  }
  const array = Array.isArray(value)
  if (depth >= 4) {
    return array ? '[…]' : '{…}'
  }
  let out = ''
  if (array) {
    for (let i = 0; i < value.length && out.length < room; i++) {
      out += `${i === 0 ? '' : ','}${preview(value[i], room - out.length, depth + 1)}`
    }
    return `[${out}]`
  }
  for (const key in value) {
    if (out.length >= room) {
      break
    }
    const item = preview((value as Record<string, unknown>)[key], room - out.length, depth + 1)
    out += `${out === '' ? '' : ','}${JSON.stringify(key.slice(0, room))}:${item}`
  }
  return `{${out}}`
}

/**
 * The words for a value that must be one of some choices: each choice once, what came, and the
 * choice it was probably meant to be.
 * @example choiceWords(['node', 'leaf'], 'noe') // 'must be one of node, leaf; got "noe" (did you mean node?)'
 */
export function choiceWords(choices: readonly unknown[], got: unknown): string {
  const unique = [...new Set(choices)]
  const names = unique.map((c) => (typeof c === 'string' ? c : JSON.stringify(c)))
  const head =
    unique.length === 1
      ? `must be ${JSON.stringify(unique[0])}`
      : `must be one of ${names.join(', ')}`
  if (got === undefined) {
    return head
  }
  const strings = unique.filter((c): c is string => typeof c === 'string')
  const meant = typeof got === 'string' ? nearestName(got, strings) : undefined
  return `${head}; got ${gotText(got)}${meant === undefined ? '' : ` (did you mean ${meant}?)`}`
}

const typeNames: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
}

/** `a, b or c` */
const orList = (words: readonly string[]) =>
  words.length <= 1
    ? (words[0] ?? 'something else')
    : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`

/** `a string or null` for `['string', 'null']`. */
export function typeWords(types: readonly string[]): string {
  return orList(types.map((t) => typeNames[t] ?? t))
}

/** The literal choices of a union of constants (or an enum); undefined when it is not one. */
export function literalChoices(schema: SchemaShape): unknown[] | undefined {
  if (schema.const !== undefined) {
    return [schema.const]
  }
  if (schema.enum !== undefined) {
    return [...schema.enum]
  }
  const branches = schema.anyOf ?? schema.oneOf
  if (branches === undefined) {
    return undefined
  }
  const each = branches.map(literalChoices)
  return each.every((c) => c !== undefined) ? each.flat() : undefined
}

/** How a union's branch reads in a list of shapes: `{family}`, `a string`, `"anyway"`. */
export function shapeWords(schema: SchemaShape): string {
  const choices = literalChoices(schema)
  if (choices !== undefined) {
    return choices.map((c) => JSON.stringify(c)).join(', ')
  }
  const required = schema.required ?? []
  if (schema.type === 'object' || schema.properties !== undefined) {
    return `{${(required.length > 0 ? required : Object.keys(schema.properties ?? {})).join(', ')}}`
  }
  return typeWords(typeof schema.type === 'string' ? [schema.type] : (schema.type ?? []))
}

/** `words; got <value>`, or the words alone when there is no value. */
export const withGot = (words: string, data: unknown) =>
  data === undefined ? words : `${words}; got ${gotText(data)}`
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`
const lengthOf = (data: unknown) => (typeof data === 'string' ? Array.from(data).length : 0)
const bounds: Readonly<Record<string, string>> = {
  minimum: 'be at least',
  exclusiveMinimum: 'be more than',
  maximum: 'be at most',
  exclusiveMaximum: 'be less than',
  minLength: 'be at least',
  maxLength: 'be at most',
  minItems: 'have at least',
  maxItems: 'have at most',
  minProperties: 'have at least',
  maxProperties: 'have at most',
}
const countOf = (data: unknown) => (Array.isArray(data) ? data.length : 0)

/** One validator error, not a union, in words, at the field it concerns. */
export function errorWords(error: SchemaError): Located {
  const at = pointerSegments(error.instancePath)
  const p = error.params
  const limit = Number(p['limit'])
  const data = error.data
  switch (error.keyword) {
    case 'type':
      return { at, message: withGot(`must be ${typeWords(String(p['type']).split(','))}`, data) }
    case 'required': {
      const name = String(p['missingProperty'])
      return { at: [...at, name], message: 'is required', missing: true }
    }
    case 'additionalProperties':
      return unknownField(at, String(p['additionalProperty']), error.parentSchema)
    case 'const':
      return { at, message: choiceWords([p['allowedValue']], data) }
    case 'enum':
      return { at, message: choiceWords((p['allowedValues'] as unknown[] | undefined) ?? [], data) }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return { at, message: withGot(`must ${bounds[error.keyword] ?? ''} ${limit}`, data) }
    case 'minLength':
    case 'maxLength': {
      const words = `must ${bounds[error.keyword] ?? ''} ${plural(limit, 'character')}`
      const message = limit === 1 ? 'must not be empty' : `${words}; got ${lengthOf(data)}`
      return { at, message }
    }
    case 'minItems':
    case 'maxItems':
      return {
        at,
        message: `must ${bounds[error.keyword] ?? ''} ${plural(limit, 'item')}; got ${countOf(data)}`,
      }
    case 'minProperties':
    case 'maxProperties':
      return { at, message: `must ${bounds[error.keyword] ?? ''} ${plural(limit, 'field')}` }
    case 'pattern':
      return { at, message: withGot(`must match the pattern ${String(p['pattern'])}`, data) }
    case 'format':
      return { at, message: withGot(`must be a valid ${String(p['format'])}`, data) }
    case 'multipleOf':
      return { at, message: withGot(`must be a multiple of ${Number(p['multipleOf'])}`, data) }
    case 'uniqueItems':
      return { at, message: `items ${Number(p['j'])} and ${Number(p['i'])} are the same` }
    case 'oneOf':
      return { at, message: withGot('matches more than one of the allowed shapes', data) }
    case 'not':
      return { at, message: withGot('is not allowed here', data) }
    default:
      return { at, message: error.message ?? 'is not valid' }
  }
}

function unknownField(at: readonly string[], name: string, schema: unknown): Located {
  const known = Object.keys((schema as SchemaShape | undefined)?.properties ?? {})
  const meant = nearestName(name, known)
  if (meant !== undefined) {
    return { at: [...at, name], message: `unknown field; did you mean ${meant}?`, suggests: meant }
  }
  const allowed = known.length === 0 ? 'none are allowed here' : `allowed: ${known.join(', ')}`
  return { at: [...at, name], message: `unknown field; ${allowed}` }
}

/** The shapes a union allows: `one of {family}, {anyOf}, {scu}`, `a string or null`. */
export function unionShapeWords(branches: readonly SchemaShape[]): string {
  const words = branches.map(shapeWords)
  return branches.every((b) => b.type === 'object') ? `one of ${words.join(', ')}` : orList(words)
}
