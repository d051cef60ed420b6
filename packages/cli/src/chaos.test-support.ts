import { exec } from 'node:child_process'
import { createConnection, createServer, type Socket } from 'node:net'
import { promisify } from 'node:util'
import { callApi, until, type Up } from './e2e.test-support.js'

// What the chaos suites share: the switch, the PostgreSQL they stop and start, a load of many
// clients that counts every answer, a TCP proxy that can hold a connection's packets, and the
// checks that nothing acknowledged was lost and nothing ran twice.

/**
 * Whether the chaos suites run: `ZHISUAN_TEST_CHAOS=1`, which .ci/run sets only in a phase of
 * its own after `npm test` (they stop the PostgreSQL every other suite uses).
 */
export const chaosOn = process.env['ZHISUAN_TEST_CHAOS'] === '1'

/** What the chaos suites need from the environment. */
export interface ChaosEnv {
  /** A PostgreSQL role that may create databases (ZHISUAN_TEST_POSTGRES_URL). */
  readonly postgres: string
  /** Shell commands that stop PostgreSQL (`pg_ctl -m fast stop`) and start it again. */
  readonly stopPostgres: string
  readonly startPostgres: string
}

/**
 * The chaos suites' environment.
 * @throws Error naming the variable missing: switched on, a suite without its service fails.
 */
export function chaosEnv(): ChaosEnv {
  const need = (name: string) => {
    const value = process.env[name]
    if (value === undefined || value === '') {
      throw new Error(`ZHISUAN_TEST_CHAOS=1 but ${name} is not set (see .ci/run)`)
    }
    return value
  }
  return {
    postgres: need('ZHISUAN_TEST_POSTGRES_URL'),
    stopPostgres: need('ZHISUAN_TEST_POSTGRES_STOP'),
    startPostgres: need('ZHISUAN_TEST_POSTGRES_START'),
  }
}

/** Runs a shell command line without blocking the event loop (the load goes on meanwhile). */
export const sh = async (command: string): Promise<void> => {
  await promisify(exec)(command, { timeout: 60_000 })
}

/** Many clients submitting and reading at once, and every answer they got. */
export interface Load {
  /** Ids of the jobs the API answered 201 for: acknowledged, so they must never be lost. */
  readonly acked: readonly string[]
  /** Answers by HTTP status; `network` for a request that got none. */
  readonly statuses: ReadonlyMap<string, number>
  /** 503 answers without a Retry-After header. */
  readonly without503RetryAfter: number
  /** When (Date.now()) each 201 came. */
  readonly ackedAt: readonly number[]
  stop(): Promise<void>
}

/**
 * Starts `clients` clients, each submitting `job(n)` and reading (its job, then the job list) in
 * turn with `pauseMs` between requests, until `stop()`.
 */
export function startLoad(
  server: Up,
  token: string,
  clients: number,
  job: (n: number) => Record<string, unknown>,
  pauseMs = 10,
): Load {
  const acked: string[] = []
  const ackedAt: number[] = []
  const statuses = new Map<string, number>()
  const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1)
  let without503RetryAfter = 0
  let stopped = false
  let n = 0
  const request = async (method: string, path: string, body?: unknown) => {
    try {
      const r = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      })
      const text = await r.text()
      count(String(r.status))
      if (r.status === 503 && r.headers.get('retry-after') === null) {
        without503RetryAfter++
      }
      return { status: r.status, body: JSON.parse(text) as Record<string, unknown> }
    } catch {
      count('network')
      return undefined
    }
  }
  const client = async () => {
    let last: string | undefined
    while (!stopped) {
      const submitted = await request('POST', '/api/v1/jobs', job(n++))
      if (submitted?.status === 201) {
        last = submitted.body['id'] as string
        acked.push(last)
        ackedAt.push(Date.now())
      }
      if (last !== undefined) {
        await request('GET', `/api/v1/jobs/${last}`)
      }
      await request('GET', '/api/v1/jobs?limit=20')
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
  const running = Array.from({ length: clients }, client)
  return {
    acked,
    ackedAt,
    statuses,
    get without503RetryAfter() {
      return without503RetryAfter
    },
    async stop() {
      stopped = true
      await Promise.all(running)
    },
  }
}

/** Every job of the store, through the API, a page at a time. */
export async function allJobs(server: Up, token: string): Promise<Record<string, unknown>[]> {
  const jobs: Record<string, unknown>[] = []
  let after = ''
  for (;;) {
    const page = (await callApi(server.url, token, 'GET', `/api/v1/jobs?limit=500${after}`)).body[
      'items'
    ] as Record<string, unknown>[]
    jobs.push(...page)
    if (page.length < 500) {
      return jobs
    }
    after = `&after=${String(page[page.length - 1]?.['id'])}`
  }
}

/** Waits until every job of the store has succeeded; the jobs. */
export const allSucceeded = (server: Up, token: string, timeoutMs: number) =>
  until(
    'every job to succeed',
    async () => {
      const jobs = await allJobs(server, token)
      return jobs.every((j) => j['state'] === 'succeeded') ? jobs : undefined
    },
    timeoutMs,
  )

/**
 * The jobs that did not run exactly once: another attempt than the first, a restart, or events
 * other than submitted → placed → succeeded (a second placement, a requeue, a launch refused).
 */
export async function ranOtherThanOnce(
  server: Up,
  token: string,
  jobs: readonly Record<string, unknown>[],
): Promise<string[]> {
  const odd: string[] = []
  for (const job of jobs) {
    const id = String(job['id'])
    const events = (await callApi(server.url, token, 'GET', `/api/v1/jobs/${id}/events`)).body[
      'items'
    ] as { kind: string }[]
    const kinds = events.map((e) => e.kind).join(' → ')
    if (
      job['attempt'] !== 1 ||
      job['restarts'] !== 0 ||
      kinds !== 'submitted → placed → succeeded'
    ) {
      odd.push(`${id}: attempt ${String(job['attempt'])}, ${kinds}`)
    }
  }
  return odd
}

/** A chunk a client sent through the proxy, and when it came (Date.now()). */
export interface Sent {
  readonly at: number
  readonly text: string
}

/** A TCP proxy in front of one address, which can hold its connections' packets. */
export interface TcpProxy {
  readonly port: number
  /** What clients sent, as it came, held or not. */
  readonly sent: readonly Sent[]
  /**
   * Holds every packet both ways, as a cut network does, new connections' too: now, or from the
   * first chunk a client sends that matches `when` (that chunk held already).
   */
  blackhole(when?: RegExp): void
  /** When (Date.now()) the packets began to be held; undefined while they flow. */
  readonly heldSince: number | undefined
  /** Forwards again, what was held first (TCP would retransmit it). */
  heal(): void
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1 to `host:port`. */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sent: Sent[] = []
  const links = new Set<{ flush(): void; destroy(): void }>()
  let heldSince: number | undefined
  let armed: RegExp | undefined
  const server = createServer((client) => {
    const upstream = createConnection(port, host)
    const toUpstream: Buffer[] = []
    const toClient: Buffer[] = []
    const pipe = (from: Socket, to: Socket, held: Buffer[], log: boolean) =>
      from.on('data', (chunk: Buffer) => {
        if (log) {
          const text = chunk.toString('latin1')
          sent.push({ at: Date.now(), text })
          if (armed?.test(text) === true) {
            heldSince = Date.now()
            armed = undefined
          }
        }
        if (heldSince !== undefined) {
          held.push(chunk)
        } else {
          to.write(chunk)
        }
      })
    const link = {
      flush() {
        upstream.write(Buffer.concat(toUpstream.splice(0)))
        client.write(Buffer.concat(toClient.splice(0)))
      },
      destroy() {
        client.destroy()
        upstream.destroy()
      },
    }
    links.add(link)
    pipe(client, upstream, toUpstream, true)
    pipe(upstream, client, toClient, false)
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined)
      socket.on('close', () => {
        links.delete(link)
        link.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    sent,
    get heldSince() {
      return heldSince
    },
    blackhole(when) {
      if (when === undefined) {
        heldSince = Date.now()
      } else {
        armed = when
      }
    },
    heal() {
      heldSince = undefined
      for (const link of links) {
        link.flush()
      }
    },
    async close() {
      for (const link of links) {
        link.destroy()
      }
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
    },
  }
}

/** A PostgreSQL URL with its host and port replaced (to go through a proxy). */
export function viaPort(url: string, port: number): string {
  const u = new URL(url)
  u.hostname = '127.0.0.1'
  u.port = String(port)
  return u.toString()
}

/** The value of a counter or histogram count in a Prometheus text page (0 when absent). */
export function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? 0 : Number(line.slice(name.length + 1))
}
