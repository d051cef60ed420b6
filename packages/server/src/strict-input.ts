import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import type { ErrorBody } from './errors.js'
import { fieldPath } from './validation-words.js'

/**
 * Input taken as sent, never coerced. A body is JSON in valid UTF-8 whose values already have the
 * types their schema names: `"priority": true`, `"durationS": "0x10"`, `"replicas": [2]` or `null`
 * are refused naming the field, not stored as 1, 16, 2 or 0. The query string and the path are text
 * by nature, so their numbers and booleans are read from it (`?limit=10`), and nothing else is.
 */

// @fastify/ajv-compiler is CommonJS with no types of its own (Fastify's default validator).
type ValidatorFactory = (
  externalSchemas: unknown,
  options: { customOptions: Record<string, unknown> },
) => (route: { schema: unknown; httpPart?: string }) => unknown
const AjvCompiler = createRequire(import.meta.url)(
  '@fastify/ajv-compiler',
) as () => ValidatorFactory

/** Every problem at once (errors.ts words them), with the schema and value of each. */
const commonAjvOptions = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  verbose: true,
}

/**
 * Fastify's schema controller with two validators: a body is checked without coercion, the query
 * string, path and headers with coercion from text (a repeated `?state=a&state=b` is an array).
 */
export const strictSchemaController: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: (externalSchemas: unknown) => {
      const factory = AjvCompiler()
      const strict = factory(externalSchemas, {
        customOptions: { ...commonAjvOptions, coerceTypes: false },
      })
      const fromText = factory(externalSchemas, {
        customOptions: { ...commonAjvOptions, coerceTypes: 'array' },
      })
      return (route: { schema: unknown; httpPart?: string }) =>
        route.httpPart === 'body' ? strict(route) : fromText(route)
    },
  } as unknown as NonNullable<
    NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
  >,
}

/** A lone UTF-16 surrogate: JSON's `"\ud800"` escapes make one; no Unicode text holds one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Keys that would reach an object's prototype if the body were ever merged with Object.assign. */
const prototypeKey = (key: string, value: unknown): boolean =>
  key === '__proto__' ||
  (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)

/**
 * The first place in a parsed value, depth first, where `problem` finds one: a string it holds,
 * or a key (with its value) of an object in it; with its path. Deeper than 64 levels is not read.
 */
function firstProblem(
  value: unknown,
  problem: {
    readonly text: (text: string) => string | undefined
    readonly key: (key: string, value: unknown) => string | undefined
  },
  at: readonly string[],
): { at: string[]; message: string } | undefined {
  if (typeof value === 'string') {
    const message = problem.text(value)
    return message === undefined ? undefined : { at: [...at], message }
  }
  if (at.length > 64 || value === null || typeof value !== 'object') {
    return undefined
  }
  for (const [key, v] of Object.entries(value)) {
    const message = problem.key(key, v)
    if (message !== undefined) {
      return { at: [...at, key], message }
    }
    const hit = firstProblem(v, problem, [...at, key])
    if (hit !== undefined) {
      return hit
    }
  }
  return undefined
}

/** A prototype key or a lone surrogate, in a key or a string. */
const unsafeText = {
  text: (text: string) =>
    loneSurrogate.test(text)
      ? 'contains a lone UTF-16 surrogate; text must be valid Unicode'
      : undefined,
  key: (key: string, value: unknown) =>
    prototypeKey(key, value)
      ? `"${key}" is a reserved name (it would set an object's prototype); not accepted`
      : loneSurrogate.test(key)
        ? 'the key contains a lone UTF-16 surrogate; text must be valid Unicode'
        : undefined,
}

/** The first problem in a parsed body: a prototype key or a lone surrogate, with its path. */
export function textProblem(
  value: unknown,
  at: readonly string[] = [],
): { at: string[]; message: string } | undefined {
  return firstProblem(value, unsafeText, at)
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
const lenientUtf8 = new TextDecoder('utf-8')

/** The byte offset of the first invalid UTF-8 sequence in `bytes` (there is one). */
function invalidUtf8Offset(bytes: Buffer): number {
  let lo = 0
  let hi = bytes.length
  // the longest valid prefix: a valid prefix stays valid when cut at a character boundary, so
  // search for the shortest prefix that fails, allowing a partial character at the end
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true })
      lo = mid + 1
    } catch {
      hi = mid
    }
  }
  return lo
}

/** U+FFFD, in a key or a string: where lenient decoding replaced a byte that was not UTF-8. */
const replacement = {
  text: (text: string) => (text.includes('\uFFFD') ? 'replaced' : undefined),
  key: (key: string) => (key.includes('\uFFFD') ? 'replaced' : undefined),
}

const invalid = (path: string, message: string): ZhisuanError =>
  new ZhisuanError('invalid-input', `invalid request: ${path}: ${message}`, {
    issues: [{ path, message }],
  })

/** Parses a JSON body strictly: valid UTF-8, valid JSON, no prototype keys, no lone surrogates. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) {
    throw invalid('body', 'is empty; send a JSON document or no Content-Type')
  }
  let text: string
  try {
    text = fatalUtf8.decode(bytes)
  } catch {
    const offset = invalidUtf8Offset(bytes)
    const byte = bytes[offset] ?? 0
    let where = 'body'
    try {
      const at = firstProblem(JSON.parse(lenientUtf8.decode(bytes)), replacement, [])?.at
      where = at === undefined ? 'body' : fieldPath('body', at)
    } catch {
      // not JSON either: the byte offset alone says where
    }
    throw invalid(
      where,
      `is not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset})`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw invalid('body', `is not valid JSON: ${(error as Error).message}`)
  }
  const problem = textProblem(value)
  if (problem !== undefined) {
    throw invalid(problem.at.length === 0 ? 'body' : fieldPath('body', problem.at), problem.message)
  }
  return value
}

/**
 * The first query parameter whose %-escapes do not decode to UTF-8 (`?name=%ED%A0%80`, a
 * surrogate in UTF-8 form), which the query parser would otherwise keep as raw text.
 */
export function invalidQueryEscape(url: string): string | undefined {
  const q = url.indexOf('?')
  if (q < 0) {
    return undefined
  }
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=')
    const name = eq < 0 ? pair : pair.slice(0, eq)
    try {
      decodeURIComponent(pair.replace(/\+/g, ' '))
    } catch {
      try {
        return decodeURIComponent(name.replace(/\+/g, ' '))
      } catch {
        return name
      }
    }
  }
  return undefined
}

/**
 * Installs the strict JSON parser, and refuses lone surrogates in the query string and path,
 * naming the parameter (a `%ED%A0%80` escape or a JSON-minded client's `\ud800`).
 */
export function installStrictInput(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (_request, body: Buffer, done) => {
      try {
        done(null, parseJsonBody(body))
      } catch (error) {
        done(error as Error, undefined)
      }
    },
  )
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.length <= maxUrlBytes) {
      done()
      return
    }
    void reply.code(414).send(uriTooLong(request.url))
  })
  app.addHook('preValidation', (request, _reply, done) => {
    const badEscape = invalidQueryEscape(request.url)
    if (badEscape !== undefined) {
      done(invalid(`?${badEscape}`, 'is not valid UTF-8 once its %-escapes are decoded'))
      return
    }
    for (const [part, data] of [
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      const problem = textProblem(data)
      if (problem !== undefined && problem.at.length > 0) {
        done(invalid(fieldPath(part, problem.at), problem.message))
        return
      }
    }
    done()
  })
}

/** The longest URL answered as a request: longer is 414 (Node itself stops at 16 KiB of headers). */
export const maxUrlBytes = 8192

/** The 414 answer to a URL over `maxUrlBytes` (its length, not the URL itself). */
export function uriTooLong(url: string): ErrorBody {
  return {
    error: {
      code: 'uri-too-long',
      message: `the URL is ${url.length} bytes, over ${maxUrlBytes}; send long input in a body`,
      details: [],
    },
  }
}

const clientErrors: Readonly<Record<string, readonly [number, string, string, string]>> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers-too-large',
    'the request line and headers exceed 16 KiB; send long input in a body',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request-timeout',
    'the request did not arrive in time',
  ],
}

/**
 * Answers what Node refuses before Fastify sees a request (headers over 16 KiB, a malformed
 * request line, a timeout) in the API's error shape, instead of Node's or Fastify's own body.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return
  }
  const [status, reason, code, message] = clientErrors[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'invalid-input',
    'the request is not valid HTTP',
  ]
  const body = JSON.stringify({ error: { code, message, details: [] } })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}
