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

/** Sends a signal and resolves with the exit code. */
export const killed = (child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals) =>
  new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code)
    })
    child.kill(signal)
  })
