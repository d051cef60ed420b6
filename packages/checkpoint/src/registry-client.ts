import { ZhisuanError, type ErrorCode } from '@zhisuan/domain'

/** `pending` (shards on their way), `committed`, `failed` (a shard corrupt), `deleted`. */
export type CheckpointState = 'pending' | 'committed' | 'failed' | 'deleted'

/** `expected` (registered, not reported), `local`, `durable` (verified), `corrupt`. */
export type ShardState = 'expected' | 'local' | 'durable' | 'corrupt'

/** One shard as the registry knows it. */
export interface ShardRecord {
  readonly path: string
  readonly size: number
  readonly sha256?: string | null
  readonly state: ShardState
  readonly location?: string | null
}

/** One checkpoint as the registry knows it. */
export interface CheckpointRecord {
  readonly id: string
  readonly step: number
  readonly state: CheckpointState
  readonly shards: readonly ShardRecord[]
}

/** `POST …/checkpoints`: what a finished local checkpoint declares. */
export interface RegisterCheckpointBody {
  readonly step: number
  readonly shards: readonly {
    readonly path: string
    readonly size: number
    readonly sha256?: string
  }[]
  readonly tag?: string
}

/** `POST …/checkpoints/{id}/shards`: one shard copied (and hashed) to a tier. */
export interface ShardReportBody {
  readonly path: string
  readonly size: number
  readonly sha256: string
  readonly tier: 'local' | 'durable'
  readonly location?: string
}

/** What the registry answers to a shard report. */
export interface ShardReportResult {
  readonly checkpoint: { readonly id: string; readonly state: CheckpointState }
  readonly shard: { readonly path: string; readonly state: ShardState }
}

/**
 * The checkpoint registry as the uploader sees it. {@link HttpRegistryClient} talks to the
 * control plane; tests use `MemoryRegistry` from `./testing.js`.
 */
export interface RegistryClient {
  /** A job's checkpoints (any order). */
  list(jobId: string): Promise<readonly CheckpointRecord[]>
  /** The newest committed checkpoint, or `undefined` when there is none. */
  latest(jobId: string): Promise<CheckpointRecord | undefined>
  /** Registers a checkpoint; the registry answers the existing one for a step it has. */
  register(jobId: string, body: RegisterCheckpointBody): Promise<CheckpointRecord>
  /** Reports one shard; the answer says whether the checkpoint committed. */
  reportShard(
    jobId: string,
    checkpointId: string,
    body: ShardReportBody,
  ): Promise<ShardReportResult>
}

const codeOfStatus = (status: number): ErrorCode =>
  status === 401
    ? 'unauthorized'
    : status === 403
      ? 'forbidden'
      : status === 404
        ? 'not-found'
        : status === 409
          ? 'conflict'
          : status >= 500 || status === 429
            ? 'unavailable'
            : 'invalid-input'

/**
 * The registry's HTTP API (`/api/v1/jobs/{jobId}/checkpoints…`) with a bearer token.
 * Every method throws ZhisuanError `unavailable` when the server cannot be reached, answers 5xx
 * or 429, or does not answer within `timeoutMs`; `unauthorized`, `forbidden`, `not-found`,
 * `conflict` or `invalid-input` for the other 4xx.
 * @example
 * const registry = new HttpRegistryClient('http://cp:7070', token)
 * const latest = await registry.latest('job-42')
 */
export class HttpRegistryClient implements RegistryClient {
  private readonly server: string

  constructor(
    server: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.server = server.replace(/\/+$/, '')
  }

  async list(jobId: string): Promise<readonly CheckpointRecord[]> {
    const page = await this.request<{ items: CheckpointRecord[] }>('GET', this.path(jobId))
    return page.items
  }

  async latest(jobId: string): Promise<CheckpointRecord | undefined> {
    try {
      return await this.request<CheckpointRecord>('GET', `${this.path(jobId)}/latest`)
    } catch (error) {
      if (error instanceof ZhisuanError && error.code === 'not-found') {
        return undefined
      }
      throw error
    }
  }

  register(jobId: string, body: RegisterCheckpointBody): Promise<CheckpointRecord> {
    return this.request('POST', this.path(jobId), body)
  }

  reportShard(
    jobId: string,
    checkpointId: string,
    body: ShardReportBody,
  ): Promise<ShardReportResult> {
    return this.request(
      'POST',
      `${this.path(jobId)}/${encodeURIComponent(checkpointId)}/shards`,
      body,
    )
  }

  private path(jobId: string): string {
    return `/api/v1/jobs/${encodeURIComponent(jobId)}/checkpoints`
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response
    let text: string
    try {
      response = await fetch(`${this.server}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      text = await response.text()
    } catch (cause) {
      throw new ZhisuanError(
        'unavailable',
        `cannot reach ${this.server}: ${(cause as Error).message}`,
        { cause },
      )
    }
    if (!response.ok) {
      throw new ZhisuanError(
        codeOfStatus(response.status),
        `${method} ${path}: ${response.status}: ${text.slice(0, 500)}`,
      )
    }
    return JSON.parse(text) as T
  }
}
