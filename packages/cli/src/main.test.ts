import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const example = (name: string) => join(root, 'examples/clusters', name)

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
    const a100 = entries.find((e) => (e as { id?: string }).id === 'nvidia-a100-sxm-80gb') as
      { scu?: unknown } | undefined
    expect(a100?.scu).toEqual({ 'llm-train': 1, 'llm-prefill': 1, 'llm-decode': 1 })
  })

  it('filters by vendor, case-insensitively, and rejects an unknown one', async () => {
    const huawei = await run('catalog', '--vendor', 'huawei')
    expect(huawei.code).toBe(0)
    expect(huawei.out).toMatch(/Ascend910C/)
    expect(huawei.out).not.toMatch(/H800/)
    expect(huawei.out).toMatch(/6 models from 1 vendor;/)
    const bad = await run('catalog', '--vendor', 'Nvidai')
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/no vendor "Nvidai".*closest: NVIDIA/)
  })

  it('shows – for a class whose reference model does not fit, and says so below the table', async () => {
    const { code, out } = await run('catalog', '--vendor', 'nvidia')
    expect(code).toBe(0)
    const p100 = out.split('\n').find((l) => l.includes('Tesla P100')) ?? ''
    // 12 GB: neither Llama 3 8B training nor the 70B serving replica of a node fits
    expect(p100).toMatch(/│\s+– \/\s+– \/\s+– +│/)
    expect(p100).not.toMatch(/\b0 \//)
    expect(out).toMatch(/–: the class's reference model does not fit in this chip's memory/)
    expect(out).toMatch(/\d+ models from 1 vendor;/)
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
    expect(d.capacity.bisectionGbps).toBe(20_000_000)
    expect(d.tiers.map((t) => t.tier)).toEqual(['leaf', 'spine', 'core'])
  })

  it('prints tables for people', async () => {
    const { code, out } = await run('topology', 'describe', example('mixed-2000.yaml'))
    expect(code).toBe(0)
    expect(out).toMatch(/mixed-2000: 2,000 accelerators on 250 nodes/)
    expect(out).toMatch(/fabric: rail-optimized, 2 tiers, 1 plane, switches of radix 128/)
    expect(out).toMatch(/^8 blocks, 1 pod; injection .* bisection .* built in [\d.]+ ms$/m)
    expect(out).not.toMatch(/\(s\)/)
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

describe('zhisuan plan', () => {
  it('plans Llama 3 405B as Meta trained it (TP 8, PP 16, no recomputation) with --stack llama3, and says what is estimated', async () => {
    const args = ['plan', '--model', 'llama3-405b', '--chip', 'H100', '--gpus', '16384']
    const fixed = ['--tp', '8', '--pp', '16', '--cp', '1', '--recompute', 'none']
    const { code, out } = await run(...args, ...fixed, '--stack', 'llama3', '--json')
    expect(code).toBe(0)
    const plan = JSON.parse(out) as {
      recompute: string
      parallelism: { tp: number; pp: number }
      efficiency: { stack: string; estimates: string[] }
    }
    expect(plan).toMatchObject({ recompute: 'none', parallelism: { tp: 8, pp: 16 } })
    expect(plan.efficiency).toMatchObject({ stack: 'cuda', estimates: [] })
    // Megatron-Core's FP32 gradients kept whole do not fit: the refusal is about memory
    const refused = await run(...args, ...fixed)
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/needs [\d.]+ GB per accelerator \(weights [\d.]+ \+ gradients/)
    // an Ascend plan is built on estimates, and says so
    const ascend = await run('plan', '--model', 'llama3-70b', '--chip', '910B3', '--gpus', '64')
    expect(ascend.out).toMatch(
      /estimates: best GEMM, cann kernel maturity, HCCL scale-up bandwidth/,
    )
    expect(ascend.err).toMatch(/warning: huawei-ascend-910b3: .* are estimates/)
  })

  it('plans Llama 3 405B interleaved on 8,192 H100 when its norms keep their output alone, and names --norms when it is wrong', async () => {
    const args = ['plan', '--model', 'llama3-405b', '--chip', 'H100', '--gpus', '8192']
    const fixed = ['--tp', '8', '--pp', '16', '--cp', '1', '--recompute', 'none']
    const batch = ['--micro-batch', '1', '--global-batch', '2048', '--stack', 'llama3']
    type Plan = { normsKeep: string; parallelism: { interleave: number } }
    const lean = await run(...args, ...fixed, ...batch, '--json')
    expect(lean.code).toBe(0)
    const leanPlan = JSON.parse(lean.out) as Plan
    expect(leanPlan.normsKeep).toBe('output')
    expect(leanPlan.parallelism.interleave).toBeGreaterThan(1)
    const kept = await run(...args, ...fixed, ...batch, '--norms', 'input-and-output')
    expect(kept.code).toBe(0)
    expect(kept.out).toMatch(/interleave 1 · recompute none/)
    expect(kept.out).toMatch(/fullest: stage 1, holding 120 layer-micro-batches/)
    expect(kept.out).not.toMatch(/norms keep their output only/)
    const wrong = await run(...args, '--norms', 'neither')
    expect(wrong.code).toBe(1)
    expect(wrong.err).toMatch(/--norms: expected one of input-and-output, output, got "neither"/)
  })

  it('plans the 1,024-GPU 70B job as JSON with the documented fields', async () => {
    const { code, out } = await run(
      'plan',
      '--model',
      'llama3-70b',
      '--chip',
      'H800',
      '--gpus',
      '1024',
      '--nics',
      '8x400',
      '--json',
    )
    expect(code).toBe(0)
    const plan = JSON.parse(out) as Record<string, unknown>
    for (const key of [
      'parallelism',
      'stepTimeS',
      'tokensPerSecond',
      'modelTflopsPerGpu',
      'mfu',
      'hfu',
      'commShare',
      'breakdown',
      'memoryPerGpuGB',
      'checkpoint',
      'reliability',
      'daysToTrain',
      'cost',
    ]) {
      expect(plan, key).toHaveProperty(key)
    }
    const numbers = (value: unknown, keys: string[]) => {
      for (const key of keys) {
        expect(typeof (value as Record<string, unknown>)[key], key).toBe('number')
      }
    }
    numbers(plan['parallelism'], [
      'tp',
      'pp',
      'dp',
      'cp',
      'microBatch',
      'globalBatch',
      'interleave',
    ])
    numbers(plan['breakdown'], ['computeS', 'tpCommS', 'ppCommS', 'dpCommS', 'bubbleS'])
    numbers(plan['checkpoint'], ['sizeTB', 'intervalMinutes'])
    numbers(plan['reliability'], ['mtbfHours', 'ettr'])
  })

  it('says where the token count and the price come from, and prints cost in USD', async () => {
    const args = ['plan', '--model', 'llama3-70b', '--chip', 'H800', '--gpus', '1024']
    const { code, out } = await run(...args)
    expect(code).toBe(0)
    const flat = out.replace(/\n {13}/g, ' ') // join the lines a section wraps
    expect(flat).toMatch(
      /^tokens {7}1\.41 trillion \(default: 20 per parameter, Chinchilla-optimal, Hoffmann et al\. 2022; --tokens sets it\)$/m,
    )
    expect(flat).toMatch(
      /cost \$[\d,]+ USD at \$2\.00 per accelerator-hour \(default: a flat assumed rate, not a market price; --price sets it\)/,
    )
    expect(flat).toMatch(/on 1,024 × nvidia-h800-sxm-80gb/)
    expect(flat).toMatch(/global batch 2,048 sequences/)
    expect(flat).toMatch(/[\d,]{9} tokens\/s/)
    expect(flat).toMatch(/[\d,]+ accelerator-hours/)
    const given = (await run(...args, '--tokens', '2e12', '--price', '3.5')).out.replace(
      /\n {13}/g,
      ' ',
    )
    expect(given).toMatch(/^tokens {7}2 trillion \(--tokens\)$/m)
    expect(given).toMatch(/USD at \$3\.50 per accelerator-hour \(--price\)/)
  })

  it('compares networks: a slower NIC raises the communication share and lowers MFU', async () => {
    const { code, out } = await run(
      'plan',
      '--model',
      'llama3-70b',
      '--chip',
      'H800',
      '--gpus',
      '1024',
      '--compare-nics',
      '8x100,8x400',
      '--dp-overlap',
      '0',
      '--json',
    )
    expect(code).toBe(0)
    const { comparison } = JSON.parse(out) as {
      comparison: { nics: string; commShare: number; mfu: number; stepTimeS: number }[]
    }
    const [slow, fast] = comparison
    expect(slow?.nics).toBe('8x100')
    expect(slow?.commShare).toBeGreaterThan(fast?.commShare ?? 1)
    expect(slow?.mfu).toBeLessThan(fast?.mfu ?? 0)
  })

  it('plans on a cluster file', async () => {
    const { code, out } = await run(
      'plan',
      '--model',
      'llama3-8b',
      '--cluster',
      example('mixed-2000.yaml'),
      '--chip',
      'huawei-ascend-910b3',
      '--gpus',
      '256',
      '--json',
    )
    expect(code).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ accelerator: 'huawei-ascend-910b3', gpus: 256 })
  })

  it('exits 1 with the reason for bad input, as JSON when asked', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--model', 'llama3-71b', '--chip', 'H800', '--gpus', '64'],
        /unknown model "llama3-71b"; did you mean llama3-70b/,
      ],
      [
        ['--model', 'llama3-70b', '--chip', 'H801', '--gpus', '64'],
        /--chip: unknown accelerator "H801"; did you mean H800/,
      ],
      [
        ['--model', 'llama3-70b', '--chip', 'H800', '--gpus', '64', '--tp', '3'],
        /TP 3 must divide the attention heads \(64\)/,
      ],
      [
        ['--model', 'megatron-1t', '--chip', 'H800', '--gpus', '8'],
        /no parallel configuration fits: even the smallest configuration needs [\d.]+ GB per accelerator/,
      ],
      [
        ['--model', 'llama3-70b', '--chip', 'H800', '--gpus', 'many'],
        /--gpus: expected an integer ≥ 1, got "many"/,
      ],
      [
        ['--model', 'llama3-70b', '--chip', 'H800', '--gpus', '64', '--nics', '8by400'],
        /--nics: expected COUNTxGBPS such as 8x400/,
      ],
      [
        ['--model', 'llama3-70b', '--chip', 'H800', '--gpus', '64', '--loss-rate', '2'],
        /--loss-rate: expected a number between 0 and 0.99/,
      ],
    ]
    for (const [args, message] of cases) {
      const text = await run('plan', ...args)
      expect(text.code, args.join(' ')).toBe(1)
      expect(text.err).toMatch(message)
      const json = await run('plan', ...args, '--json')
      expect(json.code).toBe(1)
      expect((JSON.parse(json.out) as { error: { message: string } }).error.message).toMatch(
        message,
      )
    }
  })
})

describe('zhisuan sim', () => {
  const header = 'job_id,submit_time_s,duration_s,num_gpus,gpu_type,status,user,vc'

  it('replays any trace in the normalized schema and prints the summary as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-sim-'))
    const file = join(dir, 'trace.csv')
    await writeFile(
      file,
      `${header}\na,0,3600,8,,pass,u1,\nb,60,7200,16,,pass,u2,vc1\nc,120,600,1,,pass,,\n`,
    )
    const { code, out } = await run(
      'sim',
      '--cluster',
      example('lab-64.yaml'),
      '--trace',
      file,
      '--seed',
      '7',
      '--json',
    )
    expect(code).toBe(0)
    const r = JSON.parse(out) as {
      jobs: { submitted: number; completed: number }
      events: number
      wallSeconds: number
    }
    expect(r.jobs).toEqual({ submitted: 3, completed: 3 })
    expect(r.events).toBeGreaterThan(3)
    expect(typeof r.wallSeconds).toBe('number')
  })

  it('names the line and column of a malformed row', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-sim-'))
    const file = join(dir, 'bad.csv')
    await writeFile(file, `${header}\na,0,3600,8,,pass,,\nb,60,soon,8,,pass,,\n`)
    const { code, err } = await run('sim', '--cluster', example('lab-64.yaml'), '--trace', file)
    expect(code).toBe(1)
    expect(err).toMatch(/bad\.csv: row 3, column duration_s: expected a number ≥ 0, got "soon"/)
    await writeFile(file, `${header}\na,0,3600,8,,pass,,\na,60,10,8,,pass,,\n`)
    const twice = await run('sim', '--cluster', example('lab-64.yaml'), '--trace', file)
    expect(twice.code).toBe(1)
    expect(twice.err).toMatch(/row 3, column job_id: "a" was already used on row 2/)
  })

  it('writes a report whose report.json is byte-identical for the same seed, with SVG and PNG charts', async () => {
    const dirs = [
      await mkdtemp(join(tmpdir(), 'zhisuan-rep-')),
      await mkdtemp(join(tmpdir(), 'zhisuan-rep-')),
    ]
    for (const dir of dirs) {
      const { code } = await run(
        'sim',
        '--cluster',
        example('lab-64.yaml'),
        '--workload',
        'llm-mix',
        '--days',
        '4',
        '--failure-rate',
        '20',
        '--seed',
        '3',
        '--report',
        dir,
      )
      expect(code).toBe(0)
    }
    const [a, b] = await Promise.all(dirs.map((d) => readFile(join(d, 'report.json'), 'utf8')))
    expect(a).toBe(b)
    expect(
      (JSON.parse(a ?? '{}') as { runs: Record<string, { failures: { count: number } }> }).runs[
        'run'
      ]?.failures.count,
    ).toBeGreaterThan(0)
    const runs = (
      JSON.parse(a ?? '{}') as {
        runs: Record<string, { jobResults?: unknown[]; jobs: { submitted: number } }>
      }
    ).runs
    expect(runs['run']?.jobResults).toHaveLength(runs['run']?.jobs.submitted ?? -1)
    const png = await readFile(join(dirs[0] ?? '', 'utilization.png'))
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(await readFile(join(dirs[0] ?? '', 'queue.svg'), 'utf8')).toMatch(/^<svg/)
    expect(await readFile(join(dirs[0] ?? '', 'report.md'), 'utf8')).toMatch(
      /!\[utilization\]\(utilization\.svg\)/,
    )
  })

  it('shows what first fit costs on spines oversubscribed 15:1, by tier, in the summary and the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-whatif-'))
    const { code, out } = await run(
      'sim',
      '--cluster',
      example('tree-512-1to15.yaml'),
      '--workload',
      'philly-gangs',
      '--compare',
      'policy=zhisuan,first-fit',
      '--report',
      dir,
      '--json',
    )
    expect(code).toBe(0)
    interface Run {
      jobs: { completed: number }
      goodputAcceleratorHours: number
      allocatedAcceleratorHours: number
      placementSlowdown: number
      placementByTier: { tier: string; slowdown: number; contentionAcceleratorHours: number }[]
    }
    const runs = JSON.parse(out) as Record<string, Run>
    const ours = runs['policy=zhisuan']
    const firstFit = runs['policy=first-fit']
    // the same work done; first fit holds its accelerators longer for it, and all of the extra
    // is in gangs whose rings climb to the core, where 15:1 uplinks are shared
    expect(ours?.jobs.completed).toBe(517)
    expect(firstFit?.goodputAcceleratorHours).toBe(ours?.goodputAcceleratorHours)
    const goodputShare = (r?: Run) =>
      (r?.goodputAcceleratorHours ?? 0) / (r?.allocatedAcceleratorHours ?? 1)
    expect(goodputShare(ours) - goodputShare(firstFit)).toBeGreaterThan(0.01)
    expect(firstFit?.placementSlowdown).toBeGreaterThan(1.01)
    expect(ours?.placementSlowdown).toBeLessThan(1.001)
    const core = firstFit?.placementByTier.find((t) => t.tier === 'core')
    expect(core?.slowdown).toBeGreaterThan(1.03)
    const slowed = (r?: Run) =>
      (r?.placementByTier ?? []).reduce((s, t) => s + t.contentionAcceleratorHours, 0)
    expect(core?.contentionAcceleratorHours).toBeCloseTo(slowed(firstFit), 3)
    const md = await readFile(join(dir, 'report.md'), 'utf8')
    expect(md).toMatch(/## Placement by tier/)
    expect(md).toMatch(/\| core \| policy=first-fit \| \d+ \| \d+ \| ×1\.0[3-9]\d \|/)
    expect(await readFile(join(dir, 'placement.svg'), 'utf8')).toMatch(/^<svg/)
  })

  it('writes one row per job with --jobs-out, from which utilization and waits recompute to the summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-jobs-'))
    const trace = join(dir, 'trace.csv')
    const lines = [`${header},time_limit_s`]
    for (let i = 0; i < 60; i++) {
      const gpus = [1, 4, 8, 16, 32][i % 5] ?? 1
      const limit = i % 3 === 0 ? '' : String(1800 + (i % 7) * 900)
      lines.push(`j${i},${i * 240},${900 + (i % 7) * 600},${gpus},,pass,u${i % 4},,${limit}`)
    }
    await writeFile(trace, `${lines.join('\n')}\n`)
    const csv = join(dir, 'jobs.csv')
    const { code, out, err } = await run(
      'sim',
      '--cluster',
      example('lab-64.yaml'),
      '--trace',
      trace,
      '--failure-rate',
      '0',
      '--jobs-out',
      csv,
      '--json',
    )
    expect(code).toBe(0)
    expect(err).toMatch(/jobs: 60 rows in /)
    const summary = JSON.parse(out) as {
      utilization: number
      queueWaitS: { p50: number; p99: number }
      jobs: { completed: number }
    }
    const rows = parse(await readFile(csv, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(60)
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'job_id',
      'tenant',
      'accelerators',
      'nodes',
      'submit_s',
      'start_s',
      'end_s',
      'state',
      'tier',
      'restarts',
      'lost_accelerator_s',
      'contention_s',
      'wait_s',
    ])
    expect(rows.every((r) => r['state'] === 'finished')).toBe(true)
    // a 32-GPU gang on 8-GPU nodes names its four nodes
    expect(rows.find((r) => r['job_id'] === 'j4')?.['nodes']?.split(' ')).toHaveLength(4)
    const start = Math.min(...rows.map((r) => Number(r['submit_s'])))
    const end = Math.max(...rows.map((r) => Number(r['end_s'])))
    const held = rows.reduce(
      (s, r) => s + Number(r['accelerators']) * (Number(r['end_s']) - Number(r['start_s'])),
      0,
    )
    expect(held / (64 * (end - start))).toBeCloseTo(summary.utilization, 5)
    const waits = rows.map((r) => Number(r['wait_s'])).sort((a, b) => a - b)
    const quantile = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))]
    expect(quantile(0.5)).toBeCloseTo(summary.queueWaitS.p50, 2)
    expect(quantile(0.99)).toBeCloseTo(summary.queueWaitS.p99, 2)
    expect(rows.map((r) => Number(r['wait_s']))).toEqual(
      rows.map((r) => Number(r['start_s']) - Number(r['submit_s'])),
    )
  })

  it('refuses a --jobs-out it cannot write, and a time limit of 0, before it runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-jobs-'))
    const trace = join(dir, 'trace.csv')
    await writeFile(trace, `${header},time_limit_s\na,0,3600,8,,pass,u1,,3600\n`)
    const missing = await run(
      'sim',
      '--cluster',
      example('lab-64.yaml'),
      '--trace',
      trace,
      '--jobs-out',
      join(dir, 'no-such-dir', 'jobs.csv'),
    )
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/--jobs-out: cannot write .*no-such-dir/)
    const folder = await run(
      'sim',
      '--cluster',
      example('lab-64.yaml'),
      '--trace',
      trace,
      '--jobs-out',
      dir,
    )
    expect(folder.code).toBe(1)
    expect(folder.err).toMatch(/--jobs-out: cannot write .*it is not a file/)
    await writeFile(trace, `${header},time_limit_s\na,0,3600,8,,pass,u1,,0\n`)
    const zero = await run('sim', '--cluster', example('lab-64.yaml'), '--trace', trace)
    expect(zero.code).toBe(1)
    expect(zero.err).toMatch(/row 2, column time_limit_s: a time limit must be > 0 s/)
  })

  it('prints the summary with units and the cost in USD with its price', async () => {
    const { code, out } = await run(
      'sim',
      '--cluster',
      example('lab-64.yaml'),
      '--workload',
      'llm-mix',
      '--days',
      '10',
    )
    expect(code).toBe(0)
    expect(out).toMatch(/^lab-64: 64 accelerators, \d+ jobs? from llm-mix$/m)
    expect(out).toMatch(/│ queue wait p50 \/ p99 +│ +[\d.,]+ h \/ [\d.,]+ h │/)
    expect(out).toMatch(/│ cost of held accelerator-hours, USD +│ +\$[\d,]+ │/)
    expect(out).toMatch(/│ simulated time \/ events +│ +10\.00 days \/ [\d,]+ │/)
    expect(out).toMatch(
      /^cost: USD at \$2\.00 per accelerator-hour \(default: a flat assumed rate, not a market price;/m,
    )
  })

  it('compares two policies on the same jobs and seed', async () => {
    const { code, out } = await run(
      'sim',
      '--cluster',
      example('lab-64.yaml'),
      '--workload',
      'llm-mix',
      '--days',
      '3',
      '--compare',
      'policy=zhisuan,first-fit',
      '--json',
    )
    expect(code).toBe(0)
    const r = JSON.parse(out) as Record<string, { jobs: { submitted: number } }>
    expect(Object.keys(r)).toEqual(['policy=zhisuan', 'policy=first-fit'])
    expect(r['policy=zhisuan']?.jobs.submitted).toBe(r['policy=first-fit']?.jobs.submitted)
  })
})
