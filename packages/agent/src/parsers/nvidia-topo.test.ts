import { readFileSync } from 'node:fs'
import { ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { parseNvidiaTopology } from './nvidia-topo.js'

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/telemetry/nvidia/${name}`, import.meta.url), 'utf8')

const kinds = (links: readonly { kind: string }[]) => {
  const count = new Map<string, number>()
  for (const l of links) {
    count.set(l.kind, (count.get(l.kind) ?? 0) + 1)
  }
  return Object.fromEntries(count)
}

describe('nvidia-smi topo -m', () => {
  it('8 × A100, NV12 mesh, 17 NICs named from the NIC legend', () => {
    const topo = parseNvidiaTopology(fixture('smi-topo-m_a100-x8_nv12_17nics.txt'))
    expect(topo.gpus).toEqual(['GPU0', 'GPU1', 'GPU2', 'GPU3', 'GPU4', 'GPU5', 'GPU6', 'GPU7'])
    expect(topo.nics).toHaveLength(17)
    expect(topo.nics.slice(0, 2)).toEqual(['mlx5_2', 'mlx5_3'])
    expect(topo.nics.at(-1)).toBe('mlx5_bond_0')
    expect(topo.nvlinkPairs).toBe(28)
    expect(topo.links).toHaveLength((25 * 24) / 2)
    expect(kinds(topo.links)).toEqual({ NV12: 28, PXB: 48, PIX: 8, SYS: 216 })
    const link = (a: string, b: string) => topo.links.find((l) => l.a === a && l.b === b)?.kind
    expect(link('GPU0', 'GPU7')).toBe('NV12')
    expect(link('GPU0', 'mlx5_2')).toBe('PXB')
    expect(link('GPU2', 'mlx5_2')).toBe('SYS')
    expect(link('mlx5_2', 'mlx5_3')).toBe('PIX')
    expect(link('GPU7', 'mlx5_bond_0')).toBe('SYS')
  })

  it('4 × A10 over SYS, 2 NICs on one switch', () => {
    const topo = parseNvidiaTopology(fixture('smi-topo-m_a10-x4_sys_2nics.txt'))
    expect(topo.gpus).toHaveLength(4)
    expect(topo.nics).toEqual(['mlx5_0', 'mlx5_1'])
    expect(topo.nvlinkPairs).toBe(0)
    expect(kinds(topo.links)).toEqual({ SYS: 14, PIX: 1 })
    expect(topo.links.at(-1)).toEqual({ a: 'mlx5_0', b: 'mlx5_1', kind: 'PIX' })
  })

  it('2 × GTX 1080 Ti over PHB, no NIC legend', () => {
    expect(parseNvidiaTopology(fixture('smi-topo-m_gtx1080ti-x2_phb.txt'))).toEqual({
      gpus: ['GPU0', 'GPU1'],
      nics: [],
      links: [{ a: 'GPU0', b: 'GPU1', kind: 'PHB' }],
      nvlinkPairs: 0,
    })
  })

  it('older output names NICs in the header', () => {
    const text =
      '\tGPU0\tGPU1\tmlx5_0\tCPU Affinity\nGPU0\t X \tNV2\tPIX\t0-11\nGPU1\tNV2\t X \tPHB\t0-11\nmlx5_0\tPIX\tPHB\t X \n'
    const topo = parseNvidiaTopology(text)
    expect(topo.nics).toEqual(['mlx5_0'])
    expect(topo.links).toEqual([
      { a: 'GPU0', b: 'GPU1', kind: 'NV2' },
      { a: 'GPU0', b: 'mlx5_0', kind: 'PIX' },
      { a: 'GPU1', b: 'mlx5_0', kind: 'PHB' },
    ])
    expect(topo.nvlinkPairs).toBe(1)
  })

  it('empty output: no GPUs; other text throws naming the line', () => {
    expect(parseNvidiaTopology('')).toEqual({ gpus: [], nics: [], links: [], nvlinkPairs: 0 })
    expect(() => parseNvidiaTopology('No devices were found')).toThrow(ZhisuanError)
    expect(() => parseNvidiaTopology('No devices were found')).toThrow(
      'nvidia-smi-topo: line 1: no matrix header',
    )
    expect(() => parseNvidiaTopology('\tGPU0\tGPU1\nGPU0\t X\t??\n')).toThrow(
      'nvidia-smi-topo: line 2: row GPU0: expected 2 link kinds',
    )
  })
})
