// fast-check arbitraries generated from an OpenAPI 3.1 document: for each operation, requests
// whose path parameters, query string, headers and JSON body its schemas accept. Test support for
// openapi-fuzz.test.ts (not built into dist).
import fc from 'fast-check'

/** The parts of a JSON schema (OpenAPI 3.1) the generator reads. */
export interface Schema {
  readonly $ref?: string
  readonly type?: string | readonly string[]
  readonly nullable?: boolean
  readonly properties?: Readonly<Record<string, Schema>>
  readonly required?: readonly string[]
  readonly additionalProperties?: boolean | Schema
  readonly anyOf?: readonly Schema[]
  readonly oneOf?: readonly Schema[]
  readonly allOf?: readonly Schema[]
  readonly enum?: readonly unknown[]
  readonly const?: unknown
  readonly items?: Schema
  readonly minItems?: number
  readonly maxItems?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: string
  readonly minimum?: number
  readonly maximum?: number
  readonly exclusiveMinimum?: number
  readonly exclusiveMaximum?: number
}

export interface Parameter {
  readonly in: 'path' | 'query' | 'header' | 'cookie'
  readonly name: string
  readonly required?: boolean
  readonly schema: Schema
}

export interface Operation {
  readonly parameters?: readonly Parameter[]
  readonly requestBody?: {
    readonly required?: boolean
    readonly content: Readonly<Record<string, { readonly schema: Schema }>>
  }
  readonly responses?: Readonly<
    Record<string, { readonly content?: Readonly<Record<string, unknown>> }>
  >
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>
  readonly components?: { readonly schemas?: Readonly<Record<string, Schema>> }
}

/** One operation of the document, its body schema found. */
export interface OperationRef {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly template: string
  readonly op: Operation
  readonly body: Schema | undefined
}

/** Every operation (path × method) of the document. */
export function operationsOf(doc: OpenApiDocument): OperationRef[] {
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({
        method: method.toUpperCase() as OperationRef['method'],
        template,
        op,
        body: op.requestBody?.content['application/json']?.schema,
      })),
  )
}

/**
 * A request before it is put on the wire: text values of path and query parameters (not yet
 * %-encoded), headers, and the JSON body (undefined: none).
 */
export interface DrawnRequest {
  readonly operation: OperationRef
  readonly params: Readonly<Record<string, string>>
  readonly query: readonly (readonly [string, string])[]
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** What the generator knows beyond the schemas: strings that exist on the server, by kind. */
export interface Known {
  /** Strings any string schema may draw (when they fit it): tenant names, node names, ids… */
  readonly strings: readonly string[]
  /** Strings a property of this name draws more often (`family`: the cluster's chips). */
  readonly byProperty: Readonly<Record<string, readonly string[]>>
  /** Values for a path parameter, by the path segment before it (`jobs` for `/jobs/{id}`). */
  readonly bySegment: Readonly<Record<string, readonly string[]>>
  /** The same for DELETE, which may destroy them: things there to be deleted. */
  readonly disposable: Readonly<Record<string, readonly string[]>>
}

/** The schema a `$ref` points at (`#/components/schemas/x`), followed until there is none. */
export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema
  for (let hops = 0; s.$ref !== undefined; hops++) {
    if (hops > 32 || !s.$ref.startsWith('#/')) {
      throw new Error(`cannot follow $ref ${s.$ref}`)
    }
    let at: unknown = doc
    for (const raw of s.$ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined
    }
    if (typeof at !== 'object' || at === null) {
      throw new Error(`$ref ${s.$ref} points at nothing`)
    }
    s = at
  }
  if (s.allOf === undefined) {
    return s
  }
  // allOf as one schema: properties and required joined, the tighter bound of each (and an
  // additionalProperties: false in one part taken to close the joined properties, as authors mean)
  const { allOf, ...rest } = s
  return allOf.map((part) => resolve(doc, part)).reduce(mergeSchemas, rest)
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const tighter = (x: number | undefined, y: number | undefined, pick: typeof Math.max) =>
    x === undefined ? y : y === undefined ? x : pick(x, y)
  const additional =
    a.additionalProperties === false || b.additionalProperties === false
      ? false
      : (b.additionalProperties ?? a.additionalProperties)
  return {
    ...a,
    ...b,
    properties: { ...a.properties, ...b.properties },
    required: [...(a.required ?? []), ...(b.required ?? [])],
    ...(additional === undefined ? {} : { additionalProperties: additional }),
    ...optionalNumber('minimum', tighter(a.minimum, b.minimum, Math.max)),
    ...optionalNumber('maximum', tighter(a.maximum, b.maximum, Math.min)),
    ...optionalNumber('minLength', tighter(a.minLength, b.minLength, Math.max)),
    ...optionalNumber('maxLength', tighter(a.maxLength, b.maxLength, Math.min)),
    ...optionalNumber('minItems', tighter(a.minItems, b.minItems, Math.max)),
    ...optionalNumber('maxItems', tighter(a.maxItems, b.maxItems, Math.min)),
  }
}

const optionalNumber = (key: string, value: number | undefined) =>
  value === undefined ? {} : { [key]: value }

/** The types a schema names (`type` as a string or a list, `nullable`), none when it names none. */
export function typesOf(s: Schema): string[] {
  const types = s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : [...s.type]
  return s.nullable === true && types.length > 0 ? [...types, 'null'] : types
}

/** A lone UTF-16 surrogate: no valid Unicode text holds one. */
export const loneSurrogate =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A string's length in code points, as the validator counts it (a surrogate pair is one). */
export const codePoints = (value: string): number =>
  value.length - (value.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0)

/** Whether a string fits a schema's lengths (in code points, as the validator counts) and pattern. */
export function stringFits(s: Schema, value: string): boolean {
  const length = codePoints(value)
  return (
    length >= (s.minLength ?? 0) &&
    length <= (s.maxLength ?? Infinity) &&
    !loneSurrogate.test(value) &&
    (s.pattern === undefined || new RegExp(s.pattern, 'u').test(value))
  )
}

/** Generates values one schema accepts. */
export class SchemaArbitraries {
  constructor(
    private readonly doc: OpenApiDocument,
    private readonly known: Pick<Known, 'strings' | 'byProperty'> = { strings: [], byProperty: {} },
  ) {}

  /**
   * Values `schema` accepts: its choices, branches, types and bounds followed. `name` is the
   * property the value is for (an array's items: the array's), for `Known.byProperty`.
   */
  of(schema: Schema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const s = resolve(this.doc, schema)
    if (depth > 12) {
      return fc.constant(null)
    }
    if (s.const !== undefined) {
      return fc.constant(s.const)
    }
    if (s.enum !== undefined) {
      return fc.constantFrom(...s.enum)
    }
    const branches = s.anyOf ?? s.oneOf
    if (branches !== undefined && branches.length > 0) {
      return fc.oneof(...branches.map((b) => this.of(b, name, depth + 1)))
    }
    const types = typesOf(s)
    if (types.length > 1) {
      return fc.oneof(...types.map((type) => this.ofType({ ...s, type }, type, name, depth)))
    }
    return this.ofType(s, types[0], name, depth)
  }

  private ofType(
    s: Schema,
    type: string | undefined,
    name: string,
    depth: number,
  ): fc.Arbitrary<unknown> {
    switch (type) {
      case 'string':
        return this.string(s, name)
      case 'integer':
        return integer(s)
      case 'number':
        return number(s)
      case 'boolean':
        return fc.boolean()
      case 'null':
        return fc.constant(null)
      case 'array':
        return this.array(s, name, depth)
      case 'object':
        return this.object(s, depth)
      default:
        // no type: anything JSON holds
        return fc.jsonValue({ maxDepth: 2 })
    }
  }

  /** Strings of the schema's lengths and pattern, some known to exist on the server. */
  string(s: Schema, name = ''): fc.Arbitrary<string> {
    const min = s.minLength ?? 0
    const cap = Math.min(s.maxLength ?? min + 24, min + 40)
    const fits = (v: string) => stringFits(s, v)
    const drawn =
      s.pattern !== undefined
        ? fc.stringMatching(new RegExp(s.pattern, 'u'))
        : fc.oneof(
            { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: cap }) },
            {
              weight: 1,
              arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: cap }),
            },
          )
    const edges = [
      ...(s.maxLength !== undefined && s.maxLength <= 5000 ? ['a'.repeat(s.maxLength)] : []),
      ...(min > 0 ? ['a'.repeat(min)] : []),
    ].filter(fits)
    const known = this.known.strings.filter(fits)
    const hinted = (this.known.byProperty[name] ?? []).filter(fits)
    return fc.oneof(
      { weight: 4, arbitrary: drawn.filter(fits) },
      ...(edges.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...edges) }] : []),
      ...(known.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...known) }] : []),
      ...(hinted.length > 0 ? [{ weight: 8, arbitrary: fc.constantFrom(...hinted) }] : []),
    )
  }

  private array(s: Schema, name: string, depth: number): fc.Arbitrary<unknown[]> {
    const minLength = s.minItems ?? 0
    const maxLength = Math.min(s.maxItems ?? minLength + 4, minLength + 4)
    return fc.array(this.of(s.items ?? {}, name, depth + 1), { minLength, maxLength })
  }

  private object(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries(s.properties ?? {})
    const required = s.required ?? []
    const declared = fc.record(
      Object.fromEntries([
        ...properties.map(([name, p]) => [name, this.of(p, name, depth + 1)] as const),
        // required yet not described: any value
        ...required
          .filter((name) => s.properties?.[name] === undefined)
          .map((name) => [name, fc.jsonValue({ maxDepth: 1 })] as const),
      ]),
      { requiredKeys: [...required] },
    )
    const extra = s.additionalProperties
    if (typeof extra !== 'object') {
      return declared
    }
    const key = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter(
        (k) => !Object.hasOwn(s.properties ?? {}, k) && !['__proto__', 'constructor'].includes(k),
      )
    return fc
      .tuple(declared, fc.dictionary(key, this.of(extra, '', depth + 1), { maxKeys: 3 }))
      .map(([d, more]) => ({ ...more, ...d }))
  }
}

/** The bounds of a number schema: [low, high], exclusive ones as flags. */
function bounds(s: Schema) {
  const low = Math.max(s.minimum ?? -Infinity, s.exclusiveMinimum ?? -Infinity)
  const high = Math.min(s.maximum ?? Infinity, s.exclusiveMaximum ?? Infinity)
  return {
    low,
    high,
    lowOut: s.exclusiveMinimum !== undefined && s.exclusiveMinimum >= (s.minimum ?? -Infinity),
    highOut: s.exclusiveMaximum !== undefined && s.exclusiveMaximum <= (s.maximum ?? Infinity),
  }
}

/** Where small values start: 0 when the bounds hold it, else the bound nearest to it. */
const anchorOf = (low: number, high: number) => Math.min(Math.max(0, low), high)

/**
 * Integers in bounds: mostly a few above 0 or the lower bound (handlers check more than the
 * schema says: 8 accelerators a node at most), some up to ±1,000 away, anywhere, the bounds.
 */
function integer(s: Schema): fc.Arbitrary<number> {
  const b = bounds(s)
  const min = Math.max(b.lowOut ? Math.floor(b.low) + 1 : Math.ceil(b.low), Number.MIN_SAFE_INTEGER)
  const max = Math.min(
    b.highOut ? Math.ceil(b.high) - 1 : Math.floor(b.high),
    Number.MAX_SAFE_INTEGER,
  )
  const between = (low: number, high: number) =>
    fc.bigInt({ min: BigInt(Math.max(low, min)), max: BigInt(Math.min(high, max)) }).map(Number)
  const anchor = anchorOf(min, max)
  return fc.oneof(
    { weight: 6, arbitrary: between(anchor, anchor + 8) },
    { weight: 2, arbitrary: between(anchor - 1000, anchor + 1000) },
    { weight: 1, arbitrary: between(min, max) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  )
}

/** Finite numbers in bounds: mostly small ones, some anywhere in range. */
function number(s: Schema): fc.Arbitrary<number> {
  const b = bounds(s)
  const range = (low: number, high: number) => {
    const min = Math.max(low, b.low)
    const max = Math.min(high, b.high)
    return fc.double({
      noNaN: true,
      noDefaultInfinity: true,
      ...(Number.isFinite(min) ? { min, minExcluded: b.lowOut && min === b.low } : {}),
      ...(Number.isFinite(max) ? { max, maxExcluded: b.highOut && max === b.high } : {}),
    })
  }
  const anchor = anchorOf(b.low, b.high)
  return fc.oneof(
    { weight: 6, arbitrary: range(anchor, anchor + 10) },
    { weight: 2, arbitrary: range(anchor - 1e4, anchor + 1e4) },
    { weight: 1, arbitrary: range(-Infinity, Infinity) },
  )
}

/** A value as query-string or path text: arrays as repeated parameters, objects as JSON. */
export function asText(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(asText)
  }
  return [typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)]
}

/** Printable ASCII, what a header value may hold. */
const headerText = (s: Schema) =>
  fc
    .stringMatching(/^[\x21-\x7e]+$/)
    .filter((v) => v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity))

/** Requests the operation's schemas accept (the handler may still refuse them). */
export function requestArbitrary(
  doc: OpenApiDocument,
  operation: OperationRef,
  known: Known,
): fc.Arbitrary<DrawnRequest> {
  const values = new SchemaArbitraries(doc, known)
  const parameters = operation.op.parameters ?? []
  const segments = operation.template.split('/')
  const path = parameters
    .filter((p) => p.in === 'path')
    .map((p) => {
      const before = segments[segments.indexOf(`{${p.name}}`) - 1] ?? ''
      const real =
        (operation.method === 'DELETE' ? known.disposable : known.bySegment)[before] ?? []
      // "." and ".." are dot segments (so are %2e and %2e%2e): a URL cannot carry them as a value
      const drawn = values
        .of(p.schema, p.name)
        .map((v) => asText(v).join(','))
        .filter((v) => v !== '.' && v !== '..')
      const arbitrary =
        real.length === 0
          ? drawn
          : fc.oneof(
              { weight: 1, arbitrary: drawn },
              { weight: 2, arbitrary: fc.constantFrom(...real) },
            )
      return arbitrary.map((v) => [p.name, v] as const)
    })
  const optional = <T>(p: Parameter, a: fc.Arbitrary<T>) =>
    p.required === true ? a : fc.option(a, { nil: undefined, freq: 2 })
  const query = parameters
    .filter((p) => p.in === 'query')
    .map((p) =>
      optional(p, values.of(p.schema, p.name)).map((v) =>
        v === undefined ? [] : asText(v).map((text) => [p.name, text] as const),
      ),
    )
  const headers = parameters
    .filter((p) => p.in === 'header')
    .map((p) => optional(p, headerText(p.schema)).map((v) => [p.name, v] as const))
  const body =
    operation.body === undefined
      ? fc.constant(undefined)
      : operation.op.requestBody?.required === true
        ? values.of(operation.body)
        : fc.option(values.of(operation.body), { nil: undefined, freq: 4 })
  return fc
    .record({
      params: fc.tuple(...path),
      query: fc.tuple(...query),
      headers: fc.tuple(...headers),
      body,
    })
    .map((r) => ({
      operation,
      params: Object.fromEntries(r.params),
      query: r.query.flat(),
      headers: Object.fromEntries(
        r.headers.filter((h): h is readonly [string, string] => h[1] !== undefined),
      ),
      body: r.body,
    }))
}
