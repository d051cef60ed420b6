import { describe, expect, it } from 'vitest'
import { parseSlurmTopology, slurmNodePositions } from './topology.js'

/** A topology.conf as an administrator writes it: comments, odd case, a continued line. */
const topologyConf = `# two leaves of four under one spine, a third leaf with one node
SwitchName=leaf0 Nodes=gpu-[001-004]   # rack A
switchname=leaf1 \\
  nodes=gpu-[005-008]
SwitchName=leaf2 Nodes=gpu-009 LinkSpeed=100

SwitchName=spine0 Switches=leaf[0-1]
SwitchName=spine1 Switches=leaf2
SwitchName=core Switches=spine[0-1]
`

/** What `scontrol show topology` prints on the dev cluster (Slurm 22.05). */
const scontrolShow = `SwitchName=leaf0 Level=0 LinkSpeed=1 Nodes=gpu-[001-004]
SwitchName=leaf1 Level=0 LinkSpeed=1 Nodes=gpu-[005-008]
SwitchName=spine0 Level=1 LinkSpeed=1 Nodes=gpu-[001-008] Switches=leaf[0-1]
`

describe('Slurm topology', () => {
  it('reads topology.conf: comments, case-insensitive keys, continued lines, hostlists', () => {
    const switches = parseSlurmTopology(topologyConf, 'topology.conf')
    expect(switches.map((s) => s.name)).toEqual([
      'leaf0',
      'leaf1',
      'leaf2',
      'spine0',
      'spine1',
      'core',
    ])
    expect(switches[1]).toEqual({
      name: 'leaf1',
      nodes: ['gpu-005', 'gpu-006', 'gpu-007', 'gpu-008'],
      switches: [],
    })
    expect(switches[5]?.switches).toEqual(['spine0', 'spine1'])
    const at = slurmNodePositions(switches)
    expect(at.get('gpu-003')).toEqual({ leaf: 'leaf0', spine: 'spine0' })
    expect(at.get('gpu-007')).toEqual({ leaf: 'leaf1', spine: 'spine0' })
    expect(at.get('gpu-009')).toEqual({ leaf: 'leaf2', spine: 'spine1' })
    expect(at.has('gpu-010')).toBe(false)
  })

  it("reads scontrol's view, where upper switches list every node below them", () => {
    const at = slurmNodePositions(parseSlurmTopology(scontrolShow, 'scontrol show topology'))
    expect([...at.entries()].map(([n, p]) => `${n}:${p.leaf}/${p.spine ?? '-'}`)).toEqual([
      'gpu-001:leaf0/spine0',
      'gpu-002:leaf0/spine0',
      'gpu-003:leaf0/spine0',
      'gpu-004:leaf0/spine0',
      'gpu-005:leaf1/spine0',
      'gpu-006:leaf1/spine0',
      'gpu-007:leaf1/spine0',
      'gpu-008:leaf1/spine0',
    ])
  })

  it('has no switches when Slurm has no tree', () => {
    expect(parseSlurmTopology('', 'x')).toEqual([])
    expect(parseSlurmTopology('No topology information available\n', 'x')).toEqual([])
    // a lone leaf is its own root
    expect(slurmNodePositions(parseSlurmTopology('SwitchName=s Nodes=a,b', 'x')).get('b')).toEqual({
      leaf: 's',
      spine: undefined,
    })
  })

  it('names the line of a broken record', () => {
    expect(() => parseSlurmTopology('SwitchName=a Nodes=x\nNodes=y\n', 't.conf')).toThrow(
      /t\.conf line 2: no SwitchName/,
    )
    expect(() => parseSlurmTopology('SwitchName=a Nodes=x\nSwitchName=a Nodes=y', 't')).toThrow(
      /t line 2: switch a is defined twice/,
    )
    expect(() => parseSlurmTopology('SwitchName=a Nodes=gpu-[3-1]', 't')).toThrow(
      /t line 1: nodes of switch a: .*runs backwards/,
    )
    // a continued record counts its lines: the broken one below it is line 4, not 3
    expect(() => parseSlurmTopology('SwitchName=a \\\n  Nodes=x\n\nNodes=y\n', 't.conf')).toThrow(
      /t\.conf line 4: no SwitchName/,
    )
    expect(() =>
      slurmNodePositions(parseSlurmTopology('SwitchName=a Nodes=x\nSwitchName=b Nodes=x', 't')),
    ).toThrow(/node x hangs under two leaf switches, a and b/)
  })
})
