import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { until } from './e2e.test-support.js'
import { codeBlocks, readme, repoRoot, section } from './readme.test-support.js'

// The README's walk-through of `zhisuan up`, run exactly as written: its first block in one
// shell (the control plane, on the default port 7070), its second in another, in a fresh
// directory inside this checkout (so `npx zhisuan` is the workspace's, as after `npm ci`).

const text = section(readme(), 'The control plane: `zhisuan up`')
const blocks = codeBlocks(text, 'bash')
const upBlock = blocks.find((b) => /^npx zhisuan up --twin-speed \d+$/.test(b.trim())) ?? ''
const steps = blocks[blocks.indexOf(upBlock) + 1] ?? ''
const dir = join(repoRoot, 'test-output', 'readme-walkthrough')

/** The environment of a reader who has set nothing of Zhisuan's. */
const reader = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('ZHISUAN_')),
)

/** A shell running one block, in its own process group (npx does not pass signals on). */
function shell(script: string): { child: ChildProcess; output: () => string } {
  const child = spawn('bash', ['-c', script], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: reader,
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return { child, output: () => out }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode)
    } else {
      child.on('exit', (code) => {
        resolve(code)
      })
    }
  })

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
    probe.once('error', () => {
      resolve(false)
    })
    probe.listen(port, '127.0.0.1', () =>
      probe.close(() => {
        resolve(true)
      }),
    )
  })

describe('README walk-through of zhisuan up', () => {
  let server: ReturnType<typeof shell> | undefined
  afterAll(async () => {
    if (
      server?.child.pid !== undefined &&
      server.child.exitCode === null &&
      server.child.signalCode === null
    ) {
      process.kill(-server.child.pid, 'SIGTERM')
      await exited(server.child)
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('has the two blocks: the control plane, then the steps', () => {
    expect(upBlock.trim()).toMatch(/^npx zhisuan up --twin-speed \d+$/)
    expect(steps).toContain('npx zhisuan submit job.yaml')
  })

  it('runs as written, the job finishing, in under 2 minutes', async () => {
    const started = performance.now()
    expect(await portFree(7070), 'the walk-through uses the default port 7070: it is busy').toBe(
      true,
    )
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const up = shell(upBlock)
    server = up
    await until(
      'zhisuan up to listen',
      () => {
        if (up.child.exitCode !== null) {
          throw new Error(`zhisuan up exited with ${up.child.exitCode}:\n${up.output()}`)
        }
        return Promise.resolve(
          up.output().includes('listening on http://127.0.0.1:7070') || undefined,
        )
      },
      60_000,
    )

    const walk = shell(`set -euo pipefail\n${steps}`)
    const code = await exited(walk.child)
    const out = walk.output()
    expect(code, out).toBe(0)
    expect(out).toContain('tenant red created')
    // `why` right after the submission: it runs, or says why it waits
    expect(out).toMatch(/job-\S+ is (running: running on 2 nodes: best-fit|pending)/)
    // `jobs` after the sleep: red's job has finished
    expect(out).toMatch(/│ job-\S+ +│ llama-70b-sft +│ succeeded /)
    expect(out).toMatch(/job-\S+ cancelled/)
    expect(out).toContain('h100-003 drained')
    expect(out).toContain('h100-003 active')
    expect(out).not.toMatch(/^zhisuan: /m)

    process.kill(-(up.child.pid ?? 0), 'SIGTERM')
    await exited(up.child)
    expect(performance.now() - started).toBeLessThan(120_000)
  }, 150_000)
})
