import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ZhisuanError, type ValidationIssue } from '../errors.js'
import { defaultCatalog } from '../catalog/default-catalog.js'
import { fabricCapacity } from '../topology/fabric-capacity.js'
import { parseClusterFile } from './cluster.js'

const example = (name: string) =>
  readFileSync(new URL(`../../../../examples/clusters/${name}`, import.meta.url), 'utf8')
const lab = example('lab-64.yaml')
const parse = (text: string, source = 'c.yaml') => parseClusterFile(source, text, defaultCatalog())

function issuesOf(text: string): readonly ValidationIssue[] {
  try {
    parse(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ZhisuanError)
    expect((error as ZhisuanError).code).toBe('invalid-config')
    return (error as ZhisuanError).issues
  }
  throw new Error('expected the cluster file to be rejected')
}

describe('example cluster files', () => {
  it('builds the 100k-card rail-optimized fabric with 3.2 Tb/s per node', () => {
    const cluster = parse(example('rail-100k.yaml'))
    expect(cluster.fabric.acceleratorCount).toBe(100_000)
    expect(cluster.pools[0]?.nic).toEqual({ count: 8, gbps: 400 })
    // non-blocking at every tier: bisection is exactly half of 12,500 × 3.2 Tb/s = 20 Pb/s
    const capacity = fabricCapacity(cluster.fabric)
    expect(capacity.injectionGbps).toBe(12_500 * 3200)
    expect(capacity.bisectionGbps).toBe(6250 * 3200)
  })

  it('builds the mixed cluster with aarch64 Ascend hosts and no warnings', () => {
    const cluster = parse(example('mixed-2000.yaml'))
    expect(cluster.fabric.acceleratorCount).toBe(2000)
    expect(new Set(cluster.pools.map((p) => p.accelerator.vendor))).toEqual(
      new Set(['NVIDIA', 'Huawei', 'AMD']),
    )
    expect(cluster.pools.find((p) => p.name === 'ascend')?.cpu.arch).toBe('aarch64')
    expect(cluster.warnings).toEqual([])
  })

  it('resolves the Slurm dev cluster feature mapping to catalog accelerators', () => {
    const cluster = parse(example('slurm-dev-8.yaml'))
    expect(cluster.slurm?.features.map((m) => [m.feature, m.accelerator.id])).toEqual([
      ['h100', 'nvidia-h100-sxm-80gb'],
    ])
    expect(parse(lab).slurm).toBeUndefined()
  })

  it('builds the lab and dual-plane examples', () => {
    expect(parse(lab).fabric.acceleratorCount).toBe(64)
    expect(parse(example('dual-plane-hpn.yaml')).fabric.spec.planes).toBe(2)
  })

  it('accepts the same document as JSON', () => {
    const json = JSON.stringify({
      schemaVersion: 1,
      name: 'tiny',
      pools: [
        {
          name: 'p',
          count: 2,
          accelerator: 'NVIDIA H800',
          scaleUp: 'nvswitch-8',
          cpu: 'intel-sapphire-rapids',
          memoryGB: 1024,
          nvmeTB: 0,
        },
      ],
      fabric: {
        design: 'fat-tree',
        tiers: 2,
        switchRadix: 64,
        nodesPerBlock: 2,
        nic: { count: 8, gbps: 200 },
      },
      storage: [],
    })
    expect(parse(json, 'tiny.json').fabric.acceleratorCount).toBe(16)
  })
})

describe('broken cluster files name the field, the line and what was expected', () => {
  it('an unknown field, suggesting the right one', () => {
    const [issue] = issuesOf(
      lab.replace('    memoryGB: 2048', '    memoryGB: 2048\n    acelerator: x'),
    )
    expect(issue).toMatchObject({ path: 'pools[0].acelerator', line: 13 })
    expect(issue?.message).toMatch(/unknown field "acelerator"; did you mean accelerator/)
  })

  it('an unknown chip, with the closest catalog names', () => {
    const [issue] = issuesOf(lab.replace('accelerator: nvidia-h100-sxm-80gb', 'accelerator: H801'))
    expect(issue).toMatchObject({ path: 'pools[0].accelerator', line: 9 })
    expect(issue?.message).toMatch(/unknown accelerator "H801"; did you mean H800/)
  })

  it('a negative count', () => {
    const [issue] = issuesOf(lab.replace('count: 8', 'count: -4'))
    expect(issue).toMatchObject({ path: 'pools[0].count', line: 8 })
    expect(issue?.message).toMatch(/greater or equal to 1, got -4/)
  })

  it('a wrong type and a missing field together', () => {
    const issues = issuesOf(
      lab.replace('memoryGB: 2048', 'memoryGB: lots').replace('    scaleUp: nvswitch-8\n', ''),
    )
    expect(issues.map((i) => i.path).sort()).toEqual(['pools[0].memoryGB', 'pools[0].scaleUp'])
  })

  it('a misspelt fabric design, with the designs there are and the one meant', () => {
    const text = lab.replace('design: rail-optimized', 'design: rail-optimised')
    expect(issuesOf(text)).toEqual([
      {
        path: 'fabric.design',
        message:
          'must be one of rail-optimized, fat-tree; got "rail-optimised" (did you mean rail-optimized?)',
        line: 15,
        column: 11,
      },
    ])
    expect(() => parse(text)).toThrow(
      'c.yaml:15:11: fabric.design: must be one of rail-optimized, fat-tree; got "rail-optimised" (did you mean rail-optimized?)',
    )
  })

  it('malformed YAML, with its line', () => {
    const [issue] = issuesOf(lab.replace('nodesPerBlock: 4', 'nodesPerBlock: [4'))
    expect(issue?.message).toMatch(/malformed YAML/)
    expect(issue?.line).toBeGreaterThan(15)
  })

  it('a fabric its switches cannot wire', () => {
    const [issue] = issuesOf(lab.replace('switchRadix: 64', 'switchRadix: 6'))
    expect(issue).toMatchObject({ path: 'fabric.nodesPerBlock' })
    expect(issue?.message).toMatch(/needs 4 down \+ 4 up ports, more than the switch radix 6/)
  })

  it('duplicate pool names', () => {
    const pools = lab.slice(lab.indexOf('  - name: h100'), lab.indexOf('fabric:'))
    const issues = issuesOf(lab.replace(pools, pools + pools))
    expect(issues[0]).toMatchObject({
      path: 'pools[1].name',
      message: 'duplicate pool name "h100"',
    })
  })

  it('an unknown catalog id in slurm.features, with the closest names', () => {
    const [issue] = issuesOf(
      `${lab}slurm:\n  features:\n    h100: nvidia-h100-sxm-80g\n    gh: H801\n`,
    )
    expect(issue).toMatchObject({ path: 'slurm.features.h100' })
    expect(issue?.message).toMatch(/unknown accelerator "nvidia-h100-sxm-80g"; did you mean/)
    expect(issuesOf(`${lab}slurm:\n  features:\n    gh: H801\n`)[0]).toMatchObject({
      path: 'slurm.features.gh',
      message: expect.stringMatching(/unknown accelerator "H801"/) as unknown,
    })
  })

  it('a slurm section with an unknown field or a feature name Slurm cannot have', () => {
    const issues = issuesOf(`${lab}slurm:\n  feature: {}\n`)
    expect(issues.map((i) => i.path).sort()).toEqual(['slurm.feature', 'slurm.features'])
    expect(issues.find((i) => i.path === 'slurm.feature')?.message).toMatch(
      /unknown field "feature"; did you mean features/,
    )
    expect(issuesOf(`${lab}slurm:\n  features:\n    'h 100': H800\n`)[0]).toMatchObject({
      path: 'slurm.features.h 100',
      message: expect.stringMatching(/"h 100" is not a Slurm node feature/) as unknown,
    })
  })

  it('warns, without failing, about a host CPU the chip is not known to ship with', () => {
    const cluster = parse(lab.replace('cpu: intel-sapphire-rapids', 'cpu: huawei-kunpeng-920'))
    expect(cluster.warnings[0]).toMatchObject({ path: 'pools[0].cpu' })
    expect(cluster.warnings[0]?.message).toMatch(/not known to ship with aarch64 hosts/)
  })
})
