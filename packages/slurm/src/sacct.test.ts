import { describe, expect, it } from 'vitest'
import { parseSacct, slurmDurationS, tresGpus } from './sacct.js'

const header =
  'JobID|JobName|Submit|Start|End|Timelimit|NNodes|AllocTRES|NodeList|State|Account|Partition'

describe('sacct --parsable2 --allocations', () => {
  it('reads allocations in any column order, and ignores the columns it does not need', () => {
    const text = [
      header,
      '41|train|2026-12-07T10:00:00|2026-12-07T10:05:00|2026-12-07T12:05:00|1-00:00:00|4|billing=32,cpu=32,gres/gpu:h100=32,gres/gpu=32,mem=64G,node=4|gpu-[009-012]|COMPLETED|vision|gpu',
      '42|eval|2026-12-07T10:01:00|Unknown|Unknown|30:00|1||None assigned|PENDING|nlp|gpu',
      '43|x|2026-12-07T10:02:00|2026-12-07T10:02:00|2026-12-07T10:03:00|UNLIMITED|1|cpu=4,gres/gpu:a100=2,node=1|gpu-003|CANCELLED by 0|nlp|gpu',
      // cancelled while pending: Slurm gives it a Start (its End) but no nodes
      '44|y|2026-12-07T10:02:00|2026-12-07T10:04:00|2026-12-07T10:04:00|10:00|4||None assigned|CANCELLED by 0|nlp|gpu',
      '',
    ].join('\n')
    const [a, b, c, d] = parseSacct(text, 'jobs.txt')
    expect(a).toMatchObject({
      line: 2,
      jobId: '41',
      timeLimitS: 86_400,
      nodeCount: 4,
      gpus: 32,
      nodes: ['gpu-009', 'gpu-010', 'gpu-011', 'gpu-012'],
      state: 'COMPLETED',
      account: 'vision',
      partition: 'gpu',
    })
    expect((a?.endedAt ?? 0) - (a?.startedAt ?? 0)).toBe(2 * 3600)
    expect(b).toMatchObject({ startedAt: undefined, endedAt: undefined, nodes: [], gpus: 0 })
    expect(b?.timeLimitS).toBe(1800)
    expect(c).toMatchObject({ timeLimitS: undefined, gpus: 2, state: 'CANCELLED' })
    expect(d).toMatchObject({ startedAt: undefined, nodes: [], nodeCount: 4, state: 'CANCELLED' })
  })

  it('names the line and the column of what it cannot read', () => {
    const bad = (row: string) => () => parseSacct(`${header}\n${row}\n`, 'jobs.txt')
    const ok =
      '1|j|2026-12-07T10:00:00|2026-12-07T10:00:00|2026-12-07T11:00:00|10:00|2|gres/gpu=16|gpu-[001-002]|COMPLETED|a|gpu'
    expect(() => parseSacct(`${header}\n${ok}\n`, 'jobs.txt')).not.toThrow()
    expect(bad(ok.replace('2026-12-07T11:00:00', 'tomorrow'))).toThrow(
      /jobs\.txt:2: End: expected a time like .*"tomorrow"/,
    )
    expect(bad(ok.replace('|10:00|', '|ten|'))).toThrow(/jobs\.txt:2: Timelimit: /)
    expect(bad(ok.replace('|2|', '|two|'))).toThrow(/jobs\.txt:2: NNodes: /)
    expect(bad(ok.replace('gpu-[001-002]', 'gpu-001'))).toThrow(
      /jobs\.txt:2: NodeList: names 1 nodes, NNodes says 2/,
    )
    expect(bad(ok.replace('gpu-[001-002]', 'gpu-[002-001]'))).toThrow(/jobs\.txt:2: NodeList: /)
    expect(bad(`${ok}|extra`)).toThrow(/jobs\.txt:2: line: 13 fields, the header has 12/)
    expect(() => parseSacct('JobID|Start\n1|x\n', 'jobs.txt')).toThrow(
      /jobs\.txt:1: .*missing Submit, End, Timelimit, NNodes, AllocTRES, NodeList, State, Account, Partition/,
    )
  })
})

describe('Slurm durations and TRES', () => {
  it('reads the forms sacct prints', () => {
    expect(slurmDurationS('2-03:04:05')).toBe(2 * 86_400 + 3 * 3600 + 4 * 60 + 5)
    expect(slurmDurationS('03:04:05')).toBe(3 * 3600 + 4 * 60 + 5)
    expect(slurmDurationS('04:05')).toBe(4 * 60 + 5)
    expect(slurmDurationS('00:01.500')).toBe(1.5)
    expect(slurmDurationS('90')).toBe(90 * 60)
    expect(slurmDurationS('UNLIMITED')).toBeUndefined()
    expect(slurmDurationS('Partition_Limit')).toBeUndefined()
    expect(slurmDurationS('soon')).toBeNull()
  })

  it('counts GPUs once whether typed, untyped or both', () => {
    expect(tresGpus('cpu=8,gres/gpu=8,node=1')).toBe(8)
    expect(tresGpus('gres/gpu:h100=4,gres/gpu:a100=2')).toBe(6)
    expect(tresGpus('gres/gpu:h100=8,gres/gpu=8')).toBe(8)
    expect(tresGpus('cpu=8,gres/gpumem=80G')).toBe(0)
    expect(tresGpus('')).toBe(0)
  })
})
