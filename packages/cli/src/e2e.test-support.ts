import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import { until } from '@zhisuan/server/testing'

export { callApi, until } from '@zhisuan/server/testing'

/** The built `zhisuan` command the end-to-end tests run. */
export const bin = fileURLToPath(new URL('../bin/zhisuan.js', import.meta.url))

/** A `zhisuan up` process, where it listens, and what it has printed. */
export interface Up {
  readonly child: ChildProcessWithoutNullStreams
  readonly url: string
  output(): string
}

const children: ChildProcessWithoutNullStreams[] = []
afterAll(() => {
  for (const c of children) {
    c.kill('SIGKILL')
  }
})

/**
 * Starts `zhisuan up --port 0 …` and waits for its "listening on" line; the process is killed
 * after the test file whatever happens.
 */
export async function up(args: readonly string[], timeoutMs = 30_000): Promise<Up> {
  const child = spawn(process.execPath, [bin, 'up', '--port', '0', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let exited: number | null | undefined
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  child.on('exit', (code) => {
    exited = code
  })
  const url = await until(
    'zhisuan up to listen',
    () => {
      if (exited !== undefined) {
        throw new Error(`zhisuan up exited with ${exited}:\n${out}`)
      }
      return Promise.resolve(/listening on (http:\/\/\S+)/.exec(out)?.[1])
    },
    timeoutMs,
  )
  return { child, url, output: () => out }
}

/**
 * Waits (`what`, for the timeout's message) until a job runs, and gives its nodes; `job` reads
 * the job's API answer (`GET /api/v1/jobs/ID` with the caller's token).
 */
export const runningNodes = (
  what: string,
  job: () => Promise<Record<string, unknown>>,
  timeoutMs: number,
): Promise<string[]> =>
  until(
    what,
    async () => {
      const j = await job()
      return j['state'] === 'running' ? (j['nodes'] as string[]) : undefined
    },
    timeoutMs,
  )

/** Sends a signal and resolves with the exit code. */
export const killed = (child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals) =>
  new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code)
    })
    child.kill(signal)
  })
