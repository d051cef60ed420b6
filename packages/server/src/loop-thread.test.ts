import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
// The built server: a worker thread runs compiled JavaScript, not these sources.
import { startServer } from '../dist/server.js'
import { callApi, labCluster, until } from './testing.js'

interface JobView {
  readonly state: string
  readonly attempt: number
  readonly restarts: number
}

describe('the reconcile loop in its own thread', () => {
  it('is started again when its thread dies, and loses, relaunches or restarts no job', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-loop-thread-'))
    const logged: string[] = []
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      store: 'sqlite',
      cluster: labCluster(),
      catalog: defaultCatalog(),
      twinSpeed: 1,
      tickMs: 50,
      leaseTtlS: 5,
      logger: {
        level: 'info',
        stream: { write: (line: string) => logged.push(line) },
      },
    })
    try {
      const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
      const call = async (method: string, path: string, body?: unknown) =>
        (await callApi(server.url, admin, method, path, body)).body
      const submit = async (name: string) =>
        (
          await call('POST', '/api/v1/jobs', {
            name,
            acceleratorsPerReplica: 8,
            chip: { family: 'H100' },
            twin: { durationS: 3600 },
          })
        )['id'] as string
      const job = (id: string) => call('GET', `/api/v1/jobs/${id}`) as Promise<unknown>
      const running = (id: string) =>
        until(
          `${id} to run`,
          async () => {
            const j = (await job(id)) as JobView
            return j.state === 'running' ? j : undefined
          },
          20_000,
        )

      const before = await submit('before')
      await running(before)
      // The thread dies (what an uncaught error in it, or running out of heap, comes to).
      const worker = (server.reconciler as unknown as { worker: Worker | undefined }).worker
      expect(worker).toBeDefined()
      await worker?.terminate()

      const after = await submit('after')
      expect(await running(after)).toMatchObject({ attempt: 1, restarts: 0 })
      // The twin runs in the thread and came back from the store's journal: the job that ran
      // through the crash still runs, launched once, never restarted.
      expect(await job(before)).toMatchObject({ state: 'running', attempt: 1, restarts: 0 })
      expect(logged.join('')).toContain(
        'the reconcile loop thread exited (code 1); starting it again',
      )
      const fresh = (server.reconciler as unknown as { worker: Worker | undefined }).worker
      expect(fresh).toBeDefined()
      expect(fresh).not.toBe(worker)
    } finally {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
