import { readFileSync } from 'node:fs'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'
import { ClusterState } from '@zhisuan/scheduler'
import { TwinBackend, type TwinBackendOptions } from '@zhisuan/sim'
import { Store } from '@zhisuan/store'
import { buildApp, type AppOptions } from './app.js'
import { newToken, systemTenant } from './auth.js'
import type { Reconciler, ReconcilerOptions } from './reconciler.js'

/** The lab-64 example: 8 H100 nodes in 2 blocks. */
export function labCluster(): Cluster {
  const url = new URL('../../../examples/clusters/lab-64.yaml', import.meta.url)
  return parseClusterFile('lab-64.yaml', readFileSync(url, 'utf8'), defaultCatalog())
}

/** An app on a store with a fake clock the test moves, and a twin at speed 1. */
export interface AppFixture {
  readonly app: FastifyInstance
  readonly reconciler: Reconciler
  readonly twin: TwinBackend
  readonly store: Store
  readonly adminToken: string
  /** Unix seconds now; `advance` moves it. */
  now(): number
  advance(seconds: number): void
  /** Issues a token through the API. */
  token(tenant: string, role: 'admin' | 'member' | 'viewer' | 'node'): Promise<string>
  /** Posts an agent's report about `node` (with the admin token unless another is given). */
  report(node: string, body: unknown, token?: string): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

export async function appFixture(
  store: Store,
  cluster = labCluster(),
  /** Twin settings beside the nodes, clock and journal (a repair time, say). */
  twinOptions: Partial<Pick<TwinBackendOptions, 'repairS' | 'speed' | 'seed'>> = {},
  /** The twin's cluster model in the loop (restart delay, checkpoint stall). */
  lifecycle?: ReconcilerOptions['lifecycle'],
  /** App settings beside these: limits (`limits.ts` has the defaults), a console, a logger. */
  appOptions: Pick<AppOptions, 'limits' | 'consoleDir' | 'logger'> = {},
): Promise<AppFixture> {
  let t = 1_800_000_000
  const clock = () => t
  const twin = await TwinBackend.open({
    ...twinOptions,
    nodes: ClusterState.fromCluster(cluster).nodes.map((n) => n.name),
    clock,
    journal: {
      load: () => store.twinRuns(),
      put: (run) => store.putTwinRun(run),
      remove: (jobId) => store.removeTwinRun(jobId),
    },
  })
  const { app, reconciler } = await buildApp({
    store,
    backend: twin,
    cluster,
    catalog: defaultCatalog(),
    clock,
    holder: 'test',
    ...appOptions,
    // the loop counts an attempt's work at the twin's speed, as `zhisuan up` tells it
    ...(lifecycle === undefined && twinOptions.speed === undefined
      ? {}
      : {
          lifecycle: {
            ...lifecycle,
            ...(twinOptions.speed === undefined ? {} : { speed: twinOptions.speed }),
          },
        }),
  })
  const admin = newToken()
  await store.createToken({
    id: admin.id,
    hash: admin.hash,
    tenant: systemTenant,
    role: 'admin',
    label: 'test admin',
    createdAt: t,
  })
  return {
    app,
    reconciler,
    twin,
    store,
    adminToken: admin.token,
    now: clock,
    advance(seconds) {
      t += seconds
    },
    async token(tenant, role) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { authorization: `Bearer ${admin.token}` },
        payload: { tenant, role },
      })
      return r.json<{ token: string }>().token
    },
    report(node, body, token = admin.token) {
      return app.inject({
        method: 'POST',
        url: `/api/v1/nodes/${node}/report`,
        headers: { authorization: `Bearer ${token}` },
        payload: body as object,
      })
    },
    async close() {
      await reconciler.stop()
      await app.close()
    },
  }
}

/** `appFixture` on a fresh SQLite store in memory, which its `close` closes too. */
export async function memoryAppFixture(
  ...options: Parameters<typeof appFixture> extends [Store, ...infer Rest] ? Rest : never
): Promise<AppFixture> {
  const store = await Store.open(':memory:')
  const fx = await appFixture(store, ...options)
  return {
    ...fx,
    async close() {
      await fx.close()
      await store.close()
    },
  }
}

/** One API call with a bearer token: the status and the JSON answer (`{}` when empty). */
export async function callApi(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await r.text()
  return {
    status: r.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  }
}

/** Polls `probe` every 100 ms until it gives a value. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) {
      return value
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
