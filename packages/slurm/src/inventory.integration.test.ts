/**
 * The Slurm inventory and topology check against the real dev cluster (scripts/slurm/up.sh)
 * and examples/clusters/slurm-dev-8.yaml. Switched on by ZHISUAN_TEST_SLURM_ENV, like
 * slurm.integration.test.ts: switched on, a missing cluster fails, never skips.
 */
import { readFile } from 'node:fs/promises'
import { defaultCatalog, parseClusterFile, type Cluster, type ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { SlurmBackend, type SlurmBackendOptions } from './backend.js'
import { readEnvFile, slurmBackendOptionsFromEnv } from './env.js'
import { parseSlurmTopology, slurmNodePositions } from './topology.js'

const envPath = process.env['ZHISUAN_TEST_SLURM_ENV'] ?? ''
const clusterFile = new URL('../../../examples/clusters/slurm-dev-8.yaml', import.meta.url)

describe.skipIf(envPath === '')('the Slurm inventory of the dev cluster', () => {
  const setup = async (): Promise<{ options: SlurmBackendOptions; text: string }> => {
    const env = await readEnvFile(envPath)
    return {
      options: slurmBackendOptionsFromEnv(env, {
        workDir: `${env['ZHISUAN_SLURM_DIR'] ?? '/tmp'}/jobs`,
      }),
      text: await readFile(clusterFile, 'utf8'),
    }
  }
  const parse = (text: string): Cluster =>
    parseClusterFile('slurm-dev-8.yaml', text, defaultCatalog())

  it('reads nodes, GRES, features, states and switches, and agrees with slurm-dev-8.yaml', async () => {
    const { options, text } = await setup()
    const warnings: string[] = []
    const backend = await SlurmBackend.open({
      ...options,
      cluster: parse(text),
      warn: (m) => warnings.push(m),
    })
    try {
      expect(warnings).toEqual([])
      const { nodes, hasTopology } = await backend.inventory()
      expect(hasTopology).toBe(true)
      expect(nodes.map((n) => n.name)).toEqual(
        Array.from({ length: 8 }, (_, i) => `gpu-00${i + 1}`),
      )
      expect(nodes.reduce((sum, n) => sum + n.accelerators, 0)).toBe(64)
      expect(new Set(nodes.map((n) => n.gres))).toEqual(new Set(['gpu:h100:8']))
      expect(nodes.every((n) => n.features.includes('h100'))).toBe(true)
      expect(
        new Set(nodes.map((n) => (typeof n.accelerator === 'object' ? n.accelerator.id : ''))),
      ).toEqual(new Set(['nvidia-h100-sxm-80gb']))
      expect(nodes.map((n) => `${n.position?.leaf}/${n.position?.spine}`)).toEqual([
        ...Array<string>(4).fill('leaf0/spine0'),
        ...Array<string>(4).fill('leaf1/spine0'),
      ])
      // slurmctld's view is the topology.conf in the state dir
      const file = await readFile(
        `${options.slurmConf.replace(/\/[^/]*$/, '')}/topology.conf`,
        'utf8',
      )
      const fromFile = slurmNodePositions(parseSlurmTopology(file, 'topology.conf'))
      expect(nodes.map((n) => fromFile.get(n.name))).toEqual(nodes.map((n) => n.position))
    } finally {
      await backend.close()
    }
  })

  it('refuses to start on a cluster file that disagrees, naming each node and field', async () => {
    const { options, text } = await setup()
    const wrong = parse(
      text
        .replace('count: 8', 'count: 9')
        .replace('nodesPerBlock: 4', 'nodesPerBlock: 2')
        .replace('h100: nvidia-h100-sxm-80gb', 'h100: nvidia-h800-sxm-80gb'),
    )
    const error = await SlurmBackend.open({ ...options, cluster: wrong }).then(
      () => undefined,
      (e: unknown) => e as ZhisuanError,
    )
    expect(error?.code).toBe('invalid-config')
    expect(error?.message).toMatch(
      /^Slurm partition gpu at http:\/\/127\.0\.0\.1:\d+ does not match the cluster file slurm-dev-8:\n/,
    )
    const issues = (error?.issues ?? []).map((i) => `${i.path}: ${i.message}`)
    expect(issues).toContain(
      'gpu-009.partition: in the cluster file (pool gpu) but not in Slurm partition gpu',
    )
    expect(issues).toContain(
      "gpu-001.features: its Slurm features (h100) map to nvidia-h800-sxm-80gb, but the cluster file's pool gpu has nvidia-h100-sxm-80gb",
    )
    expect(issues).toContain(
      'gpu-003.topology: the cluster file puts it in leaf block 1 (gpu-[003-004]), Slurm under switch leaf0 (gpu-[001-004])',
    )
    expect(issues).toContain(
      'gpu-007.topology: the cluster file puts it in leaf block 3 (gpu-[007-008]), Slurm under switch leaf1 (gpu-[005-008])',
    )
    expect(error?.message).toContain('\n  gpu-009.partition: ')
  })
})
