import type { Static, TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import { nearestName } from './suggest.js'
import { LineCounter, parseDocument, isNode, type Document } from 'yaml'
import { ZhisuanError, formatIssues, type ValidationIssue } from './errors.js'

/** A YAML or JSON document parsed from text, remembering where each value came from. */
export interface SourceDocument {
  /** File name or label used in messages. */
  readonly source: string
  readonly data: unknown
  /** Line and column (1-based) of the value at a JSON-pointer-like path, or its nearest parent. */
  locate(segments: readonly string[]): { line: number; column: number } | undefined
}

/**
 * Parses YAML (a superset of JSON) text.
 * @throws ZhisuanError `invalid-config` naming the source, line and column when the text is malformed.
 */
export function parseSourceText(source: string, text: string): SourceDocument {
  const lineCounter = new LineCounter()
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error): ValidationIssue => {
      const pos = lineCounter.linePos(error.pos[0])
      return { path: '', message: `malformed YAML: ${firstLine(error.message)}`, ...pos }
    })
    throw new ZhisuanError('invalid-config', formatIssues(source, issues), { issues })
  }
  return {
    source,
    data: doc.toJS({ maxAliasCount: 100 }) as unknown,
    locate(segments) {
      for (let n = segments.length; n >= 0; n--) {
        const node = doc.getIn(segments.slice(0, n), true)
        if (isNode(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0])
          return { line: pos.line, column: pos.col }
        }
      }
      return undefined
    },
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}

/** `/pools/2/accelerator` → `pools[2].accelerator` */
export function pointerToPath(segments: readonly (string | number)[]): string {
  let out = ''
  for (const segment of segments) {
    const text = String(segment)
    out += /^\d+$/.test(text) ? `[${text}]` : out === '' ? text : `.${text}`
  }
  return out
}

/** The segments of a JSON pointer (`/chip/family` → chip, family), `~1` and `~0` unescaped. */
export function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Accumulates issues against one document; `throwIfAny` raises them all at once. */
export class IssueCollector {
  private readonly issues: ValidationIssue[] = []
  constructor(private readonly doc: SourceDocument) {}

  add(segments: readonly (string | number)[], message: string): void {
    const located = this.doc.locate(segments.map(String))
    this.issues.push({ path: pointerToPath(segments), message, ...located })
  }

  get count(): number {
    return this.issues.length
  }

  /** The issues collected so far. */
  list(): readonly ValidationIssue[] {
    return [...this.issues]
  }

  /** @throws ZhisuanError `invalid-config` listing every issue, when there is one. */
  throwIfAny(what: string): void {
    if (this.issues.length > 0) {
      const body = formatIssues(this.doc.source, this.issues)
      throw new ZhisuanError('invalid-config', `invalid ${what}:\n${body}`, { issues: this.issues })
    }
  }
}

/**
 * Checks `doc.data` against a TypeBox schema and returns it typed.
 * @throws ZhisuanError `invalid-config` with one issue per offending field (the first per path).
 */
export function validateSchema<T extends TSchema>(
  schema: T,
  doc: SourceDocument,
  what: string,
): Static<T> {
  if (Value.Check(schema, doc.data)) {
    return doc.data
  }
  const collector = new IssueCollector(doc)
  const seen = new Set<string>()
  for (const error of Value.Errors(schema, doc.data)) {
    if (seen.has(error.path) || seen.size >= 20) {
      continue
    }
    seen.add(error.path)
    collector.add(pointerSegments(error.path), describeError(error))
  }
  collector.throwIfAny(what)
  return doc.data
}

function describeError(error: ValueError): string {
  const field = pointerSegments(error.path).at(-1) ?? ''
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys((error.schema as { properties?: object }).properties ?? {})
      const meant = nearestName(field, known)
      return meant === undefined
        ? `unknown field "${field}"; allowed: ${known.join(', ')}`
        : `unknown field "${field}"; did you mean ${meant}?`
    }
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required'
    case ValueErrorType.Union:
    case ValueErrorType.Literal:
      return choiceError(error.schema as UnionSchema, error.value)
    default: {
      const got = error.value === undefined ? 'nothing' : truncate(JSON.stringify(error.value))
      return `${error.message.toLowerCase()}, got ${got}`
    }
  }
}

/** The parts of a union or literal schema its message reads. */
interface UnionSchema {
  readonly const?: unknown
  readonly type?: string
  readonly anyOf?: readonly UnionSchema[]
}

/**
 * A value that is none of a union's choices: each choice once, what came, and the choice it was
 * probably meant to be — `must be one of rail-optimized, fat-tree; got "rail-optimised" (did you
 * mean rail-optimized?)`; for a union of types, the types (`must be a number or null; got "x"`).
 */
function choiceError(schema: UnionSchema, value: unknown): string {
  const got = value === undefined ? 'nothing' : truncate(JSON.stringify(value))
  const branches = schema.anyOf ?? [schema]
  const choices = branches.map((b) => b.const)
  if (choices.some((c) => c === undefined)) {
    const types = branches.map((b) => (b.type === undefined ? 'another shape' : article(b.type)))
    return `must be ${[...new Set(types)].join(' or ')}; got ${got}`
  }
  const names = [...new Set(choices.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))))]
  const meant = typeof value === 'string' ? nearestName(value, names) : undefined
  const head =
    names.length === 1 ? `must be ${names[0] ?? ''}` : `must be one of ${names.join(', ')}`
  return `${head}; got ${got}${meant === undefined ? '' : ` (did you mean ${meant}?)`}`
}

const article = (type: string) =>
  type === 'null'
    ? 'null'
    : type === 'integer' || type === 'object' || type === 'array'
      ? `an ${type}`
      : `a ${type}`

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
