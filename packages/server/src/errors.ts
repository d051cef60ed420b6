import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { ZhisuanError, pointerSegments, type ErrorCode } from '@zhisuan/domain'
import {
  choiceWords,
  errorWords,
  fieldPath,
  literalChoices,
  unionShapeWords,
  withGot,
  type Located,
  type Problem,
  type RequestPart,
  type SchemaError,
  type SchemaShape,
} from './validation-words.js'

/** The one table from error codes to HTTP statuses. */
export const statusOf: Readonly<Record<ErrorCode, number>> = {
  'invalid-input': 400,
  'invalid-config': 422,
  'not-found': 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  'too-many-requests': 429,
  internal: 500,
}

/**
 * Seconds a 503 asks the client to wait before trying again (`Retry-After`): an ESTIMATE, about
 * a PostgreSQL restart or failover, and the loop's longest wait between tries (reconciler.ts).
 */
export const retryAfterS = 5

/** Socket errors that mean the database cannot be reached now. */
const unreachableSocketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/** What pg and its pool throw when a connection is lost, refused or times out. */
const unreachableMessages =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable)/

/**
 * Whether an error means the store cannot be reached now rather than that anything is wrong:
 * PostgreSQL refusing or dropping connections (restarting, failing over, a cut network: SQLSTATE
 * class 08, 57P01–57P03, 53300), its pool or a query timing out, or SQLite still locked after
 * its busy timeout. Looks through `cause`s. The API answers these 503 with `Retry-After`, and the
 * reconcile loop waits and tries again.
 */
export function storeUnavailable(error: unknown): boolean {
  let e = error
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code
    if (
      typeof code === 'string' &&
      (/^08[0-9A-Z]{3}$|^57P0[123]$|^53300$/.test(code) ||
        code.startsWith('SQLITE_BUSY') ||
        unreachableSocketCodes.has(code))
    ) {
      return true
    }
    if (unreachableMessages.test(e.message)) {
      return true
    }
    e = e.cause
  }
  return false
}

/** The one error shape every endpoint answers with. */
export interface ErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly details: readonly { readonly path: string; readonly message: string }[]
  }
}

const codeOfStatus = (status: number): string =>
  status === 400
    ? 'invalid-input'
    : status === 401
      ? 'unauthorized'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'not-found'
          : status === 409
            ? 'conflict'
            : status === 413
              ? 'payload-too-large'
              : status === 415
                ? 'unsupported-media-type'
                : status === 422
                  ? 'invalid-config'
                  : status === 429
                    ? 'too-many-requests'
                    : 'invalid-input'

/** The most problems one answer lists; the message counts the rest. */
const maxProblems = 20

/** The parts Fastify validates, in the order it does: it stops at the first that fails. */
const partOrder: readonly RequestPart[] = ['params', 'body', 'querystring', 'headers']

/**
 * Every problem with a request: those of the part Fastify refused, then those of the parts it did
 * not get to (checked here with the route's own validators), so one answer lists them all.
 */
function requestProblems(
  request: FastifyRequest,
  failed: RequestPart,
  errors: readonly SchemaError[],
): { problems: Problem[]; unlisted: number } {
  const data: Record<RequestPart, unknown> = {
    params: request.params,
    body: request.body,
    querystring: request.query,
    headers: request.headers,
  }
  const found = partOrder.slice(partOrder.indexOf(failed)).map((part) => {
    if (part === failed) {
      return validationProblems(errors, part)
    }
    const validate = request.getValidationFunction(part)
    if (typeof validate !== 'function' || validate(data[part] ?? null)) {
      return { problems: [], unlisted: 0 }
    }
    return validationProblems(validate.errors ?? [], part)
  })
  return {
    problems: found.flatMap((f) => f.problems),
    unlisted: found.reduce((sum, f) => sum + f.unlisted, 0),
  }
}

/**
 * Answers every error in one shape: our errors by the table, Fastify's validation errors as 400
 * with every problem of the request in words (`validationProblems`), its other client errors with
 * their own status, a store that cannot be reached as 503 `unavailable` with `Retry-After` (so
 * does every 503), anything else as 500 (logged; bad input never gets there).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ZhisuanError, request, reply) => {
    if (error instanceof ZhisuanError) {
      const status = statusOf[error.code]
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed')
      }
      const body: ErrorBody = {
        error: {
          code: error.code,
          message: error.message,
          details: error.issues.map((i) => ({ path: i.path, message: i.message })),
        },
      }
      const wait = error.retryAfterS ?? (status === 503 ? retryAfterS : undefined)
      return (wait === undefined ? reply : reply.header('retry-after', String(Math.ceil(wait))))
        .status(status)
        .send(body)
    }
    if (error.validation !== undefined) {
      const part = error.validationContext ?? 'body'
      const { problems, unlisted } = requestProblems(request, part, error.validation)
      const shown = problems.slice(0, maxProblems)
      const more = problems.length - shown.length + unlisted
      const lines = shown.map((d) => `${d.path}: ${d.message}`)
      const body: ErrorBody = {
        error: {
          code: 'invalid-input',
          message: `invalid request: ${lines.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
          details: shown,
        },
      }
      return reply.status(400).send(body)
    }
    if (storeUnavailable(error)) {
      // the database restarting or out of reach: the client may try again, nothing is wrong
      // with the request (and a submission not answered 201 was not acknowledged)
      request.log.warn({ err: error }, 'store unavailable')
      const body: ErrorBody = {
        error: {
          code: 'unavailable',
          message:
            'the store is unavailable (the database is restarting or out of reach); try again shortly',
          details: [],
        },
      }
      return reply.status(503).header('retry-after', String(retryAfterS)).send(body)
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const body: ErrorBody = {
        error: { code: codeOfStatus(status), message: error.message, details: [] },
      }
      return reply.status(status).send(body)
    }
    request.log.error({ err: error }, 'request failed')
    const body: ErrorBody = {
      error: { code: 'internal', message: 'internal error; see the server log', details: [] },
    }
    return reply.status(500).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: {
        code: 'not-found',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
        details: [],
      },
    }
    return reply.status(404).send(body)
  })
}

/** A validator error; for a union, with the errors of its branches. */
interface ErrorNode {
  readonly error: SchemaError
  readonly inner: readonly ErrorNode[]
}

const isUnion = (e: SchemaError) =>
  e.keyword === 'anyOf' || (e.keyword === 'oneOf' && e.params['passingSchemas'] == null)

const isInside = (e: SchemaError, union: SchemaError) =>
  e.schemaPath.startsWith(`${union.schemaPath}/`) &&
  (e.instancePath === union.instancePath || e.instancePath.startsWith(`${union.instancePath}/`))

/**
 * The errors as a tree: ajv reports a union's branch errors just before the union's own error, so
 * those at the top of the stack under its schema path and value are its branches'.
 */
function errorTree(errors: readonly SchemaError[]): ErrorNode[] {
  const stack: ErrorNode[] = []
  for (const error of errors) {
    const inner: ErrorNode[] = []
    while (isUnion(error) && stack.length > 0) {
      const last = stack[stack.length - 1]
      if (last === undefined || !isInside(last.error, error)) {
        break
      }
      inner.push(last)
      stack.pop()
    }
    stack.push({ error, inner: inner.reverse() })
  }
  return stack
}

/**
 * The most validator errors (or unions of them) put into words in one list: a body built to fail
 * can hold hundreds of thousands, and the answer lists a few anyway.
 */
const describedErrors = 60

/**
 * Every problem the validator found, in words, each once: a union of constants as its choices, a
 * union of shapes as one line naming them and the problems of the branch meant (see `unionWords`).
 * `unlisted` counts the errors past the first `describedErrors`, not put into words.
 * @example validationProblems(error.validation, 'querystring').problems // [{ path: '?state', message: 'must be one of …' }]
 */
export function validationProblems(
  errors: readonly SchemaError[],
  part: RequestPart,
): { problems: Problem[]; unlisted: number } {
  const nodes = errorTree(errors)
  const problems = describe(nodes).map((p) => ({ path: fieldPath(part, p.at), message: p.message }))
  return { problems, unlisted: Math.max(0, nodes.length - describedErrors) }
}

function describe(nodes: readonly ErrorNode[]): Located[] {
  const located = nodes
    .slice(0, describedErrors)
    .flatMap((n) => (isUnion(n.error) ? unionWords(n) : [errorWords(n.error)]))
  // "family is required" says nothing "familly: unknown field; did you mean family?" does not
  const suggested = new Set(
    located.flatMap((p) =>
      p.suggests === undefined ? [] : [[...p.at.slice(0, -1), p.suggests].join('/')],
    ),
  )
  const seen = new Set<string>()
  return located.filter((p) => {
    const key = `${p.at.join('/')}: ${p.message}`
    if (seen.has(key) || (p.missing === true && suggested.has(p.at.join('/')))) {
      return false
    }
    seen.add(key)
    return true
  })
}

/**
 * A union's problems: its choices when it is one of constants; else, when the value has the type
 * of one branch only, that branch's problems; else one line naming the shapes allowed — or, when
 * the value shares more fields with one branch than with any other, only that branch's problems,
 * and when one branch has the fewest problems (or the only typo of its own fields), the line and
 * that branch's problems.
 */
function unionWords(node: ErrorNode): Located[] {
  const { error } = node
  const at = pointerSegments(error.instancePath)
  const schema = (error.parentSchema ?? {}) as SchemaShape
  const choices = literalChoices(schema)
  if (choices !== undefined) {
    return [{ at, message: choiceWords(choices, error.data) }]
  }
  const branches = schema.anyOf ?? schema.oneOf ?? []
  const line: Located = { at, message: withGot(`must be ${unionShapeWords(branches)}`, error.data) }
  const inBranch = (i: number) => (n: ErrorNode) =>
    n.error.schemaPath.startsWith(`${error.schemaPath}/${i}/`)
  const problems = branches.map((_, i) => describe(node.inner.filter(inBranch(i))))
  const fits = branches
    .map((_, i) => i)
    .filter((i) => !node.inner.some((n) => n.error.schemaPath === `${error.schemaPath}/${i}/type`))
  const only = (i: number | undefined, withLine: boolean) => {
    const found = i === undefined ? [] : (problems[i] ?? [])
    return found.length === 0 ? [line] : withLine ? [line, ...found] : found
  }
  if (fits.length <= 1) {
    return only(fits[0], false)
  }
  const keys = isRecord(error.data) ? Object.keys(error.data) : []
  const shared = (i: number) =>
    keys.filter((k) => Object.hasOwn(branches[i]?.properties ?? {}, k)).length
  const mostShared = uniqueBest(fits, shared)
  if (mostShared !== undefined && shared(mostShared) > 0) {
    return only(mostShared, false)
  }
  const fewest = uniqueBest(fits, (i) => -(problems[i]?.length ?? 0))
  const typo = uniqueBest(fits, (i) => (problems[i]?.some((p) => p.suggests !== undefined) ? 1 : 0))
  return only(fewest ?? typo, true)
}

/** The one candidate that scores highest, or undefined when two tie for it. */
function uniqueBest(
  candidates: readonly number[],
  score: (i: number) => number,
): number | undefined {
  const scores = candidates.map(score)
  const best = Math.max(...scores)
  const top = candidates.filter((_, k) => scores[k] === best)
  return top.length === 1 ? top[0] : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
