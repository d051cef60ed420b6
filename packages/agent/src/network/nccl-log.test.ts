import { describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { ncclLogParser as parser } from './nccl-log.js'

const init = 'nccl-debug--nvidia-nccl-issue1357--h100-net-ib-sharp-4nic-init.txt'
const roce = 'nccl-debug--nvidia-nccl-issue1405--roce-ipv6-vendor-err-129-then-249.txt'
const ibErr4 = 'nccl-debug--nvidia-nccl-issue928--h100-ib-error4-vendor-err-81.txt'
const cqe = 'nccl-debug--nvidia-nccl-tests-issue24--mlx5-cqe-dump-error4-vendor-err-81.txt'

describe('NCCL log: the devices NCCL uses', () => {
  it('reads the four SHARP-capable IB ports of the H100 nodes, once each', () => {
    const r = parser.parse(readNet(init))
    expect(r.nics.map((n) => `${n.device}:${n.port}/${n.linkLayer ?? ''}`)).toEqual([
      'mlx5_0:1/IB',
      'mlx5_1:1/IB',
      'mlx5_4:1/IB',
      'mlx5_5:1/IB',
    ])
    expect(r.nics[0]).toMatchObject({ state: 'active', physicalState: 'linkup', rateGbps: null })
    expect(r.verdicts).toEqual([])
    expect(r.extra).toMatchObject({
      sharp: ['mlx5_0', 'mlx5_1', 'mlx5_4', 'mlx5_5'],
      oob: 'ibp25s0:10.20.0.120<0>',
      network: 'IBext',
      failures: [],
    })
  })

  it('reads RoCE and merged (multi-port) devices from newer init lines', () => {
    const text =
      'n1:10:20 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1+mlx5_1:1/RoCE [1]mlx5_bond_0:1/RoCE [RO]; OOB eth0:10.0.0.1<0>'
    const r = parser.parse(text)
    expect(r.nics.map((n) => `${n.device}:${n.port}/${n.linkLayer ?? ''}`)).toEqual([
      'mlx5_0:1/RoCE',
      'mlx5_1:1/RoCE',
      'mlx5_bond_0:1/RoCE',
    ])
  })
})

describe('NCCL log: failed completions', () => {
  it('fails on status 12 (retry exceeded) with the peer, the count and the vendor error', () => {
    const r = parser.parse(readNet(roce))
    expect(r.verdicts).toHaveLength(1)
    const v = r.verdicts[0]
    expect(v).toMatchObject({ device: '', port: null, health: 'failed' })
    for (const part of [
      'status 12 (IBV_WC_RETRY_EXC_ERR: transport retry counter exceeded',
      'vendor err 129 (0x81)',
      'from peer 10.216.210.236',
      'on kp-ddp-worker-0',
      '(3 times)',
      'the log does not name the device',
    ]) {
      expect(v?.reason).toContain(part)
    }
    expect(r.extra?.failures).toHaveLength(3)
    expect((r.extra?.failures as unknown[])[0]).toMatchObject({
      line: 1,
      host: 'kp-ddp-worker-0',
      peer: '10.216.210.236',
      status: 12,
      vendorErr: 129,
      request: 'Recv',
      localGid: 'fd00:1148:9000:5000:4:200:3:ff22',
      remoteGid: 'fd00:1148:9000:5000:4:200:3:ff1f',
    })
  })

  it('reads the old "with error 4, …, vendor err 81 (Send)" format: a local protection error', () => {
    const r = parser.parse(readNet(ibErr4))
    expect(r.verdicts).toHaveLength(1)
    expect(r.verdicts[0]?.reason).toContain('status 4 (IBV_WC_LOC_PROT_ERR: local protection error')
    expect(r.verdicts[0]?.reason).toContain(
      'fe80::966d:ae03:8b:df78%ib0, fe80::966d:ae03:8b:df50%ib0',
    )
  })

  it('decodes the libmlx5 error CQE dump: syndrome 0x04 and vendor syndrome 0x51, as NCCL says', () => {
    const r = parser.parse(readNet(cqe))
    const failures = r.extra?.failures as { source: string; status: number; vendorErr: number }[]
    expect(failures.map((f) => [f.source, f.status, f.vendorErr])).toEqual([
      ['libmlx5', 4, 81],
      ['nccl', 4, 81],
    ])
    expect(r.verdicts).toEqual([expect.objectContaining({ device: '', health: 'failed' })])
    expect(r.verdicts[0]?.reason).toContain('NCCL NET/IB completion error and libmlx5 error CQE')
  })

  it('names the HCA of the 2.2x format, and reads the status names of newer NCCL', () => {
    const text = [
      'n1:10:20 [0] NCCL INFO NET/IB : Using [0]mlx5_3:1/RoCE [1]mlx5_4:1/RoCE; OOB eth0:10.0.0.1<0>',
      'n1:10:21 [0] transport/net_ib.cc:2244 NCCL WARN NET/IB: Got completion from peer 10.0.0.2<40000> with status=12 opcode=0 len=0 vendor err 129 (Recv) localGid ::ffff:10.0.0.1 remoteGids ::ffff:10.0.0.2 hca mlx5_3',
      'n1:10:21 [0] transport/net_ib/p2p.cc:99 NCCL WARN NET/IB: Got completion from peer 10.0.0.3<40001> with status=IBV_WC_REM_ACCESS_ERR(10) opcode=IBV_WC_RDMA_WRITE(1) reqSize=4096 vendor_err=136 req_type=Send  localGid ::ffff:10.0.0.1 remoteGids ::ffff:10.0.0.3 hca mlx5_4',
    ].join('\n')
    const r = parser.parse(text)
    expect(r.verdicts.map((v) => [v.device, v.port, v.health])).toEqual([
      ['mlx5_3', 1, 'failed'],
      ['mlx5_4', 1, 'failed'],
    ])
    expect(r.verdicts[0]?.reason).toContain('status 12 (IBV_WC_RETRY_EXC_ERR')
    expect(r.verdicts[1]?.reason).toContain('status 10 (IBV_WC_REM_ACCESS_ERR')
    expect(r.verdicts[1]?.reason).toContain('vendor err 136 (0x88) from peer 10.0.0.3')
    expect((r.extra?.failures as { request: string }[])[1]?.request).toBe('Send')
  })

  it('blames the one device a process used when the failure line does not name it', () => {
    const text = [
      'h1:77:78 [1] NCCL INFO NET/IB : Using [0]mlx5_2:1/IB ; OOB ib0:192.168.0.1<0>',
      'h1:77:90 [1] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer 192.168.0.2<1> with error 12, opcode 0, len 0, vendor err 129 (Send)',
      'h2:55:56 [0] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer 192.168.0.1<2> with error 12, opcode 0, len 0, vendor err 129 (Recv)',
    ].join('\n')
    const r = parser.parse(text)
    expect(r.verdicts.map((v) => [v.device, v.port])).toEqual([
      ['mlx5_2', 1],
      ['', null],
    ])
  })

  it('fails at line 1 on text with no NCCL line', () => {
    expect(() => parser.parse('just\ntext')).toThrow('nccl-log: line 1: no NCCL INFO/WARN line')
  })
})
