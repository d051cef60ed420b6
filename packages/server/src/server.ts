import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { ZhisuanError, type Catalog, type Cluster, type ExecutionBackend } from '@zhisuan/domain'
import type { FailureCategory } from '@zhisuan/sim'

/** Where scripts/slurm/up.sh writes the dev cluster's environment. */
export const defaultSlurmEnv = '/var/lib/zhisuan-slurm/env'
import { readEnvFile } from '@zhisuan/slurm'
import { Store, redact } from '@zhisuan/store'
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
 * Starts the control plane: opens (and migrates) the store, issues the first admin token into
 * `<dataDir>/admin-token` (mode 0600) when the store has none, opens the twin over the store's
 * journal, listens, and starts the reconcile loop.
 * @throws ZhisuanError `unavailable` when the store or the port cannot be used.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const url = options.store === 'sqlite' ? join(dataDir, 'zhisuan.db') : options.store
  const store = await Store.open(url)
  try {
    const adminTokenFile = await ensureAdminToken(store, dataDir)
    const backend: BackendConfig =
      options.backend === 'slurm'
        ? {
            kind: 'slurm',
            env: await readEnvFile(options.slurmEnv ?? defaultSlurmEnv),
            ...(options.slurmMasterAddress === undefined
              ? {}
              : { masterAddress: options.slurmMasterAddress }),
          }
        : {
            kind: 'twin',
            speed: options.twinSpeed,
            ...(options.twinFailureRate === undefined
              ? {}
              : { failureRate: options.twinFailureRate }),
            ...(options.twinFailureMix === undefined ? {} : { failureMix: options.twinFailureMix }),
            ...(options.twinRestartS === undefined ? {} : { restartS: options.twinRestartS }),
            ...(options.twinCheckpointStallS === undefined
              ? {}
              : { checkpointStallS: options.twinCheckpointStallS }),
          }
    const common = {
      store,
      cluster: options.cluster,
      catalog: options.catalog,
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.leaseTtlS === undefined ? {} : { leaseTtlS: options.leaseTtlS }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    }
    let inThread: ExecutionBackend | undefined
    let loop: ReconcileLoop
    let app: FastifyInstance
    if (options.loopThread === false) {
      inThread = await openBackend(backend, options.cluster, store)
      const lifecycle = lifecycleOf(backend)
      ;({ app, reconciler: loop } = await buildApp({
        ...common,
        backend: inThread,
        ...(lifecycle === undefined ? {} : { lifecycle }),
      }))
    } else {
      // the thread opens the backend: a failure (an unsupported slurmrestd) stops the start here
      let log: ReconcilerOptions['log'] = () => undefined
      const thread = await LoopThread.open(
        {
          store: url,
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
      try {
        ;({ app, reconciler: loop } = await buildApp({
          ...common,
          loop: (appLog) => {
            log = appLog
            return thread
          },
        }))
      } catch (error) {
        await thread.stop()
        throw error
      }
    }
    let address: string
    try {
      address = await app.listen({ port: options.port, host: options.host })
    } catch (cause) {
      await app.close()
      throw new ZhisuanError(
        'unavailable',
        `cannot listen on ${options.host}:${options.port}: ${(cause as Error).message}`,
        { cause },
      )
    }
    loop.start()
    let closing: Promise<void> | undefined
    return {
      url: address,
      app,
      reconciler: loop,
      store,
      adminTokenFile,
      close() {
        closing ??= (async () => {
          await app.close() // stops accepting, finishes in-flight requests
          await loop.stop()
          await inThread?.close()
          await store.close()
        })()
        return closing
      },
    }
  } catch (error) {
    await store.close()
    if (error instanceof ZhisuanError) {
      throw error
    }
    throw new ZhisuanError('unavailable', `cannot start on ${redact(url)}: ${String(error)}`, {
      cause: error,
    })
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
