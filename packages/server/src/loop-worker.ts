/**
 * The reconcile loop's worker thread (see loop-thread.ts): opens its own store connection and
 * the backend, runs a Reconciler, and answers the API thread's messages.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ZhisuanError, type ExecutionBackend } from '@zhisuan/domain'
import { Store } from '@zhisuan/store'
import { lifecycleOf, openBackend } from './backends.js'
import type { FromLoop, LoopWorkerData, ToLoop } from './loop-thread.js'
import { Reconciler } from './reconciler.js'

const port = parentPort
if (port === null) {
  throw new Error('loop-worker.js runs as a worker thread (LoopThread starts it)')
}
const data = workerData as LoopWorkerData
const post = (message: FromLoop) => {
  port.postMessage(message)
}

let store: Store | undefined
let backend: ExecutionBackend | undefined
try {
  store = await Store.open(data.store, data.durability)
  backend = await openBackend(data.backend, data.cluster, store)
} catch (error) {
  await backend?.close().catch(() => undefined)
  await store?.close().catch(() => undefined)
  post({
    type: 'failed',
    code: error instanceof ZhisuanError ? error.code : 'unavailable',
    message: error instanceof Error ? error.message : String(error),
  })
  process.exit(1)
}

const reconciler = new Reconciler({
  store,
  backend,
  cluster: data.cluster,
  catalog: data.catalog,
  clock: () => Date.now() / 1000,
  holder: data.holder,
  ...(data.tickMs === undefined ? {} : { tickMs: data.tickMs }),
  ...(data.leaseTtlS === undefined ? {} : { leaseTtlS: data.leaseTtlS }),
  ...(data.backend.kind === 'twin' ? { lifecycle: lifecycleOf(data.backend) } : {}),
  log: (level, message, detail) => {
    post({ type: 'log', level, message, ...(detail === undefined ? {} : { detail }) })
  },
})
reconciler.observe({
  scheduled: (seconds, decisions) => {
    post({ type: 'scheduled', seconds, decisions })
  },
  nodeFailed: () => {
    post({ type: 'nodeFailed' })
  },
  leadership: (leader) => {
    post({ type: 'leader', leader })
  },
})

port.on('message', (m: ToLoop) => {
  switch (m.type) {
    case 'start':
      reconciler.start()
      break
    case 'wake':
      reconciler.wake()
      break
    case 'stop':
      void (async () => {
        await reconciler.stop()
        await backend.close()
        await store.close()
        post({ type: 'stopped' })
        port.close()
      })()
      break
  }
})
post({ type: 'ready' })
