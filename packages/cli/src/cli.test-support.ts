import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { startServer, type RunningServer } from '@zhisuan/server'
import { main } from './main.js'
import type { Io } from './output.js'

/** Runs `zhisuan …` in this process and gives its exit code and what it printed. */
export async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = {
    out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
  }
  const code = await main(['node', 'zhisuan', ...args], io)
  return { code, out, err }
}

/** The lab-64 example cluster file. */
export const lab64File = fileURLToPath(
  new URL('../../../examples/clusters/lab-64.yaml', import.meta.url),
)

/** A control plane in this process on the lab-64 example (twin at speed 1, SQLite in `dir`). */
export interface LabServer {
  readonly server: RunningServer
  readonly dir: string
  /** Its admin token. */
  readonly token: string
  /** `--server URL --token ADMIN` for the client commands. */
  readonly admin: string[]
  close(): Promise<void>
}

/** Starts a {@link LabServer} in a fresh temporary directory named after `prefix`. */
export async function labServer(prefix: string): Promise<LabServer> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    store: 'sqlite',
    cluster: parseClusterFile('lab-64.yaml', await readFile(lab64File, 'utf8'), defaultCatalog()),
    catalog: defaultCatalog(),
    twinSpeed: 1,
    tickMs: 50,
    logger: false,
    loopThread: false, // vitest runs the sources, which a worker thread cannot load
  })
  const token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim()
  return {
    server,
    dir,
    token,
    admin: ['--server', server.url, '--token', token],
    async close() {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
