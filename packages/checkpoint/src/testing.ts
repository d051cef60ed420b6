import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ZhisuanError, type ErrorCode } from '@zhisuan/domain'
import type {
  CheckpointRecord,
  CheckpointState,
  RegisterCheckpointBody,
  RegistryClient,
  ShardRecord,
  ShardReportBody,
  ShardReportResult,
  ShardState,
} from './registry-client.js'

interface Stored {
  readonly id: string
  readonly jobId: string
  readonly step: number
  state: CheckpointState
  readonly shards: {
    readonly path: string
    readonly size: number
    readonly expected: string | undefined
    sha256: string | null
    state: ShardState
    location: string | null
  }[]
}

const snapshot = (c: Stored): CheckpointRecord => ({
  id: c.id,
  step: c.step,
  state: c.state,
  shards: c.shards.map((s): ShardRecord => ({
    path: s.path,
    size: s.size,
    sha256: s.sha256,
    state: s.state,
    location: s.location,
  })),
})

/**
 * An in-memory checkpoint registry with the control plane's rules: registering a step again
 * returns the checkpoint it has (a `conflict` when the shards differ); a durable shard whose size or SHA-256 differs from what was
 * declared is `corrupt` and fails its checkpoint; the last durable shard commits it.
 * For tests and benchmarks.
 */
export class MemoryRegistry implements RegistryClient {
  /** Every shard report, in the order they came. */
  readonly reports: { readonly checkpointId: string; readonly body: ShardReportBody }[] = []
  /** How many of the next calls fail with `unavailable` (a registry outage). */
  failNext = 0
  private readonly stored = new Map<string, Stored>()

  list(jobId: string): Promise<readonly CheckpointRecord[]> {
    return this.answer(() =>
      [...this.stored.values()]
        .filter((c) => c.jobId === jobId)
        .sort((a, b) => b.step - a.step)
        .map(snapshot),
    )
  }

  latest(jobId: string): Promise<CheckpointRecord | undefined> {
    return this.answer(() => {
      const committed = [...this.stored.values()]
        .filter((c) => c.jobId === jobId && c.state === 'committed')
        .sort((a, b) => b.step - a.step)[0]
      return committed === undefined ? undefined : snapshot(committed)
    })
  }

  register(jobId: string, body: RegisterCheckpointBody): Promise<CheckpointRecord> {
    return this.answer(() => {
      const existing = [...this.stored.values()].find(
        (c) => c.jobId === jobId && c.step === body.step,
      )
      if (existing !== undefined) {
        const same =
          existing.shards.length === body.shards.length &&
          body.shards.every((b) =>
            existing.shards.some((e) => e.path === b.path && e.size === b.size),
          )
        if (!same) {
          throw new ZhisuanError('conflict', `step ${body.step} is registered with other shards`)
        }
        return snapshot(existing)
      }
      const created: Stored = {
        id: `ckpt-${this.stored.size + 1}`,
        jobId,
        step: body.step,
        state: 'pending',
        shards: body.shards.map((s) => ({
          path: s.path,
          size: s.size,
          expected: s.sha256,
          sha256: null,
          state: 'expected',
          location: null,
        })),
      }
      this.stored.set(created.id, created)
      return snapshot(created)
    })
  }

  reportShard(
    jobId: string,
    checkpointId: string,
    body: ShardReportBody,
  ): Promise<ShardReportResult> {
    return this.answer(() => {
      const checkpoint = this.stored.get(checkpointId)
      const shard = checkpoint?.shards.find((s) => s.path === body.path)
      if (checkpoint?.jobId !== jobId || shard === undefined) {
        throw new ZhisuanError('not-found', `no shard ${body.path} in ${checkpointId}`)
      }
      this.reports.push({ checkpointId, body })
      const matches =
        body.size === shard.size && (shard.expected === undefined || shard.expected === body.sha256)
      if (shard.state !== 'durable') {
        shard.sha256 = body.sha256
        shard.location = body.location ?? null
        shard.state = !matches ? 'corrupt' : body.tier === 'durable' ? 'durable' : 'local'
      }
      if (shard.state === 'corrupt' && checkpoint.state === 'pending') {
        checkpoint.state = 'failed'
      }
      if (checkpoint.state === 'pending' && checkpoint.shards.every((s) => s.state === 'durable')) {
        checkpoint.state = 'committed'
      }
      return {
        checkpoint: { id: checkpoint.id, state: checkpoint.state },
        shard: { path: shard.path, state: shard.state },
      }
    })
  }

  private answer<T>(work: () => T): Promise<T> {
    if (this.failNext > 0) {
      this.failNext--
      return Promise.reject(new ZhisuanError('unavailable', 'registry down (injected)'))
    }
    return new Promise((resolve) => {
      resolve(work())
    })
  }
}

const statusOf: Partial<Record<ErrorCode, number>> = {
  'not-found': 404,
  conflict: 409,
  unauthorized: 401,
  unavailable: 503,
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of request) {
    text += (chunk as Buffer).toString('utf8')
  }
  return JSON.parse(text)
}

/**
 * Serves a {@link MemoryRegistry} over the control plane's checkpoint routes, with bearer-token
 * auth, on a free port of 127.0.0.1. `close()` stops it.
 */
export async function serveRegistry(
  registry: RegistryClient,
  token: string,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const route = async (request: IncomingMessage): Promise<[number, unknown]> => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      throw new ZhisuanError('unauthorized', 'bad token')
    }
    const url = new URL(request.url ?? '/', 'http://registry')
    const match = /^\/api\/v1\/jobs\/([^/]+)\/checkpoints(?:\/([^/]+))?(\/shards)?$/.exec(
      url.pathname,
    )
    const jobId = decodeURIComponent(match?.[1] ?? '')
    const id = match?.[2] === undefined ? undefined : decodeURIComponent(match[2])
    if (match === null) {
      throw new ZhisuanError('not-found', url.pathname)
    }
    if (request.method === 'GET' && id === undefined) {
      return [200, { items: await registry.list(jobId) }]
    }
    if (request.method === 'GET' && id === 'latest') {
      const latest = await registry.latest(jobId)
      return latest === undefined ? [404, { error: 'none committed' }] : [200, latest]
    }
    if (request.method === 'POST' && id === undefined) {
      return [201, await registry.register(jobId, (await bodyOf(request)) as never)]
    }
    if (request.method === 'POST' && id !== undefined && match[3] !== undefined) {
      return [200, await registry.reportShard(jobId, id, (await bodyOf(request)) as never)]
    }
    throw new ZhisuanError('not-found', `${request.method ?? ''} ${url.pathname}`)
  }
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    route(request)
      .catch((error: unknown): [number, unknown] => [
        error instanceof ZhisuanError ? (statusOf[error.code] ?? 400) : 500,
        { error: (error as Error).message },
      ])
      .then(([status, body]) => {
        response.writeHead(status, { 'content-type': 'application/json' })
        response.end(JSON.stringify(body))
      })
      .catch(() => response.destroy())
  }
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
