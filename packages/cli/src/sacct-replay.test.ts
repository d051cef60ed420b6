import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { looksLikeSacct, sacctReplay } from './sacct-replay.js'

const cluster = parseClusterFile(
  'slurm-dev-64.yaml',
  readFileSync(new URL('../../../examples/clusters/slurm-dev-64.yaml', import.meta.url), 'utf8'),
  defaultCatalog(),
)
const header = 'JobID|Submit|Start|End|Timelimit|NNodes|AllocTRES|NodeList|State|Account|Partition'
const row = (id: string, submit: string, start: string, end: string, rest: string) =>
  `${id}|2026-12-07T10:${submit}|2026-12-07T10:${start}|2026-12-07T10:${end}|${rest}`

describe('an operator’s sacct history as a twin workload', () => {
  const text = [
    header,
    row('1', '00:00', '00:10', '00:40', '1|2|gres/gpu=16|gpu-[008-009]|COMPLETED|vision|gpu'),
    row('2', '00:05', '00:05', '00:06', '2|1|gres/gpu:h100=3|gpu-001|TIMEOUT||gpu'),
    '3|2026-12-07T10:00:07|Unknown|Unknown|10|1||None assigned|PENDING|nlp|gpu',
    row('4', '00:08', '00:08', '00:09', '10|1|cpu=4|gpu-002|COMPLETED|nlp|gpu'),
    '5|2026-12-07T10:00:09|2026-12-07T10:00:09|Unknown|10|1|gres/gpu=8|gpu-003|RUNNING|nlp|gpu',
  ].join('\n')

  it('replays what ran and ended with GPUs, and keeps where Slurm put it', () => {
    expect(looksLikeSacct(text)).toBe(true)
    expect(looksLikeSacct('job_id,submit_time_s,duration_s\n')).toBe(false)
    const replay = sacctReplay(text, 'h.txt', cluster)
    expect(replay.jobs.map((j) => [j.id, j.tenant, j.replicas, j.perReplica, j.workS])).toEqual([
      ['1', 'vision', 2, 8, 30],
      ['2', 'default', 1, 3, 1],
    ])
    expect(replay.jobs[0]?.timeLimitS).toBe(60)
    expect(replay.slurm[0]).toMatchObject({ id: '1', accelerators: 16, nodes: [7, 8] })
    expect((replay.slurm[0]?.startS ?? 0) - (replay.slurm[0]?.submitS ?? 0)).toBe(10)
    expect([...replay.skipped]).toEqual([
      ['never started', 1],
      ['no GPUs', 1],
      ['still running', 1],
    ])
  })

  it('stretches a time-compressed history back to trace seconds', () => {
    const replay = sacctReplay(text, 'h.txt', cluster, 600)
    expect(replay.jobs[0]?.workS).toBe(30 * 600)
    expect(replay.jobs[0]?.timeLimitS).toBe(60 * 600)
    expect((replay.slurm[0]?.startS ?? 0) - (replay.slurm[0]?.submitS ?? 0)).toBe(10 * 600)
    expect(replay.jobs[1]?.submitS).toBe((replay.jobs[0]?.submitS ?? 0) + 5 * 600)
  })

  it('names the line of a node the cluster lacks, and leaves out GPUs that do not split over the nodes', () => {
    const bad = (r: string) => () => sacctReplay(`${header}\n${r}\n`, 'h.txt', cluster)
    expect(
      bad(row('9', '00:00', '00:00', '00:01', '1|1|gres/gpu=8|gpu-099|COMPLETED||gpu')),
    ).toThrow(
      /h\.txt:2: NodeList: gpu-099 is not a node of cluster slurm-dev-64 \(its nodes are gpu-001…gpu-064\)/,
    )
    // GPUs that do not split evenly over the nodes: left out, counted
    const uneven = sacctReplay(
      [
        header,
        row('8', '00:00', '00:00', '00:01', '1|1|gres/gpu=8|gpu-001|COMPLETED||gpu'),
        row('9', '00:00', '00:00', '00:01', '1|2|gres/gpu=9|gpu-[001-002]|COMPLETED||gpu'),
      ].join('\n'),
      'h.txt',
      cluster,
    )
    expect(uneven.jobs.map((j) => j.id)).toEqual(['8'])
    expect([...uneven.skipped]).toEqual([['GPUs not the same on every node', 1]])
    expect(
      bad('3|2026-12-07T10:00:07|Unknown|Unknown|10|1||None assigned|PENDING|nlp|gpu'),
    ).toThrow(/h\.txt: no allocation that ran, ended and held GPUs \(1 never started\)/)
  })
})
