import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, killed, up } from './e2e.test-support.js'

/** What a `zhisuan up` that cannot start printed, its exit code, and when each came. */
interface Failed {
  readonly code: number | null
  readonly stderr: string
  /** Milliseconds from its first line on stderr to its exit. */
  readonly lingeredMs: number
}

/** Runs `zhisuan up` and waits for it to exit (it is killed after `limitMs`: it lingered). */
function upThatFails(args: readonly string[], limitMs = 15_000): Promise<Failed> {
  const child = spawn(process.execPath, [bin, 'up', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let firstErrAt: number | undefined
  child.stderr.on('data', (d: Buffer) => {
    firstErrAt ??= performance.now()
    stderr += d.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer)
      const lingeredMs = performance.now() - (firstErrAt ?? Number.NEGATIVE_INFINITY)
      resolve({ code, stderr, lingeredMs })
    })
  })
}

describe('zhisuan up on a port another process listens on', () => {
  let busy: Server
  let port: number
  let root: string
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'zhisuan-busy-port-'))
    busy = createServer()
    port = await new Promise<number>((resolve) => {
      busy.listen(0, '127.0.0.1', () => {
        const address = busy.address()
        resolve(typeof address === 'object' && address !== null ? address.port : 0)
      })
    })
  })
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve))
    rmSync(root, { recursive: true, force: true })
  })

  it('exits 1 at once, names the port and what to do, and leaves no data dir behind', async () => {
    const dataDir = join(root, 'fresh', 'data')
    const failed = await upThatFails(['--port', String(port), '--data-dir', dataDir])
    expect(failed.code).toBe(1)
    // it used to print the reason and then serve nothing, forever (its loop thread lived on)
    expect(failed.lingeredMs).toBeLessThan(1_000)
    expect(failed.stderr).toContain(`cannot listen on 127.0.0.1:${port}`)
    expect(failed.stderr).toContain('another process listens there')
    expect(failed.stderr).toContain('--port')
    expect(failed.stderr).not.toMatch(/\n\s+at /)
    // the start created both `fresh` and `data`: both go
    expect(existsSync(join(root, 'fresh'))).toBe(false)
  }, 30_000)

  it('keeps a data dir that was there, and the store and token an earlier start left in it', async () => {
    const empty = join(root, 'empty')
    mkdirSync(empty)
    writeFileSync(join(empty, 'notes.txt'), 'mine\n')
    expect((await upThatFails(['--port', String(port), '--data-dir', empty])).code).toBe(1)
    expect(readdirSync(empty)).toEqual(['notes.txt'])

    const used = join(root, 'used')
    const earlier = await up(['--data-dir', used])
    expect(await killed(earlier.child, 'SIGTERM')).toBe(0)
    const before = readdirSync(used).sort()
    expect(before).toEqual(expect.arrayContaining(['admin-token', 'zhisuan.db']))
    expect((await upThatFails(['--port', String(port), '--data-dir', used])).code).toBe(1)
    expect(readdirSync(used).sort()).toEqual(before)
  }, 60_000)
})
