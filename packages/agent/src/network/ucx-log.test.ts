import { describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { ucxLogParser as parser } from './ucx-log.js'

const retry =
  'ucx-error--openucx-ucx-issue6000--transport-retry-exceeded-roce-synd-0x15-vend-0x81.txt'

describe('UCX log', () => {
  it('fails mlx5_0 port 1 on "Transport retry count exceeded", with the peer from the WQE line', () => {
    const r = parser.parse(readNet(retry))
    expect(r.tool).toBe('ucx-log')
    expect(r.verdicts).toHaveLength(1)
    const v = r.verdicts[0]
    expect(v).toMatchObject({ device: 'mlx5_0', port: 1, health: 'failed' })
    for (const part of [
      'Transport retry count exceeded on mlx5_0:1/RoCE',
      'status 12 (IBV_WC_RETRY_EXC_ERR: transport retry counter exceeded',
      'synd 0x15',
      'vendor err 129 (0x81)',
      'peer dgid fe80::e42:a1ff:fe7d:dfc8 rmac 0c:42:a1:7d:df:c8 rqpn 0x223a4',
    ]) {
      expect(v?.reason).toContain(part)
    }
    expect(r.nics).toEqual([
      expect.objectContaining({ device: 'mlx5_0', port: 1, linkLayer: 'RoCE', state: 'unknown' }),
    ])
    expect(r.extra?.failures).toEqual([
      expect.objectContaining({
        host: 'mgmt',
        line: 1,
        status: 12,
        syndrome: 0x15,
        vendorErr: 0x81,
      }),
    ])
  })

  it('reads the UCX ERROR form on IB and counts repeats in one verdict', () => {
    const line =
      '[1617000000.123456] [node7:4242:0]      ib_mlx5_log.c:143  UCX  ERROR Remote access on mlx5_2:1/IB (synd 0x13 vend 0x88 hw_synd 0/0)'
    const r = parser.parse([line, line].join('\n'))
    expect(r.verdicts).toEqual([
      expect.objectContaining({ device: 'mlx5_2', port: 1, health: 'failed' }),
    ])
    expect(r.verdicts[0]?.reason).toContain(
      'UCX: Remote access on mlx5_2:1/IB: status 10 (IBV_WC_REM_ACCESS_ERR',
    )
    expect(r.verdicts[0]?.reason).toContain('(2 times)')
    expect(r.nics[0]?.linkLayer).toBe('IB')
  })

  it('gives an empty report for UCX lines without a completion error, and fails on other text', () => {
    const r = parser.parse('[node7:4242:0:4242] ucp_worker.c:1720 UCX  WARN  something else')
    expect(r.verdicts).toEqual([])
    expect(() => parser.parse('hello')).toThrow('ucx-log: line 1: no UCX log line')
  })
})
