import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from './main.js'
import type { Io } from './output.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const example = (name: string) => join(root, 'examples/clusters', name)

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = {
    out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
  }
  const code = await main(['node', 'zhisuan', ...args], io)
  return { code, out, err }
}

describe('zhisuan catalog', () => {
  it('prints every entry as JSON with sources', async () => {
    const { code, out } = await run('catalog', '--json')
    expect(code).toBe(0)
    const entries = JSON.parse(out) as {
      vendor: string
      tflops: { bf16: { source: string; confidence: string } }
    }[]
    expect(entries.length).toBeGreaterThanOrEqual(22)
    expect(new Set(entries.map((e) => e.vendor)).size).toBeGreaterThanOrEqual(9)
    expect(entries.every((e) => e.tflops.bf16.source.length > 0)).toBe(true)
  })

  it('filters by vendor, case-insensitively, and rejects an unknown one', async () => {
    const huawei = await run('catalog', '--vendor', 'huawei')
    expect(huawei.code).toBe(0)
    expect(huawei.out).toMatch(/Ascend910C/)
    expect(huawei.out).not.toMatch(/H800/)
    const bad = await run('catalog', '--vendor', 'Nvidai')
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/no vendor "Nvidai".*closest: NVIDIA/)
  })
})

describe('zhisuan topology describe', () => {
  it('reports 100,000 accelerators and the bisection of the 100k fabric', async () => {
    const { code, out } = await run('topology', 'describe', example('rail-100k.yaml'), '--json')
    expect(code).toBe(0)
    const d = JSON.parse(out) as {
      accelerators: number
      capacity: { bisectionGbps: number }
      tiers: { tier: string }[]
    }
    expect(d.accelerators).toBe(100_000)
    expect(d.capacity.bisectionGbps).toBeGreaterThan(0)
    expect(d.tiers.map((t) => t.tier)).toEqual(['leaf', 'spine', 'core'])
  })

  it('prints tables for people', async () => {
    const { code, out } = await run('topology', 'describe', example('mixed-2000.yaml'))
    expect(code).toBe(0)
    expect(out).toMatch(/mixed-2000: 2,000 accelerators on 250 nodes/)
    expect(out).toMatch(/bisection/)
  })

  it('exits 1 naming the file and field of a broken cluster file, in text and JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-'))
    const file = join(dir, 'broken.yaml')
    const text = await readFile(example('lab-64.yaml'), 'utf8')
    await writeFile(file, text.replace('count: 8', 'count: -1'))
    const plain = await run('topology', 'describe', file)
    expect(plain.code).toBe(1)
    expect(plain.err).toContain(`${file}:8:12: pools[0].count:`)
    const json = await run('topology', 'describe', file, '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.out)).toMatchObject({
      error: { code: 'invalid-config', issues: [{ path: 'pools[0].count' }] },
    })
  })

  it('exits 1 for a missing file', async () => {
    const { code, err } = await run('topology', 'describe', '/nonexistent/c.yaml')
    expect(code).toBe(1)
    expect(err).toMatch(/cannot read cluster file \/nonexistent\/c.yaml: no such file/)
  })
})

describe('the zhisuan binary', () => {
  const bin = join(root, 'packages/cli/bin/zhisuan.js')
  const exec = promisify(execFile)

  it('prints its version and help', async () => {
    const version = await exec('node', [bin, '--version'])
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    const help = await exec('node', [bin, 'topology', 'describe', '--help'])
    expect(help.stdout).toMatch(/Usage: zhisuan topology describe \[options\] <file>/)
  })

  it('exits 2 on a usage error', async () => {
    await expect(exec('node', [bin, 'frobnicate'])).rejects.toMatchObject({ code: 2 })
  })
})
