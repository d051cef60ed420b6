import { readFileSync } from 'node:fs'
import { clusterNodes, defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import type { SlurmNode } from './api.js'
import { checkInventory } from './inventory-check.js'
import { gresCount, slurmInventory } from './inventory.js'
import { parseSlurmTopology, slurmNodePositions } from './topology.js'

const devText = readFileSync(
  new URL('../../../examples/clusters/slurm-dev-8.yaml', import.meta.url),
  'utf8',
)
const parse = (text: string): Cluster =>
  parseClusterFile('slurm-dev-8.yaml', text, defaultCatalog())
const dev = parse(devText)

/** The dev cluster's topology.conf, as up.sh writes it. */
const devTopology = `SwitchName=leaf0 Nodes=gpu-[001-004]
SwitchName=leaf1 Nodes=gpu-[005-008]
SwitchName=spine0 Switches=leaf[0-1]
`
const names = Array.from({ length: 8 }, (_, i) => `gpu-00${i + 1}`)
const slurmNode = (name: string, over: Partial<SlurmNode> = {}): SlurmNode => ({
  name,
  gres: 'gpu:h100:8',
  features: 'h100',
  state: 'idle',
  state_flags: [],
  reason: '',
  partitions: ['gpu'],
  ...over,
})

/** Checks Slurm nodes (the dev cluster's, with changes) and a topology against a cluster. */
function check(
  options: {
    readonly cluster?: Cluster
    readonly nodes?: readonly SlurmNode[]
    readonly topology?: string
  } = {},
) {
  const cluster = options.cluster ?? dev
  const switches = parseSlurmTopology(options.topology ?? devTopology, 'topology.conf')
  const inventory = slurmInventory(
    options.nodes ?? names.map((n) => slurmNode(n)),
    slurmNodePositions(switches),
    cluster.slurm?.features ?? [],
  )
  const result = checkInventory(cluster, inventory, {
    partition: 'gpu',
    hasTopology: switches.length > 0,
  })
  return {
    errors: result.errors.map((e) => `${e.path}: ${e.message}`),
    warnings: result.warnings.map((e) => `${e.path}: ${e.message}`),
  }
}

describe('GRES', () => {
  it('counts GPUs in every form Slurm writes them', () => {
    expect(gresCount('gpu:8')).toBe(8)
    expect(gresCount('gpu:h100:8')).toBe(8)
    expect(gresCount('gpu:h100:8(S:0-1)')).toBe(8)
    expect(gresCount('gpu:h100:4(S:0),gpu:a100:4(S:1)')).toBe(8)
    expect(gresCount('gpu:h100:4(IDX:0,2-3),nic:2')).toBe(4)
    expect(gresCount('gpu')).toBe(1)
    expect(gresCount('nic:2,mps:100')).toBe(0)
    expect(gresCount('')).toBe(0)
    expect(gresCount('(null)')).toBe(0)
    expect(gresCount('npu:910b:8', 'npu')).toBe(8)
  })
})

describe('the Slurm inventory against the cluster file', () => {
  it('names nodes as the cluster file does (and so as the scheduler does)', () => {
    expect(clusterNodes(dev).map((n) => n.name)).toEqual(names)
  })

  it('reads a node: GRES count, mapped model, state and flags, switch', () => {
    const [node] = slurmInventory(
      [slurmNode('gpu-002', { features: 'ib,h100', state: 'IDLE', state_flags: ['drain'] })],
      slurmNodePositions(parseSlurmTopology(devTopology, 't')),
      dev.slurm?.features ?? [],
    )
    expect(node).toMatchObject({
      name: 'gpu-002',
      accelerators: 8,
      features: ['ib', 'h100'],
      state: 'idle',
      flags: ['DRAIN'],
      position: { leaf: 'leaf0', spine: 'spine0' },
    })
    expect(node?.accelerator).toMatchObject({ id: 'nvidia-h100-sxm-80gb' })
  })

  it('agrees with the dev cluster as up.sh makes it', () => {
    expect(check()).toEqual({ errors: [], warnings: [] })
    // gpu:8 without a type counts the same
    expect(check({ nodes: names.map((n) => slurmNode(n, { gres: 'gpu:8' })) }).errors).toEqual([])
  })

  it('a node of the file missing from Slurm is an error; one Slurm has extra, a warning', () => {
    const nodes = [
      ...names.filter((n) => n !== 'gpu-003').map((n) => slurmNode(n)),
      slurmNode('gpu-009'),
    ]
    const { errors, warnings } = check({
      nodes,
      topology: devTopology.replace('gpu-[005-008]', 'gpu-[005-009]'),
    })
    expect(errors).toEqual([
      'gpu-003.partition: in the cluster file (pool gpu) but not in Slurm partition gpu',
    ])
    expect(warnings).toEqual([
      "gpu-009.partition: in Slurm partition gpu but not in the cluster file's fabric; Zhisuan places nothing there",
    ])
  })

  it('a GRES count other than the pool accelerators per node is an error naming both', () => {
    const nodes = names.map((n) => slurmNode(n, n === 'gpu-006' ? { gres: 'gpu:h100:4' } : {}))
    expect(check({ nodes }).errors).toEqual([
      "gpu-006.gres: Slurm gives it Gres=gpu:h100:4 (4 GPUs), the cluster file's pool gpu 8 accelerators per node",
    ])
    const none = names.map((n) => slurmNode(n, n === 'gpu-001' ? { gres: '' } : {}))
    expect(check({ nodes: none }).errors).toEqual([
      "gpu-001.gres: Slurm gives it Gres=(none) (0 GPUs), the cluster file's pool gpu 8 accelerators per node",
    ])
  })

  it('features: unmapped, missing, ambiguous or another model are errors', () => {
    const withFeatures = (f: Record<string, string>) =>
      names.map((n) => slurmNode(n, f[n] === undefined ? {} : { features: f[n] }))
    expect(check({ nodes: withFeatures({ 'gpu-002': 'a100', 'gpu-003': '' }) }).errors).toEqual([
      "gpu-002.features: none of its Slurm features (a100) is mapped; the cluster file's slurm.features maps h100 → nvidia-h100-sxm-80gb",
      "gpu-003.features: it has no Slurm features; the cluster file's slurm.features maps h100 → nvidia-h100-sxm-80gb",
    ])
    const two = parse(
      devText.replace(
        '    h100: nvidia-h100-sxm-80gb',
        '    h100: nvidia-h100-sxm-80gb\n    h800: nvidia-h800-sxm-80gb',
      ),
    )
    expect(
      check({ cluster: two, nodes: withFeatures({ 'gpu-004': 'h100,h800', 'gpu-005': 'h800' }) })
        .errors,
    ).toEqual([
      'gpu-004.features: its Slurm features (h100,h800) map to different accelerators (h100 → nvidia-h100-sxm-80gb, h800 → nvidia-h800-sxm-80gb)',
      "gpu-005.features: its Slurm features (h800) map to nvidia-h800-sxm-80gb, but the cluster file's pool gpu has nvidia-h100-sxm-80gb",
    ])
  })

  it('without a slurm section, models are not checked and a warning says so', () => {
    const bare = parse(devText.slice(0, devText.indexOf('slurm:\n')))
    const { errors, warnings } = check({
      cluster: bare,
      nodes: names.map((n) => slurmNode(n, { features: '' })),
    })
    expect(errors).toEqual([])
    expect(warnings).toEqual([
      'slurm.features: the cluster file slurm-dev-8 has no slurm section, so the accelerator models of the Slurm nodes are not checked (map node features to catalog ids in slurm.features)',
    ])
  })

  it('warns about a node drained in Slurm', () => {
    const nodes = names.map((n) =>
      slurmNode(n, n === 'gpu-007' ? { state_flags: ['DRAIN'], reason: 'bad DIMM' } : {}),
    )
    expect(check({ nodes }).warnings).toEqual([
      'gpu-007.state: drained in Slurm (bad DIMM): jobs placed there wait in Slurm until it is resumed (drain it in Zhisuan too, or resume it in Slurm)',
    ])
  })

  it('does not warn about a drain Zhisuan set itself (its reason carries the prefix)', () => {
    const nodes = names.map((n) =>
      slurmNode(n, n === 'gpu-007' ? { state_flags: ['DRAIN'], reason: 'zhisuan: fan' } : {}),
    )
    expect(check({ nodes }).warnings).toEqual([])
  })
})

describe('fabric positions against topology.conf', () => {
  it('switch names do not matter, only which nodes share a leaf', () => {
    const renamed =
      'SwitchName=torB Nodes=gpu-[005-008]\nSwitchName=torA Nodes=gpu-[001-004]\nSwitchName=s Switches=torA,torB\n'
    expect(check({ topology: renamed }).errors).toEqual([])
  })

  it('a node under another leaf is named with both positions', () => {
    const swapped = `SwitchName=leaf0 Nodes=gpu-[001-003],gpu-005
SwitchName=leaf1 Nodes=gpu-004,gpu-[006-008]
SwitchName=spine0 Switches=leaf[0-1]
`
    expect(check({ topology: swapped }).errors).toEqual([
      'gpu-004.topology: the cluster file puts it in leaf block 0 (gpu-[001-004]), Slurm under switch leaf1 (gpu-[004,006-008])',
      'gpu-005.topology: the cluster file puts it in leaf block 1 (gpu-[005-008]), Slurm under switch leaf0 (gpu-[001-003,005])',
    ])
  })

  it('one Slurm leaf over two blocks, and a node under no switch', () => {
    const flat = 'SwitchName=tor Nodes=gpu-[001-007]\n'
    expect(check({ topology: flat }).errors).toEqual([
      "gpu-008.topology: the cluster file puts it in leaf block 1 (gpu-[005-008]), Slurm's topology under no switch",
      'gpu-005.topology: the cluster file puts it in leaf block 1 (gpu-[005-008]), Slurm under switch tor (gpu-[001-007])',
      'gpu-006.topology: the cluster file puts it in leaf block 1 (gpu-[005-008]), Slurm under switch tor (gpu-[001-007])',
      'gpu-007.topology: the cluster file puts it in leaf block 1 (gpu-[005-008]), Slurm under switch tor (gpu-[001-007])',
    ])
  })

  it('leaves of one spine group under different Slurm switches', () => {
    const split =
      'SwitchName=leaf0 Nodes=gpu-[001-004]\nSwitchName=leaf1 Nodes=gpu-[005-008]\nSwitchName=spineA Switches=leaf0\nSwitchName=spineB Switches=leaf1\n'
    expect(check({ topology: split }).errors).toEqual([
      'gpu-[005-008].topology: the cluster file puts their leaf block 1 in spine group 0 with blocks 0, 1; Slurm puts their switch leaf1 under spineB with leaf1 (a 2-tier fabric has one spine group)',
    ])
  })

  it('checks spine groups of a 3-tier fabric', () => {
    const three = parse(
      devText
        .replace('  tiers: 2', '  tiers: 3\n  blocksPerPod: 1')
        .replace('  nodesPerBlock: 4', '  nodesPerBlock: 2'),
    )
    const good = `SwitchName=l0 Nodes=gpu-[001-002]
SwitchName=l1 Nodes=gpu-[003-004]
SwitchName=l2 Nodes=gpu-[005-006]
SwitchName=l3 Nodes=gpu-[007-008]
SwitchName=s0 Switches=l0
SwitchName=s1 Switches=l1
SwitchName=s2 Switches=l2
SwitchName=s3 Switches=l3
SwitchName=core Switches=s[0-3]
`
    expect(check({ cluster: three, topology: good }).errors).toEqual([])
    const merged = good
      .replace('SwitchName=s0 Switches=l0', 'SwitchName=s0 Switches=l[0-1]')
      .replace('SwitchName=s1 Switches=l1\n', '')
      .replace('s[0-3]', 's0,s2,s3')
    expect(check({ cluster: three, topology: merged }).errors).toEqual([
      'gpu-[003-004].topology: the cluster file puts their leaf block 1 in spine group 1 with blocks 1; Slurm puts their switch l1 under s0 with l0, l1',
    ])
  })

  it('without a Slurm topology, positions are not checked and a warning says so', () => {
    const { errors, warnings } = check({ topology: '' })
    expect(errors).toEqual([])
    expect(warnings).toEqual([
      "topology: Slurm has no switch topology (TopologyPlugin=topology/tree and topology.conf), so the nodes' fabric positions are not checked against the cluster file",
    ])
  })
})
