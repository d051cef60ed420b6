import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'
import { readme, section } from './readme.test-support.js'
import { azureConversationTrace } from './requests.js'

const base = [
  'sim',
  '--cluster',
  'examples/clusters/serving-mixed.yaml',
  '--workload',
  'philly-gangs',
  '--serve-at',
  '2',
  '--services',
  'examples/services/chat-70b.yaml',
]

interface ServiceRunJson {
  services: {
    name: string
    requests: number
    served: number
    sloAttainment: number
    ttftS: { p50: number; p99: number }
    tpotS: { p50: number; p99: number }
    replicas: { min: number; mean: number; max: number }
  }[]
  training: {
    givenUpAcceleratorHours: number
    preempted: number
    withoutServicesAcceleratorHours: number
  }
}

describe('zhisuan sim --services', () => {
  it('replays the Azure hour against a 70B service beside training: SLO held, training’s cost said, charts written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhisuan-serve-'))
    const report = join(dir, 'report')
    const { code, out, err } = await run(
      ...base,
      '--requests',
      azureConversationTrace,
      '--json',
      '--report',
      report,
    )
    expect(code, err).toBe(0)
    const result = JSON.parse(out) as ServiceRunJson
    const [chat] = result.services
    expect(chat?.requests).toBe(19_366)
    expect(chat?.served).toBe(19_366)
    expect(chat?.sloAttainment).toBeGreaterThanOrEqual(0.99)
    expect(chat?.ttftS.p50).toBeLessThanOrEqual(chat?.ttftS.p99 ?? 0)
    expect(chat?.replicas.max).toBeGreaterThanOrEqual(chat?.replicas.min ?? Infinity)
    expect(result.training.withoutServicesAcceleratorHours).toBeGreaterThan(0)
    expect(result.training.preempted).toBeGreaterThan(0)
    for (const chart of ['chat-replicas', 'chat-load', 'chat-ttft']) {
      expect(existsSync(join(report, `${chart}.svg`))).toBe(true)
      expect(existsSync(join(report, `${chart}.png`))).toBe(true)
    }
    expect(readFileSync(join(report, 'report.md'), 'utf8')).toMatch(
      /!\[chat-replicas\]\(chat-replicas\.svg\)/,
    )
  }, 60_000)

  it('compares autoscalers on the same requests and jobs, as the README quotes it', async () => {
    const { code, out } = await run(
      ...base,
      '--requests',
      azureConversationTrace,
      '--compare',
      'autoscaler=model,fixed',
    )
    expect(code).toBe(0)
    expect(out).toMatch(/autoscaler=model:/)
    expect(out).toMatch(/autoscaler=fixed:/)
    expect(out).toMatch(/training held [\d,]+ accelerator-hours, [\d,]+ without the services/)
    const prose = section(readme(), 'The twin serves').replace(/\s+/g, ' ')
    const [model = '', fixed = ''] = out.split('autoscaler=fixed:')
    const row = (text: string) =>
      /│ chat +│[^│]+│[^│]+│ +([\d.]+%) │ +[\d,]+ ms \/ ([\d,]+ ms) │ +[\d,]+ ms \/ ([\d,]+ ms) │/.exec(
        text,
      )
    const m = row(model)
    expect(m).not.toBeNull()
    expect(prose).toContain(`holds ${m?.[1]} of requests`)
    expect(prose).toContain(`TTFT p99 ${m?.[2]}, TPOT p99 ${m?.[3]}`)
    expect(prose).toContain(`A fixed single replica holds ${row(fixed)?.[1]}`)
    const held = /training held ([\d,]+) accelerator-hours, ([\d,]+) without/.exec(model)
    expect(prose).toContain(
      `training held ${held?.[1]} accelerator-hours against ${held?.[2]} without`,
    )
  }, 60_000)

  it('compares chip families for the same services', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhisuan-serve-chips-'))
    const file = join(dir, 'bf16.yaml')
    writeFileSync(
      file,
      readFileSync('examples/services/chat-70b.yaml', 'utf8').replace(
        'precision: fp8',
        'precision: bf16',
      ),
    )
    const args = [
      ...base.slice(0, -1),
      file,
      '--requests',
      azureConversationTrace,
      '--compare',
      'chip=H800,Ascend910B',
      '--json',
    ]
    const { code, out } = await run(...args)
    expect(code).toBe(0)
    const runs = JSON.parse(out) as Record<
      string,
      ServiceRunJson & { services: { chip: string }[] }
    >
    expect(runs['chip=H800']?.services[0]?.chip).toBe('nvidia-h800-sxm-80gb')
    expect(runs['chip=Ascend910B']?.services[0]?.chip).toBe('huawei-ascend-910b3')
    for (const r of Object.values(runs)) {
      expect(r.services[0]?.sloAttainment).toBeGreaterThanOrEqual(0.99)
    }
    // the README quotes both
    const prose = section(readme(), 'The twin serves').replace(/\s+/g, ' ')
    const pct = (r: ServiceRunJson | undefined) =>
      `${((r?.services[0]?.sloAttainment ?? 0) * 100).toFixed(2)}%`
    expect(prose).toContain(`4 × H800 (${pct(runs['chip=H800'])} within the SLO)`)
    expect(prose).toContain(`8 × Ascend 910B3 (${pct(runs['chip=Ascend910B'])})`)
  }, 60_000)

  it('refuses bad services and bad requests by name, before it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhisuan-serve-bad-'))
    const bad = join(dir, 'bad.yaml')
    writeFileSync(
      bad,
      '- name: chat\n  model: llama3-70b\n  chip: { family: H800 }\n  slo: { ttftP99S: 2 }\n  minReplicas: 1\n  maxReplicas: 2\n',
    )
    const cases: [string[], RegExp][] = [
      [['--services', bad, '--requests', azureConversationTrace], /bad\.yaml.*slo.*tpotP99S/s],
      [[], /--services needs --requests TRACE/],
      [['--requests', 'nobody=x.csv'], /--requests: no service named "nobody"/],
      [
        ['--requests', azureConversationTrace, '--compare', 'policy=zhisuan,first-fit'],
        /expected autoscaler=A,B .* or chip=A,B/,
      ],
      [
        ['--requests', azureConversationTrace, '--autoscaler', 'magic'],
        /--autoscaler: expected one of model, fixed/,
      ],
    ]
    for (const [extra, message] of cases) {
      const args = [
        ...base.filter(
          (a, i) =>
            !(extra.includes('--services') && (a === '--services' || base[i - 1] === '--services')),
        ),
        ...extra,
      ]
      const { code, err } = await run(...args)
      expect(code, args.join(' ')).not.toBe(0)
      expect(err, args.join(' ')).toMatch(message)
    }
  }, 60_000)
})
