/** Every code a Zhisuan error can carry. `server` maps each one to an HTTP status. */
export type ErrorCode =
  | 'invalid-input'
  | 'invalid-config'
  | 'not-found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'too-many-requests'
  | 'internal'

/** One problem found while validating a document, located by field path and, when known, line. */
export interface ValidationIssue {
  /** Field path in the document, e.g. `pools[2].accelerator`; empty for the document root. */
  readonly path: string
  /** What was wrong and what was expected. */
  readonly message: string
  /** 1-based line and column in the source text, when the document came from text. */
  readonly line?: number
  readonly column?: number
}

/**
 * The one error type of Zhisuan. Expected outcomes (a job that cannot be placed) are values;
 * a `ZhisuanError` means bad input, a missing thing or a broken dependency.
 */
export class ZhisuanError extends Error {
  override readonly name = 'ZhisuanError'
  readonly code: ErrorCode
  /** Validation problems, when `code` is `invalid-input` or `invalid-config`. */
  readonly issues: readonly ValidationIssue[]
  /** When `code` is `too-many-requests` or `unavailable`: seconds until a retry may succeed. */
  readonly retryAfterS: number | undefined

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; issues?: readonly ValidationIssue[]; retryAfterS?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.issues = options?.issues ?? []
    this.retryAfterS = options?.retryAfterS
  }
}

/** Formats issues one per line as `source:line:col: path: message`, the way compilers do. */
export function formatIssues(source: string, issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => {
      const where =
        issue.line === undefined ? source : `${source}:${issue.line}:${issue.column ?? 1}`
      return issue.path === ''
        ? `${where}: ${issue.message}`
        : `${where}: ${issue.path}: ${issue.message}`
    })
    .join('\n')
}

/** Exhaustiveness check for tagged unions: reaching it is a compile error. */
export function assertNever(value: never): never {
  throw new ZhisuanError('internal', `unexpected value: ${JSON.stringify(value)}`)
}
