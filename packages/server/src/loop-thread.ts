import { Worker } from 'node:worker_threads'
import { ZhisuanError, type Catalog, type Cluster } from '@zhisuan/domain'
import type { Durability } from '@zhisuan/store'
import type { BackendConfig } from './backends.js'
import type { LoopObserver, NodeInfo, ReconcileLoop } from './reconcile-loop.js'
import { nodeListOf, type ReconcilerOptions } from './reconciler.js'

/** What the worker is started with: everything plain data, so it crosses the thread boundary. */
export interface LoopWorkerData {
  /** A SQLite file path or a `postgres://…` URL: the worker opens its own connection. */
  readonly store: string
  /** What an acknowledged write survives (see `Durability`); the store's default when absent. */
  readonly durability?: Durability
  readonly cluster: Cluster
  readonly catalog: Catalog
  readonly backend: BackendConfig
  readonly holder: string
  readonly tickMs?: number
  readonly leaseTtlS?: number
}

/** API thread → loop thread. */
export type ToLoop =
  { readonly type: 'start' } | { readonly type: 'wake' } | { readonly type: 'stop' }

/** Loop thread → API thread. */
export type FromLoop =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string; readonly code: string }
  | {
      readonly type: 'log'
      readonly level: 'info' | 'warn' | 'error'
      readonly message: string
      readonly detail?: object
    }
  | { readonly type: 'scheduled'; readonly seconds: number; readonly decisions: number }
  | { readonly type: 'nodeFailed' }
  | { readonly type: 'leader'; readonly leader: boolean }
  | { readonly type: 'stopped' }

/** How long a stop waits for the pass in flight before the thread is terminated. */
const stopTimeoutMs = 15_000
/** Pause before a crashed loop thread is started again. */
const restartDelayMs = 1_000

/**
 * The reconcile loop in a worker thread of its own, so that a scheduling pass over tens of
 * thousands of pending jobs (synchronous work, and better-sqlite3 answers synchronously too)
 * never holds up the API's requests. The loop talks to the API only through the store (the job
 * event feed, node states, the lease), so the thread needs nothing but a `wake` to run a pass
 * early; it reports cycle times, node failures and leadership back for metrics and /readyz.
 * A thread that dies is logged and started again; the lease makes that safe.
 */
export class LoopThread implements ReconcileLoop {
  readonly nodeList: readonly NodeInfo[]
  private worker: Worker | undefined
  private observer: LoopObserver | undefined
  private isLeader = false
  private started = false
  private stopping = false
  private restartTimer: NodeJS.Timeout | undefined

  /** The loop, its thread not started yet (`open()` starts it), so a server can listen first. */
  constructor(
    private readonly data: LoopWorkerData,
    private readonly log: ReconcilerOptions['log'],
  ) {
    this.nodeList = nodeListOf(data.cluster, data.catalog)
  }

  /**
   * Starts the thread and waits until it has opened its store connection and its backend (the
   * loop itself starts on `start()`).
   * @throws ZhisuanError what the thread threw opening them (say, an unsupported slurmrestd).
   */
  async open(): Promise<void> {
    const worker = await this.spawn()
    // stop() may have come while the thread started
    if (this.isStopping()) {
      await worker.terminate()
      return
    }
    this.worker = worker
  }

  get leader(): boolean {
    return this.isLeader
  }

  observe(observer: LoopObserver): void {
    this.observer = observer
  }

  start(): void {
    this.started = true
    this.post({ type: 'start' })
  }

  wake(): void {
    this.post({ type: 'wake' })
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.restartTimer)
    const worker = this.worker
    this.worker = undefined
    if (worker === undefined) {
      return
    }
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', () => {
        resolve()
      })
    })
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m: FromLoop) => {
        if (m.type === 'stopped') {
          resolve()
        }
      })
    })
    worker.postMessage({ type: 'stop' } satisfies ToLoop)
    const timeout = new Promise<'timeout'>((resolve) => {
      setTimeout(() => {
        resolve('timeout')
      }, stopTimeoutMs).unref()
    })
    if ((await Promise.race([stopped, exited, timeout])) === 'timeout') {
      this.log('warn', 'the reconcile loop did not stop in time; terminating its thread')
    }
    await worker.terminate()
    await exited
    this.setLeader(false)
  }

  private isStopping(): boolean {
    return this.stopping
  }

  private post(message: ToLoop): void {
    this.worker?.postMessage(message)
  }

  private setLeader(leader: boolean): void {
    if (leader !== this.isLeader) {
      this.isLeader = leader
      this.observer?.leadership?.(leader)
    }
  }

  private spawn(): Promise<Worker> {
    const worker = new Worker(new URL('./loop-worker.js', import.meta.url), {
      workerData: this.data,
    })
    return new Promise<Worker>((resolve, reject) => {
      let ready = false
      worker.on('message', (m: FromLoop) => {
        switch (m.type) {
          case 'ready':
            ready = true
            resolve(worker)
            break
          case 'failed':
            reject(
              new ZhisuanError(
                m.code === 'invalid-config' ? 'invalid-config' : 'unavailable',
                m.message,
              ),
            )
            break
          case 'log':
            this.log(m.level, m.message, m.detail)
            break
          case 'scheduled':
            this.observer?.scheduled(m.seconds, m.decisions)
            break
          case 'nodeFailed':
            this.observer?.nodeFailed()
            break
          case 'leader':
            this.setLeader(m.leader)
            break
          case 'stopped':
            break
        }
      })
      worker.on('error', (error) => {
        if (!ready) {
          reject(
            new ZhisuanError(
              'unavailable',
              `the reconcile loop's thread failed: ${error.message}`,
              { cause: error },
            ),
          )
          return
        }
        this.log('error', 'the reconcile loop thread crashed', { error: String(error) })
      })
      worker.on('exit', (code) => {
        if (!ready) {
          reject(
            new ZhisuanError(
              'unavailable',
              `the reconcile loop's thread exited (code ${code}) before it was ready`,
            ),
          )
          return
        }
        if (this.worker === worker && !this.stopping) {
          this.worker = undefined
          this.setLeader(false)
          this.log('error', `the reconcile loop thread exited (code ${code}); starting it again`)
          this.restartTimer = setTimeout(() => void this.restart(), restartDelayMs)
        }
      })
    })
  }

  private async restart(): Promise<void> {
    if (this.stopping) {
      return
    }
    try {
      const worker = await this.spawn()
      // stop() may have come while the thread started
      if (this.isStopping()) {
        await worker.terminate()
        return
      }
      this.worker = worker
      if (this.started) {
        this.post({ type: 'start' })
      }
    } catch (error) {
      this.log('error', 'cannot start the reconcile loop thread again; retrying', {
        error: String(error),
      })
      this.restartTimer = setTimeout(() => void this.restart(), restartDelayMs * 5)
    }
  }
}
