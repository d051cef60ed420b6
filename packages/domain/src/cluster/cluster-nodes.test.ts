import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defaultCatalog } from '../catalog/default-catalog.js'
import { parseClusterFile } from './cluster.js'
import { clusterNodes, poolNodeName } from './cluster-nodes.js'

const example = (name: string) =>
  parseClusterFile(
    name,
    readFileSync(new URL(`../../../../examples/clusters/${name}`, import.meta.url), 'utf8'),
    defaultCatalog(),
  )

describe('cluster nodes', () => {
  it('names nodes <pool>-NNN, padded to at least 3 digits', () => {
    expect(poolNodeName({ name: 'gpu', nodeCount: 8 }, 0)).toBe('gpu-001')
    expect(poolNodeName({ name: 'gpu', nodeCount: 8 }, 7)).toBe('gpu-008')
    expect(poolNodeName({ name: 'big', nodeCount: 12_500 }, 41)).toBe('big-00042')
  })

  it('gives each node its leaf block and spine group, pools starting new blocks', () => {
    const mixed = clusterNodes(example('mixed-2000.yaml'))
    expect(mixed).toHaveLength(128 + 64 + 58)
    expect(mixed[127]).toMatchObject({ index: 127, name: 'h800-128', block: 3, pod: 0 })
    // a pool starts a new block
    expect(mixed[128]).toMatchObject({ index: 128, name: 'ascend-001', block: 4 })
    expect(mixed[128]?.pool.accelerator.vendor).toBe('Huawei')
    // 3 tiers: 8 nodes a block, 2 blocks a pod
    const tree = clusterNodes(example('tree-64.yaml'))
    expect(tree.map((n) => `${n.block}/${n.pod}`).filter((_, i) => i % 8 === 0)).toEqual([
      '0/0',
      '1/0',
      '2/1',
      '3/1',
      '4/2',
      '5/2',
      '6/3',
      '7/3',
    ])
  })
})
