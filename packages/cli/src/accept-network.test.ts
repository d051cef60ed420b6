// `zhisuan accept --nic-reports DIR --ibnetdiscover FILE` (issue #21): nodes that report to a
// control plane are checked on their NICs and cabling too, and the report says why one fails.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultCatalog } from '@zhisuan/domain'
import { collect, defaultReader, parseNetwork, scaleOutPorts, sendReport } from '@zhisuan/agent'
import { callApi } from '@zhisuan/server/testing'
import { lab64File as lab64, labServer, run, type LabServer } from './cli.test-support.js'

const agentFixture = (path: string) =>
  readFile(new URL(`../../agent/fixtures/${path}`, import.meta.url), 'utf8')
const nodes = ['h100-001', 'h100-002', 'h100-003', 'h100-004']

/** The H100 ibstat as node `n`'s: each GUID's first byte set to `n`, so no two nodes share one. */
const asNode = (text: string, n: number) =>
  text.replace(/0x[0-9a-f]{2}([0-9a-f]{14})\b/g, (_, rest: string) => `0x0${n}${rest}`)

/** The report `--json` prints, without the error document that follows it when a node fails. */
const report = (out: string) => out.slice(0, out.indexOf('\n}\n') + 2)

let lab: LabServer
let ibstat: string
beforeAll(async () => {
  lab = await labServer('zhisuan-accept-network-')
  const nvidia = await agentFixture('telemetry/nvidia/smi-q_h100-80gb-hbm3-x8_535.161.08.txt')
  ibstat = await agentFixture('network/ibstat--leptonai-gpud--h100-cx7-ib-ndr400-all-active.txt')
  for (const node of nodes) {
    const token = (
      await callApi(lab.server.url, lab.token, 'POST', '/api/v1/tokens', {
        tenant: node,
        role: 'node',
      })
    ).body['token'] as string
    const runner = (command: string) =>
      Promise.resolve(command === 'nvidia-smi' ? { code: 0, stdout: nvidia } : undefined)
    await sendReport(
      lab.server.url,
      token,
      node,
      await collect(runner, defaultReader, defaultCatalog()),
    )
  }
}, 30_000)
afterAll(async () => {
  await lab.close()
})

describe('zhisuan accept with NIC reports and ibnetdiscover', () => {
  it('fails the node with a slow port and the one with swapped cables, naming them', async () => {
    const dir = join(lab.dir, 'nic')
    await mkdir(dir)
    const lines: string[] = []
    for (const [i, node] of nodes.entries()) {
      let text = asNode(ibstat, i + 1)
      if (node === 'h100-004') {
        // mlx5_6 trained at 200 instead of 400
        text = text.replace(/(CA 'mlx5_6'[^]*?Rate: )400/, '$1200')
      }
      await writeFile(join(dir, `${node}.txt`), text)
      for (const [rail, p] of scaleOutPorts(parseNetwork(text).nics).entries()) {
        // h100-003's first two cables are swapped at the leaves
        const leaf = node === 'h100-003' && rail < 2 ? 1 - rail : rail
        lines.push(
          `CA ${10 + lines.length} 1 ${p.guid ?? ''} 4x NDR - SW 3 ${i + 1} 0xe41d2d030000000${leaf} ( '${node} ${p.device}' - 'b0-r${leaf}' )`,
        )
      }
    }
    const fabric = join(lab.dir, 'ibnetdiscover.txt')
    await writeFile(fabric, `${lines.join('\n')}\n`)
    const reportDir = join(lab.dir, 'acceptance')
    const r = await run(
      'accept',
      '--cluster',
      lab64,
      '--nodes',
      nodes.join(','),
      '--nic-reports',
      dir,
      '--ibnetdiscover',
      fabric,
      '--report',
      reportDir,
      '--dry-run',
      '--json',
      ...lab.admin,
    )
    expect(r.code, r.err).toBe(1)
    // with --json the failure follows the report as a JSON error of its own
    expect(r.out).toContain('"message": "acceptance: 2 nodes failed')
    const printed = JSON.parse(report(r.out)) as {
      nodes: { node: string; pass: boolean; reasons: string[] }[]
      network: { cabling: boolean; poolFirmware: Record<string, Record<string, string>> }
    }
    expect(printed.nodes.map((n) => [n.node, n.pass, n.reasons])).toEqual([
      ['h100-001', true, []],
      ['h100-002', true, []],
      [
        'h100-003',
        false,
        [
          'mlx5_0 port 1 (rail 0) lands on leaf b0-r1 port 3, the other nodes of block 0 rail 0 are on leaf b0-r0',
          'mlx5_1 port 1 (rail 1) lands on leaf b0-r0 port 3, the other nodes of block 0 rail 1 are on leaf b0-r1',
        ],
      ],
      ['h100-004', false, ['mlx5_6 port 1 runs at 200 Gb/s, pool h100 expects 400 Gb/s']],
    ])
    expect(printed.network).toEqual({
      cabling: true,
      poolFirmware: { h100: { MT4129: '28.41.1000', MT41692: '32.38.3056' } },
    })
    const saved = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as {
      failed: number
    }
    expect(saved.failed).toBe(2)
    expect(await readFile(join(reportDir, 'report.md'), 'utf8')).toContain(
      '| h100-004 | h100 | **fail** | 8 | 535.161.08 | mlx5_6 port 1 runs at 200 Gb/s',
    )
  })

  it('fails a node without a NIC report with the file it looked for', async () => {
    const dir = join(lab.dir, 'nic-partial')
    await mkdir(dir)
    await writeFile(join(dir, 'h100-001.txt'), asNode(ibstat, 1))
    const r = await run(
      'accept',
      '--cluster',
      lab64,
      '--nodes',
      'h100-001,h100-002',
      '--nic-reports',
      dir,
      '--report',
      join(lab.dir, 'acceptance-partial'),
      '--dry-run',
      '--json',
      ...lab.admin,
    )
    const printed = JSON.parse(report(r.out)) as { nodes: { node: string; reasons: string[] }[] }
    expect(printed.nodes.map((n) => n.reasons)).toEqual([
      [],
      [`NIC report: no file ${join(dir, 'h100-002.txt')}`],
    ])
  })

  it('refuses a missing --nic-reports directory, and --ibnetdiscover alone, before any change', async () => {
    const args = ['accept', '--cluster', lab64, '--report', join(lab.dir, 'x'), ...lab.admin]
    const missing = await run(...args, '--nic-reports', join(lab.dir, 'no-such-dir'))
    expect(missing.code).not.toBe(0)
    expect(missing.err).toContain('--nic-reports: cannot read the directory')
    const alone = await run(...args, '--ibnetdiscover', join(lab.dir, 'ibnetdiscover.txt'))
    expect(alone.code).not.toBe(0)
    expect(alone.err).toContain('--ibnetdiscover needs --nic-reports')
    const drained = (await callApi(lab.server.url, lab.token, 'GET', '/api/v1/nodes?state=drained'))
      .body['items']
    expect(drained).toEqual([])
  })
})
