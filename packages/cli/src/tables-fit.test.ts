import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'
import { acceptanceTable } from './commands/agent-tables.js'
import { checkpointsTable, jobsTable, nodesTable } from './commands/api-tables.js'
import { checkpointFigures, schedulerFigures } from './commands/bench-figures.test-support.js'
import { checkpointBenchReport, schedulerBenchReport } from './commands/bench-tables.js'
import { displayWidth } from './text-width.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const example = (name: string) => join(root, 'examples/clusters', name)

/** Lines wider than 100 terminal columns (CJK counts 2, box drawing 1), to name in a failure. */
const tooWide = (text: string) => text.split('\n').filter((line) => displayWidth(line) > 100)

async function fits(...args: string[]): Promise<string> {
  const { code, out } = await run(...args)
  expect(code, args.join(' ')).toBe(0)
  expect(tooWide(out), args.join(' ')).toEqual([])
  return out
}

describe('every table command fits 100 columns by default', () => {
  it('zhisuan catalog, of every vendor; --wide adds the hidden columns', async () => {
    const out = await fits('catalog')
    expect(out).not.toContain('TDP W')
    const vendors = new Set(
      (JSON.parse((await run('catalog', '--json')).out) as { vendor: string }[]).map(
        (e) => e.vendor,
      ),
    )
    for (const vendor of vendors) {
      await fits('catalog', '--vendor', vendor)
    }
    const wide = (await run('catalog', '--wide')).out
    for (const head of ['FP8 TF', 'mem GB/s', 'scale-up GB/s/dir', 'TDP W', 'hosts']) {
      expect(wide).toContain(head)
    }
    expect(wide).toContain('Ascend 910 (910A, first generation)')
  })

  it('zhisuan topology describe, for every example cluster; --wide adds host and per node', async () => {
    const files = (await readdir(join(root, 'examples/clusters'))).filter((f) =>
      f.endsWith('.yaml'),
    )
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const out = await fits('topology', 'describe', example(file))
      expect(out).not.toContain('host')
    }
    const wide = (await run('topology', 'describe', example('mixed-2000.yaml'), '--wide')).out
    expect(wide).toContain('per node')
    expect(wide).toContain('huawei-kunpeng-920 aarch64')
  })

  it('zhisuan plan, with its alternatives, and --compare-nics', async () => {
    await fits(
      'plan',
      '--model',
      'llama3-70b',
      '--chip',
      'H800',
      '--gpus',
      '1024',
      '--nics',
      '8x400',
    )
    await fits(
      'plan',
      '--model',
      'megatron-1t',
      '--cluster',
      example('rail-100k.yaml'),
      '--gpus',
      '100000',
    )
    await fits(
      'plan',
      '--model',
      'llama3-70b',
      '--chip',
      'H800',
      '--gpus',
      '1024',
      '--compare-nics',
      '8x100,8x200,8x400',
    )
  })

  it('zhisuan sim, one run and two compared', async () => {
    const lab = example('lab-64.yaml')
    await fits('sim', '--cluster', lab, '--workload', 'llm-mix', '--days', '10')
    await fits(
      'sim',
      '--cluster',
      lab,
      '--workload',
      'llm-mix',
      '--days',
      '10',
      '--compare',
      'failure-preset=industry-0.48,llama3',
    )
  })

  it('zhisuan agent parse, for every saved tool output; --wide adds the bus id', async () => {
    const dir = join(root, 'packages/agent/fixtures/telemetry')
    const files = (await readdir(dir, { recursive: true })).filter(
      (f) => !f.endsWith('.md') && f.includes('/'),
    )
    expect(files.length).toBeGreaterThan(20)
    let parsed = 0
    for (const file of files) {
      const { code, out } = await run('agent', 'parse', join(dir, file))
      if (code === 0) {
        parsed++
        expect(tooWide(out), file).toEqual([])
      }
    }
    expect(parsed).toBeGreaterThan(20)
    const xml = files.find((f) => f.includes('smi-q-x_') && f.endsWith('.xml')) ?? ''
    expect((await run('agent', 'parse', join(dir, xml), '--wide')).out).toContain('bus')
    expect((await run('agent', 'parse', join(dir, xml))).out).not.toContain('bus')
  })

  it('zhisuan jobs and nodes; --wide adds tenant, family, attempt and nodes, and whole cells', () => {
    const jobs = [
      [
        'pretrain-llama3-405b-stage2',
        'running',
        128,
        8,
        'running on 128 nodes: best-fit pod 1: room for 160 replicas of 8 accelerators, 128 asked',
      ],
      [
        'sft-qwen2-72b-zh',
        'pending',
        16,
        8,
        'waiting for capacity: needs 16 nodes of H800 in one leaf block, the best has 9 free (block 3)',
      ],
      ['eval-harness-nightly', 'succeeded', 1, 8, 'succeeded after 2 h 14 min'],
      [
        'moe-ablation-e64',
        'failed',
        4,
        8,
        'failed: node h800-0412 failed (xid 79: fell off the bus) and no spare was free in block 12',
      ],
    ].map(([name, state, replicas, per, message], i) => ({
      id: `job-mf3k2x1a0${i}a1b2c3`,
      name: String(name),
      tenant: 'foundation-models',
      state: String(state),
      replicas: Number(replicas),
      acceleratorsPerReplica: Number(per),
      family: 'H800',
      attempt: 2,
      restarts: 1,
      nodes: Array.from(
        { length: Number(replicas) },
        (_, n) => `h800-${String(n).padStart(4, '0')}`,
      ),
      message: String(message),
    }))
    const out = jobsTable(jobs, false)
    expect(tooWide(out)).toEqual([])
    expect(out).toContain('job-mf3k2x1a00a1b2c3')
    expect(out).toContain('…')
    expect(out).not.toContain('foundation-models')
    const wide = jobsTable(jobs, true)
    for (const hidden of [
      'tenant',
      'family',
      'attempt',
      'foundation-models',
      jobs[3]?.message ?? '',
    ]) {
      expect(wide).toContain(hidden)
    }

    const nodes = ['h800-0001', 'h800-0002', 'ascend-0001'].map((name, i) => ({
      name,
      family: i === 2 ? 'Ascend910B' : 'H800',
      accelerators: 8,
      health: i === 1 ? 'degraded' : 'healthy',
      adminState: i === 1 ? 'draining' : 'active',
      reason:
        i === 1
          ? "acceptance: driver 535.104.05 differs from the pool's 550.54.15; ECC off on accelerators 3 and 5"
          : '',
      jobs: i === 0 ? ['job-mf3k2x1a00a1b2c3', 'job-mf3k2x1a01a1b2c3', 'job-mf3k2x1a02a1b2c3'] : [],
    }))
    expect(tooWide(nodesTable(nodes, false))).toEqual([])
    expect(nodesTable(nodes, true)).toContain(nodes[1]?.reason)
  })

  it('zhisuan checkpoint list and zhisuan accept', () => {
    const checkpoints = [300, 200, 100].map((step, i) => ({
      id: `ckpt-job-mf3k2x1a00a1b2c3-step-${String(step).padStart(8, '0')}`,
      step,
      state: i === 0 ? 'uploading' : 'committed',
      totalBytes: 1_099_511_627_776 + i,
      committedAt: i === 0 ? null : 1_760_000_000 + i * 3600,
    }))
    const out = checkpointsTable('job-mf3k2x1a00a1b2c3', checkpoints, false)
    expect(tooWide(out)).toEqual([])
    expect(out).toContain('1.0 TiB')
    expect(checkpointsTable('job-mf3k2x1a00a1b2c3', checkpoints, true)).toContain(
      '1,099,511,627,776',
    )

    const verdicts = ['h100-001', 'h100-002', 'ascend-001'].map((node, i) => ({
      node,
      pool: node.split('-')[0] ?? null,
      pass: i === 0,
      reasons:
        i === 0
          ? []
          : [
              'driver 535.104.05, the pool runs 550.54.15',
              'ECC disabled on accelerators 3, 5',
              'NVLink 2 of accelerator 6 down',
            ],
      devices: 8,
      driverVersion: '550.54.15',
    }))
    const report = { nodes: verdicts, passed: 1, failed: 2, poolDrivers: {} }
    expect(tooWide(acceptanceTable(report, false))).toEqual([])
    expect(acceptanceTable(report, true)).toContain('NVLink 2 of accelerator 6 down')
  })

  it('zhisuan bench scheduler and bench checkpoint', () => {
    expect(tooWide(schedulerBenchReport(schedulerFigures))).toEqual([])
    expect(tooWide(checkpointBenchReport(checkpointFigures))).toEqual([])
  })
})
