import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseJobComp } from './jobcomp.js'
import { parseSlurmTopology, slurmNodePositions } from './topology.js'

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/jobcomp/${name}`, import.meta.url), 'utf8')

describe('the jobcomp/filetxt log of a real Slurm', () => {
  const records = parseJobComp(fixture('dev-64-3tier.log'), 'dev-64-3tier.log')

  it('reads every job: where it ran, when, and how it ended', () => {
    expect(records.map((r) => [r.jobId, r.name, r.state, r.nodes.length])).toEqual([
      ['2', 'bench-x', 'COMPLETED', 1],
      ['4', 'bench-x', 'COMPLETED', 16],
      ['1', 'bench-x', 'COMPLETED', 4],
      ['3', 'bench-x', 'COMPLETED', 2],
      ['5', 'fill', 'COMPLETED', 64],
      ['7', 'fails', 'FAILED', 1],
      ['6', 'waited-gang', 'COMPLETED', 8],
      ['8', 'cancelled', 'CANCELLED', 2],
    ])
    const gang = records.find((r) => r.jobId === '4')
    expect(gang?.nodes[0]).toBe('gpu-009')
    expect(gang?.nodes.at(-1)).toBe('gpu-024')
    expect(gang?.timeLimitMin).toBe(1)
    expect(gang?.fields['ExitCode']).toBe('0:0')
    expect(records.find((r) => r.jobId === '7')?.fields['ExitCode']).toBe('3:0')
  })

  it('gives times in unix seconds; a job that waited starts after it was submitted', () => {
    const waited = records.find((r) => r.name === 'waited-gang')
    const fill = records.find((r) => r.name === 'fill')
    expect(waited?.startedAt).toBe(Date.parse('2026-12-07T12:05:17') / 1000)
    expect((waited?.startedAt ?? 0) - (waited?.submittedAt ?? 0)).toBe(5)
    // it started when the 64-node job that filled the cluster ended, not before
    expect(waited?.startedAt).toBeGreaterThanOrEqual(fill?.endedAt ?? Infinity)
    for (const r of records) {
      expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt)
      expect(r.startedAt).toBeGreaterThanOrEqual(r.submittedAt)
    }
  })

  it('places the nodes on the switch tree the same run wrote (3 tiers)', () => {
    const tree = parseSlurmTopology(fixture('dev-64-3tier.topology.conf'), 'topology.conf')
    const positions = slurmNodePositions(tree)
    const leaves = (id: string) =>
      new Set(records.find((r) => r.jobId === id)?.nodes.map((n) => positions.get(n)?.leaf))
    // the 16-node gang took two whole leaves under one spine; the 8-node gang one whole leaf
    expect(leaves('4')).toEqual(new Set(['leaf1', 'leaf2']))
    expect(leaves('6')).toEqual(new Set(['leaf0']))
  })

  it('names the line and the field of what it cannot read', () => {
    expect(() => parseJobComp('JobId=1 Name=x JobState=COMPLETED\n', 'c.log')).toThrow(
      'c.log:1: StartTime: missing (is this a jobcomp/filetxt log?)',
    )
    const line = (over: string) =>
      `JobId=1 Name=x JobState=COMPLETED TimeLimit=5 StartTime=2026-12-07T12:00:00 EndTime=2026-12-07T12:00:09 NodeList=gpu-[001-002] ${over}`
    expect(() => parseJobComp(`\n${line('EndTime=yesterday')}`, 'c.log')).toThrow(
      'c.log:2: EndTime: expected a time like 2026-12-07T12:04:57, got "yesterday"',
    )
    expect(() => parseJobComp(line('TimeLimit=1-00:00:00'), 'c.log')).toThrow(
      'c.log:1: TimeLimit: expected minutes or UNLIMITED',
    )
    expect(() => parseJobComp(line('NodeList=gpu-[002-001]'), 'c.log')).toThrow(
      'c.log:1: NodeList:',
    )
    expect(parseJobComp(line('TimeLimit=UNLIMITED NodeList=(null)'), 'c.log')[0]).toMatchObject({
      timeLimitMin: undefined,
      nodes: [],
    })
  })

  it('keeps a job name with spaces whole', () => {
    const [r] = parseJobComp(
      'JobId=9 UserId=root(0) Name=my job 2 JobState=COMPLETED StartTime=2026-12-07T12:00:00 EndTime=2026-12-07T12:00:01 NodeList=gpu-001',
      'c.log',
    )
    expect(r?.name).toBe('my job 2')
  })
})
