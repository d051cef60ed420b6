import { describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { ncclTestsParser as parser, type NcclTestsRow } from './nccl-tests.js'

const a100 = 'nccl-tests-all_reduce_perf--microsoft-superbenchmark--1node-8xa100-sxm4.txt'
const a3mega =
  'nccl-tests-all_reduce_perf--lessizzmore-create-a3mega-ztan-fork--gcp-a3mega-2node-h100-tcpxo.txt'

const rowsOf = (text: string): NcclTestsRow[] => parser.parse(text).extra?.rows as NcclTestsRow[]

describe('nccl-tests tables', () => {
  it('reads the older layout (error column, N/A) and skips the interleaved NCCL INFO line', () => {
    const r = parser.parse(readNet(a100))
    const rows = r.extra?.rows as NcclTestsRow[]
    expect(rows).toHaveLength(34)
    expect(rows[0]).toEqual({
      sizeBytes: 0,
      count: 0,
      type: 'float',
      redop: 'sum',
      root: null,
      outOfPlace: { timeUs: 35.2, algbwGBps: 0, busbwGBps: 0, wrong: null },
      inPlace: { timeUs: 34.05, algbwGBps: 0, busbwGBps: 0, wrong: null },
    })
    expect(rows.at(-1)).toMatchObject({
      sizeBytes: 8589934592,
      count: 2147483648,
      outOfPlace: { timeUs: 63896, algbwGBps: 134.44, busbwGBps: 235.26 },
      inPlace: { timeUs: 63959, busbwGBps: 235.03 },
    })
    expect(r.extra).toMatchObject({
      avgBusBandwidthGBps: 68.4048,
      outOfBounds: { count: 0, verdict: 'OK' },
      collective: null,
    })
    expect((r.extra?.ranks as unknown[]).length).toBe(8)
    expect(r.warnings).toEqual([])
  })

  it('reads the newer layout (root, #wrong) of a two-node run after a Markdown preamble', () => {
    const r = parser.parse(readNet(a3mega))
    const rows = r.extra?.rows as NcclTestsRow[]
    expect(rows).toHaveLength(31)
    expect(rows[0]).toEqual({
      sizeBytes: 8,
      count: 2,
      type: 'float',
      redop: 'sum',
      root: -1,
      outOfPlace: { timeUs: 135.8, algbwGBps: 0, busbwGBps: 0, wrong: 0 },
      inPlace: { timeUs: 123.5, algbwGBps: 0, busbwGBps: 0, wrong: 0 },
    })
    expect(rows.at(-1)?.outOfPlace.busbwGBps).toBe(338.82)
    expect(r.extra).toMatchObject({ avgBusBandwidthGBps: 70.742, collective: 'all_reduce' })
    expect(r.extra?.ranks).toContainEqual({
      rank: 15,
      host: 'ztan-mig-gq73',
      device: 7,
      busId: '0000:8c:00',
      model: 'NVIDIA H100 80GB HBM3',
    })
  })

  it('reads rows without a header by their number of fields', () => {
    const rows = rowsOf(
      '        1024           256     float     sum      -1    147.1    0.01    0.01      0    123.1    0.01    0.02      0\n' +
        '        2048           512   float     sum    35.42    0.06    0.10    N/A    35.89    0.06    0.10    N/A\n',
    )
    expect(rows.map((r) => [r.sizeBytes, r.root, r.inPlace?.busbwGBps])).toEqual([
      [1024, -1, 0.02],
      [2048, null, 0.1],
    ])
  })

  it('warns of wrong results, and turns NCCL completion errors in the output into verdicts', () => {
    const text = [
      '#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong',
      '        1024           256     float     sum      -1    147.1    0.01    0.01      3    123.1    0.01    0.02      0',
      'n1:10:21 [0] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer 10.0.0.2<1> with status=12 opcode=0 len=0 vendor err 129 (Recv)',
      '# Out of bounds values : 3 FAILED',
    ].join('\n')
    const r = parser.parse(text)
    expect(r.warnings).toEqual([
      '1 row(s) with wrong results: the collective corrupted data',
      'out of bounds values: 3 FAILED',
    ])
    expect(r.verdicts).toEqual([expect.objectContaining({ device: '', health: 'failed' })])
  })

  it('fails at line 1 when there is no table at all', () => {
    expect(() => parser.parse('nothing here')).toThrow('nccl-tests: line 1: no nccl-tests table')
  })
})
