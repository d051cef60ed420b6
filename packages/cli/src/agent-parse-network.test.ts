// `zhisuan agent parse` reads the RDMA NIC tools' outputs too (issue #21): every real output in
// packages/agent/fixtures/network is recognized as its own tool and printed in one shape.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { run } from './cli.test-support.js'

const dir = fileURLToPath(new URL('../../agent/fixtures/network/', import.meta.url))
const telemetry = fileURLToPath(new URL('../../agent/fixtures/telemetry/', import.meta.url))

/** The tool a fixture's file name says it is the output of. */
const toolOf: readonly [RegExp, string][] = [
  [/^sysfs-infiniband/, 'sysfs-infiniband'],
  [/^ibstatus/, 'ibstatus'],
  [/^ibstat/, 'ibstat'],
  [/^ibv_devinfo/, 'ibv_devinfo'],
  [/^ibdev2netdev/, 'ibdev2netdev'],
  [/^rdma-link/, 'rdma-link'],
  [/^ibnetdiscover/, 'ibnetdiscover'],
  [/^ibswinfo/, 'ibswinfo'],
  [/^perfquery/, 'perfquery'],
  [/^ethtool/, 'ethtool-stats'],
  [/^nccl-debug/, 'nccl-log'],
  [/^ucx-error/, 'ucx-log'],
  [/^nccl-tests/, 'nccl-tests'],
]

interface Summary {
  tool: string
  nics: { device: string; port: number; state: string; rateGbps: number | null }[]
  counters: Record<string, number>
  verdicts: { device: string; port: number | null; health: string; reason: string }[]
}

describe('zhisuan agent parse on network tools', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'))

  it('recognizes each of the 38 real outputs as its own tool', async () => {
    expect(files).toHaveLength(38)
    for (const file of files) {
      const r = await run('agent', 'parse', `${dir}${file}`, '--json')
      expect(r.code, `${file}: ${r.err}`).toBe(0)
      const summary = JSON.parse(r.out) as Summary
      expect(summary.tool, file).toBe(toolOf.find(([re]) => re.test(file))?.[1])
      expect(Array.isArray(summary.nics) && Array.isArray(summary.verdicts), file).toBe(true)
    }
  }, 60_000)

  it('gives the verdicts one sample shows: a failed ibstat, a retry-exceeded NCCL log', async () => {
    const panic = JSON.parse(
      (
        await run(
          'agent',
          'parse',
          `${dir}ibstat--leptonai-gpud--a100-azure-cx6vf-hdr-ibpanic.txt`,
          '--json',
        )
      ).out,
    ) as Summary
    expect(panic.verdicts.find((v) => v.device === 'mlx5_8')?.health).toBe('failed')
    expect(panic.nics.filter((n) => n.state === 'active' && n.rateGbps === 200)).toHaveLength(8)
    const nccl = await run(
      'agent',
      'parse',
      `${dir}nccl-debug--nvidia-nccl-issue1698--status12-vendor-err-129-hca-mlx5_10.txt`,
    )
    expect(nccl.out).toMatch(/FAILED {2}mlx5_10: .*status 12 \(IBV_WC_RETRY_EXC_ERR/)
    const counters = JSON.parse(
      (
        await run(
          'agent',
          'parse',
          `${dir}perfquery--treydock-infiniband_exporter--x-hca-edr.txt`,
          '--json',
        )
      ).out,
    ) as Summary
    expect(Object.keys(counters.counters).some((k) => k.endsWith('/PortXmitWait'))).toBe(true)
  })

  it('still reads an accelerator tool as before, and names both kinds of tool when --tool is wrong', async () => {
    const nvidia = readdirSync(`${telemetry}nvidia`).find((f) => f.endsWith('.xml'))
    const r = await run('agent', 'parse', `${telemetry}nvidia/${nvidia ?? ''}`, '--json')
    expect(r.code).toBe(0)
    expect((JSON.parse(r.out) as { vendor: string }).vendor).toBe('NVIDIA')
    const wrong = await run('agent', 'parse', `${dir}${files[0] ?? ''}`, '--tool', 'ibstatt')
    expect(wrong.code).toBe(1)
    expect(wrong.err).toMatch(/--tool: expected one of .*nvidia-smi.*ibstat/)
  })
})
