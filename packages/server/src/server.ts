import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { ZhisuanError, type Catalog, type Cluster, type ExecutionBackend } from '@zhisuan/domain'
import type { FailureCategory } from '@zhisuan/sim'

/** Where scripts/slurm/up.sh writes the dev cluster's environment. */
export const defaultSlurmEnv = '/var/lib/zhisuan-slurm/env'
import { readEnvFile } from '@zhisuan/slurm'
import { Store, redact, type Durability } from '@zhisuan/store'
import { buildApp, defaultHolder } from './app.js'
import { newToken, systemTenant } from './auth.js'
import { lifecycleOf, openBackend, type BackendConfig } from './backends.js'
import { LoopThread } from './loop-thread.js'
import type { ReconcileLoop } from './reconcile-loop.js'
import type { ReconcilerOptions } from './reconciler.js'

export interface ServerOptions {
  readonly port: number
  readonly host: string
  /** Where the SQLite file and the admin token live. */
  readonly dataDir: string
  /** `sqlite` (a file in the data dir) or a `postgres://…` URL. */
  readonly store: string
  /** What an acknowledged write survives: `full` (default: power loss too) or `normal`. */
  readonly durability?: Durability
  readonly cluster: Cluster
  readonly catalog: Catalog
  /** `twin` (default) or `slurm`: a real Slurm cluster through slurmrestd. */
  readonly backend?: 'twin' | 'slurm'
  /** The Slurm backend's environment file (what scripts/slurm/up.sh writes). */
  readonly slurmEnv?: string
  /** Address ranks use to reach rank 0 on Slurm (default: the first node's name). */
  readonly slurmMasterAddress?: string
  /** Simulated seconds per wall second on the twin backend. */
  readonly twinSpeed: number
  /** Random node failures per 1,000 accelerators per simulated day on the twin; default none. */
  readonly twinFailureRate?: number
  /** Causes of the twin's random failures (a `zhisuan sim` preset's mix); default: all take the node. */
  readonly twinFailureMix?: readonly FailureCategory[]
  /** Simulated seconds a restarted run spends restoring on the twin (as `zhisuan sim --restart`); default 0. */
  readonly twinRestartS?: number
  /** Simulated seconds each checkpoint stalls a job on the twin (as `zhisuan sim --stall`); default 0. */
  readonly twinCheckpointStallS?: number
  readonly tickMs?: number
  readonly leaseTtlS?: number
  readonly logger?: FastifyServerOptions['logger']
  /**
   * Run the reconcile loop in a worker thread of its own (default), so scheduling never holds up
   * requests; `false` runs it in the API's thread (tests that import the sources, which a worker
   * thread cannot load).
   */
  readonly loopThread?: boolean
  /** The built web console to serve at `/` (its `dist`); none when undefined. */
  readonly consoleDir?: string
}

export interface RunningServer {
  readonly url: string
  readonly app: FastifyInstance
  readonly reconciler: ReconcileLoop
  readonly store: Store
  /** Path of the admin token file, when this start created one. */
  readonly adminTokenFile: string | undefined
  /** Finishes in-flight requests, stops the loop, closes the store. */
  close(): Promise<void>
}

/**
 * Starts the control plane: opens (and migrates) the store, listens, opens the backend (the twin
 * over the store's journal, in the loop's thread), issues the first admin token into `<dataDir>/admin-token` (mode 0600) when the
 * store has none, and starts the reconcile loop. A start that fails leaves nothing behind: the
 * loop thread stops, the store closes, and what this start created in the data dir (the dir
 * itself, or a new SQLite file in a dir that was there) is removed.
 * @throws ZhisuanError `unavailable` when the store or the port cannot be used.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir)
  const url = options.store === 'sqlite' ? join(dataDir, 'zhisuan.db') : options.store
  const created = await prepareDataDir(dataDir, options.store === 'sqlite' ? url : undefined)
  try {
    return await startOn(options, dataDir, url)
  } catch (error) {
    await Promise.all(created.map((path) => rm(path, { recursive: true, force: true })))
    throw error
  }
}

/**
 * Creates the data dir when it is missing; returns what a failed start must remove: the first
 * directory it created, or, in a dir that was there, the files it may create that were not.
 */
async function prepareDataDir(dataDir: string, sqliteFile: string | undefined): Promise<string[]> {
  const firstCreated = await mkdir(dataDir, { recursive: true, mode: 0o700 })
  if (firstCreated !== undefined) {
    return [firstCreated]
  }
  const mayCreate = [join(dataDir, 'admin-token')]
  if (sqliteFile !== undefined) {
    mayCreate.push(...['', '-wal', '-shm', '-journal'].map((suffix) => `${sqliteFile}${suffix}`))
  }
  return mayCreate.filter((path) => !existsSync(path))
}

async function startOn(options: ServerOptions, dataDir: string, url: string) {
  const store = await Store.open(url, options.durability)
  let plane: ControlPlane | undefined
  try {
    plane = await openControlPlane(options, store, url)
    // the port first: a start that cannot listen fails before it starts a thread or issues a token
    const address = await listen(plane.app, options)
    await plane.open()
    const adminTokenFile = await ensureAdminToken(store, dataDir)
    plane.loop.start()
    const { app, loop } = plane
    const closePlane = plane.close
    let closing: Promise<void> | undefined
    return {
      url: address,
      app,
      reconciler: loop,
      store,
      adminTokenFile,
      close() {
        closing ??= (async () => {
          await closePlane()
          await store.close()
        })()
        return closing
      },
    } satisfies RunningServer
  } catch (error) {
    // the loop's worker thread keeps the process alive until it is stopped
    await plane?.close()
    await store.close()
    if (error instanceof ZhisuanError) {
      throw error
    }
    throw new ZhisuanError('unavailable', `cannot start on ${redact(url)}: ${String(error)}`, {
      cause: error,
    })
  }
}

/** The app and its reconcile loop (in a worker thread or in this one), not listening yet. */
interface ControlPlane {
  readonly app: FastifyInstance
  readonly loop: ReconcileLoop
  /** Readies the loop (starts its thread, which opens the backend) without starting it. */
  readonly open: () => Promise<void>
  /** Finishes in-flight requests, stops the loop, closes the backend (not the store). */
  readonly close: () => Promise<void>
}

async function openControlPlane(
  options: ServerOptions,
  store: Store,
  url: string,
): Promise<ControlPlane> {
  const backend = await backendConfig(options)
  const common = {
    store,
    cluster: options.cluster,
    catalog: options.catalog,
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.leaseTtlS === undefined ? {} : { leaseTtlS: options.leaseTtlS }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
  }
  if (options.loopThread === false) {
    const inThread = await openBackend(backend, options.cluster, store)
    const lifecycle = lifecycleOf(backend)
    try {
      const { app, reconciler: loop } = await buildApp({
        ...common,
        backend: inThread,
        ...(lifecycle === undefined ? {} : { lifecycle }),
      })
      return {
        app,
        loop,
        open: () => Promise.resolve(), // the backend is open already
        close: async () => closeAll(app, loop, inThread),
      }
    } catch (error) {
      await inThread.close()
      throw error
    }
  }
  let log: ReconcilerOptions['log'] = () => undefined
  const thread = new LoopThread(
    {
      store: url,
      ...(options.durability === undefined ? {} : { durability: options.durability }),
      cluster: options.cluster,
      catalog: options.catalog,
      backend,
      holder: defaultHolder(),
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.leaseTtlS === undefined ? {} : { leaseTtlS: options.leaseTtlS }),
    },
    (level, message, detail) => {
      log(level, message, detail)
    },
  )
  const { app, reconciler: loop } = await buildApp({
    ...common,
    loop: (appLog) => {
      log = appLog
      return thread
    },
  })
  return {
    app,
    loop,
    // the thread opens the backend: a failure (an unsupported slurmrestd) stops the start here
    open: async () => thread.open(),
    close: async () => closeAll(app, loop, undefined),
  }
}

async function closeAll(
  app: FastifyInstance,
  loop: ReconcileLoop,
  backend: ExecutionBackend | undefined,
): Promise<void> {
  await app.close() // stops accepting, finishes in-flight requests
  await loop.stop()
  await backend?.close()
}

async function backendConfig(options: ServerOptions): Promise<BackendConfig> {
  if (options.backend === 'slurm') {
    return {
      kind: 'slurm',
      env: await readEnvFile(options.slurmEnv ?? defaultSlurmEnv),
      ...(options.slurmMasterAddress === undefined
        ? {}
        : { masterAddress: options.slurmMasterAddress }),
    }
  }
  return {
    kind: 'twin',
    speed: options.twinSpeed,
    ...(options.twinFailureRate === undefined ? {} : { failureRate: options.twinFailureRate }),
    ...(options.twinFailureMix === undefined ? {} : { failureMix: options.twinFailureMix }),
    ...(options.twinRestartS === undefined ? {} : { restartS: options.twinRestartS }),
    ...(options.twinCheckpointStallS === undefined
      ? {}
      : { checkpointStallS: options.twinCheckpointStallS }),
  }
}

/**
 * Listens where the options say.
 * @throws ZhisuanError `unavailable` naming the address and what to do (a busy port: another one).
 */
async function listen(app: FastifyInstance, options: ServerOptions): Promise<string> {
  try {
    return await app.listen({ port: options.port, host: options.host })
  } catch (cause) {
    const where = `${options.host}:${options.port}`
    throw new ZhisuanError(
      'unavailable',
      `cannot listen on ${where}: ${listenProblem(cause, options)}`,
      {
        cause,
      },
    )
  }
}

function listenProblem(cause: unknown, options: ServerOptions): string {
  switch ((cause as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `port ${options.port} is in use: another process listens there; stop it or pick another port (zhisuan up --port N; 0 takes any free one)`
    case 'EACCES':
      return `not allowed to listen on port ${options.port} (ports below 1024 need privileges); pick another port (zhisuan up --port N)`
    case 'EADDRNOTAVAIL':
      return `this machine has no address ${options.host} (zhisuan up --host)`
    default:
      return (cause as Error).message
  }
}

/** Issues the first admin token when the store has no live admin token; returns its file. */
async function ensureAdminToken(store: Store, dataDir: string): Promise<string | undefined> {
  const tokens = await store.listTokens()
  if (tokens.some((t) => t.role === 'admin' && t.revokedAt === null)) {
    return undefined
  }
  const t = newToken()
  const file = join(dataDir, 'admin-token')
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${t.token}\n`, { mode: 0o600 })
  await rename(temporary, file)
  await store.createToken({
    id: t.id,
    hash: t.hash,
    tenant: systemTenant,
    role: 'admin',
    label: 'first admin (zhisuan up)',
    createdAt: Date.now() / 1000,
  })
  return file
}
