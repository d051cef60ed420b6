import { ZhisuanError, type ErrorCode } from '@zhisuan/domain'
import {
  slurmApiVersion,
  type SlurmAnswerMeta,
  type SlurmError,
  type SlurmJob,
  type SlurmJobSubmission,
  type SlurmJobsAnswer,
  type SlurmNode,
  type SlurmNodesAnswer,
  type SlurmOpenApiDocument,
  type SlurmPingAnswer,
  type SlurmSubmitAnswer,
} from './api.js'

export interface SlurmRestClientOptions {
  /** slurmrestd's base URL, e.g. `http://127.0.0.1:6820` (no API path). */
  readonly url: string
  /** Sent as `X-SLURM-USER-NAME`; must be the user the token was made for (`sun` claim). */
  readonly user: string
  /** A Slurm JWT (`scontrol token`), sent as `X-SLURM-USER-TOKEN` (not `Authorization: Bearer`). */
  readonly token: string
  /** Milliseconds before one request is abandoned; default 10,000. */
  readonly timeoutMs?: number
  /** Extra tries after the first for a call that may be retried; default 3. */
  readonly retries?: number
  /** First backoff delay in ms, doubled for each further try (capped at 2 s); default 200. */
  readonly retryDelayMs?: number
  /** The fetch to use (tests pass a fake); default the global one. */
  readonly fetch?: typeof fetch
}

/**
 * A slurmrestd error: the call (method and path), the HTTP status (0 when no answer came)
 * and slurmrestd's own messages. `code` is `unavailable` when slurmrestd or slurmctld could not
 * be reached (or answered 5xx past the retries), `invalid-input` when it refused the request,
 * `not-found` for an unknown job or node, `unauthorized` for a refused token.
 */
export class SlurmRestError extends ZhisuanError {
  /**
   * A submit Slurm took but said it cannot run as asked: the id of the job it made (which
   * waits in Slurm until someone cancels it).
   */
  readonly acceptedJobId: number | undefined

  constructor(
    code: ErrorCode,
    message: string,
    readonly endpoint: string,
    readonly status: number,
    readonly slurmErrors: readonly SlurmError[],
    options?: { cause?: unknown; acceptedJobId?: number },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.acceptedJobId = options?.acceptedJobId
  }
}

/** Whether a call may be sent again after a failure whose outcome is unknown. */
type Retry = 'idempotent' | 'unsent-only'

interface RawAnswer {
  readonly status: number
  readonly body: unknown
  readonly text: string
}

/** Slurm errno values of ESLURM_* errors: the request was understood and refused, no retry. */
const refusal = (n: number): boolean => n >= 2000 && n < 3000

/**
 * A client for slurmrestd's `/slurm/v0.0.38` API with JWT auth. Every call has a timeout;
 * reads and cancels are retried with exponential backoff on connection errors, timeouts and
 * 5xx answers that are not a refusal (Slurm's ESLURM_* errors); a submit is retried only when
 * the connection was refused, i.e. when it surely never reached the server. Errors name the
 * endpoint and carry slurmrestd's message.
 */
export class SlurmRestClient {
  readonly baseUrl: string
  private readonly fetchFn: typeof fetch
  private readonly headers: Readonly<Record<string, string>>

  constructor(private readonly options: SlurmRestClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '')
    this.fetchFn = options.fetch ?? fetch
    this.headers = {
      'X-SLURM-USER-NAME': options.user,
      'X-SLURM-USER-TOKEN': options.token,
      Accept: 'application/json',
    }
  }

  /** Opens a client after checking that slurmrestd answers and serves API v0.0.38. */
  static async connect(options: SlurmRestClientOptions): Promise<SlurmRestClient> {
    const client = new SlurmRestClient(options)
    await client.checkVersion()
    return client
  }

  /**
   * Reads `GET /openapi/v3` and fails with `unavailable`, naming the version found, unless the
   * server serves OpenAPI plugin v0.0.38.
   */
  async checkVersion(): Promise<{ readonly version: string }> {
    const doc = (await this.call('GET', '/openapi/v3', 'idempotent')).body as SlurmOpenApiDocument
    const version = doc.info?.version ?? '(none)'
    const paths = Object.keys(doc.paths ?? {})
    if (version === slurmApiVersion || paths.includes(`/slurm/v${slurmApiVersion}/job/submit`)) {
      return { version }
    }
    const served = [
      ...new Set(paths.map((p) => /^\/slurm\/(v[\d.]+)\//.exec(p)?.[1]).filter((v) => v)),
    ]
    throw new ZhisuanError(
      'unavailable',
      `slurmrestd at ${this.baseUrl} serves OpenAPI version ${version}` +
        (served.length > 0 ? ` (paths for ${served.join(', ')})` : '') +
        `; Zhisuan's Slurm backend needs v${slurmApiVersion} (Slurm 22.05 with slurmrestd ` +
        `-s openapi/v${slurmApiVersion})`,
    )
  }

  async ping(): Promise<SlurmPingAnswer> {
    return (await this.api('GET', '/ping', 'idempotent')).body as SlurmPingAnswer
  }

  /**
   * `GET /jobs`, every job slurmctld still remembers (finished ones for `MinJobAge`). With
   * `updateTime` (Unix seconds) the answer is `undefined` when nothing changed since then
   * (HTTP 304); otherwise it is the full list, not a delta.
   */
  async jobs(updateTime?: number): Promise<readonly SlurmJob[] | undefined> {
    const query = updateTime === undefined ? '' : `?update_time=${Math.floor(updateTime)}`
    const answer = await this.api('GET', `/jobs${query}`, 'idempotent')
    if (answer.status === 304) {
      return undefined
    }
    return (answer.body as SlurmJobsAnswer).jobs ?? []
  }

  /** `GET /job/{id}`; `undefined` when slurmctld does not know the job (any more). */
  async job(jobId: number): Promise<SlurmJob | undefined> {
    try {
      const answer = await this.api('GET', `/job/${jobId}`, 'idempotent')
      return (answer.body as SlurmJobsAnswer).jobs?.[0] ?? undefined
    } catch (error) {
      if (error instanceof SlurmRestError && error.code === 'not-found') {
        return undefined
      }
      throw error
    }
  }

  /**
   * `GET /nodes`, always the full list: `?update_time` answers 500 when only a node changed
   * (slurmrestd 22.05), so it is never sent.
   */
  async nodes(): Promise<readonly SlurmNode[]> {
    return ((await this.api('GET', '/nodes', 'idempotent')).body as SlurmNodesAnswer).nodes ?? []
  }

  /**
   * `POST /job/submit`; the new Slurm job id.
   * @throws SlurmRestError `invalid-input` when Slurm refuses the job, and also when it takes
   * the job but answers with errors: that job cannot run as asked and would wait in Slurm
   * (e.g. a time limit past the partition's MaxTime under `EnforcePartLimits=NO`: HTTP 200,
   * error 2015 and a job id). Such an error carries the job's id in `acceptedJobId`.
   */
  async submit(submission: SlurmJobSubmission): Promise<number> {
    const answer = await this.api('POST', '/job/submit', 'unsent-only', submission)
    const body = answer.body as SlurmSubmitAnswer
    const path = `/slurm/v${slurmApiVersion}/job/submit`
    if (typeof body.job_id !== 'number') {
      throw this.failure('POST', path, answer, 'invalid-input')
    }
    if ((body.errors ?? []).length > 0) {
      const said = this.failure('POST', path, answer, 'invalid-input')
      throw new SlurmRestError(
        'invalid-input',
        `${said.message} (Slurm made job ${body.job_id}, which cannot run as asked)`,
        said.endpoint,
        said.status,
        said.slurmErrors,
        { acceptedJobId: body.job_id },
      )
    }
    return body.job_id
  }

  /**
   * `DELETE /job/{id}` (cancel, or send `signal`). A job slurmctld does not know is not an
   * error; one that already ended is not either (slurmrestd answers 200).
   */
  async cancel(jobId: number, signal?: string): Promise<void> {
    const query = signal === undefined ? '' : `?signal=${encodeURIComponent(signal)}`
    try {
      await this.api('DELETE', `/job/${jobId}${query}`, 'idempotent')
    } catch (error) {
      if (error instanceof SlurmRestError && error.code === 'not-found') {
        return
      }
      throw error
    }
  }

  /** A call under `/slurm/v0.0.38`. */
  private api(method: string, path: string, retry: Retry, body?: unknown): Promise<RawAnswer> {
    return this.call(method, `/slurm/v${slurmApiVersion}${path}`, retry, body)
  }

  private async call(
    method: string,
    path: string,
    retry: Retry,
    body?: unknown,
  ): Promise<RawAnswer> {
    const retries = Math.max(0, this.options.retries ?? 3)
    const baseDelay = this.options.retryDelayMs ?? 200
    let lastError: SlurmRestError | undefined
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        await sleep(Math.min(2000, baseDelay * 2 ** (attempt - 1)))
      }
      let response: Response
      try {
        response = await this.fetchFn(this.baseUrl + path, {
          method,
          headers:
            body === undefined
              ? this.headers
              : { ...this.headers, 'Content-Type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        })
      } catch (error) {
        const unsent = connectionRefused(error)
        lastError = new SlurmRestError(
          'unavailable',
          `slurmrestd at ${this.baseUrl} is unreachable (${method} ${path}` +
            `${attempt > 0 ? `, ${attempt + 1} tries` : ''}): ${describeFetchError(error)}`,
          `${method} ${path}`,
          0,
          [],
          { cause: error },
        )
        if (retry === 'idempotent' || unsent) {
          continue
        }
        throw lastError
      }
      const text = await response.text().catch(() => '')
      let parsed: unknown = undefined
      if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text)
        } catch {
          parsed = undefined
        }
      }
      const answer: RawAnswer = { status: response.status, body: parsed ?? {}, text }
      if (response.status === 304 || (response.status >= 200 && response.status < 300)) {
        if (parsed === undefined && response.status !== 304 && response.status !== 204) {
          throw new SlurmRestError(
            'unavailable',
            `slurmrestd ${method} ${path}: HTTP ${response.status} with a body that is not JSON: ` +
              JSON.stringify(text.slice(0, 200)),
            `${method} ${path}`,
            response.status,
            [],
          )
        }
        return answer
      }
      const failure = this.failure(method, path, answer)
      const codes = failure.slurmErrors.map(errno).filter((n): n is number => n !== undefined)
      const transient = response.status >= 500 && !codes.some(refusal)
      if (transient && retry === 'idempotent' && attempt < retries) {
        lastError = failure
        continue
      }
      throw failure
    }
    throw (
      lastError ??
      new SlurmRestError('unavailable', `slurmrestd ${method} ${path} failed`, path, 0, [])
    )
  }

  /** The error for an answer that is not a success. */
  private failure(
    method: string,
    path: string,
    answer: RawAnswer,
    fallback: ErrorCode = 'unavailable',
  ): SlurmRestError {
    const errors = ((answer.body as SlurmAnswerMeta).errors ?? []).filter(
      (e): e is SlurmError => typeof e === 'object',
    )
    const messages = errors.map((e) => {
      const n = errno(e)
      const text = [e.error, e.description]
        .filter((s): s is string => typeof s === 'string' && s !== '')
        .filter((s, i, all) => all.indexOf(s) === i)
        .join(': ')
      return n === undefined ? text : `${text} (error ${n})`
    })
    const said =
      messages.length > 0
        ? messages.join('; ')
        : answer.text.trim() !== ''
          ? answer.text.trim().slice(0, 300)
          : '(no message)'
    const codes = errors.map(errno)
    let code: ErrorCode = fallback
    if (answer.status === 401 || answer.status === 403) {
      code = 'unauthorized'
    } else if (codes.includes(2017) || codes.includes(2018)) {
      // ESLURM_INVALID_JOB_ID / ESLURM_INVALID_NODE_NAME
      code = method === 'POST' ? 'invalid-input' : 'not-found'
    } else if (answer.status >= 400 && answer.status < 500) {
      code = 'invalid-input'
    } else if (codes.some((n) => n !== undefined && refusal(n))) {
      code = 'invalid-input'
    } else if (answer.status >= 500) {
      code = 'unavailable'
    }
    const hint = said.includes('slurmctld config is unable to load')
      ? ' (slurmrestd says this for a token it cannot verify: check the JWT and the user name)'
      : answer.status === 401
        ? ' (both X-SLURM-USER-NAME and X-SLURM-USER-TOKEN are needed)'
        : ''
    return new SlurmRestError(
      code,
      `slurmrestd ${method} ${path}: HTTP ${answer.status}: ${said}${hint}`,
      `${method} ${path}`,
      answer.status,
      errors,
    )
  }
}

function errno(e: SlurmError): number | undefined {
  for (const n of [e.error_number, e.error_code, e.errno]) {
    if (typeof n === 'number') {
      return n
    }
  }
  return undefined
}

/** Whether fetch failed before anything was sent (the server refused the connection). */
function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  return cause?.code === 'ECONNREFUSED'
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') {
      return 'no answer before the timeout'
    }
    const cause = (error as { cause?: unknown }).cause
    if (cause instanceof Error) {
      return `${error.message}: ${cause.message}`
    }
    return error.message
  }
  return String(error)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
