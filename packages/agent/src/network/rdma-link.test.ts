import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { rdmaLinkParser as parser } from './rdma-link.js'

const bnxt = 'rdma-link-show--openucx-ucx-issue11048--bnxt_re-broadcom.txt'

describe('rdma link show', () => {
  it('reads two Broadcom bnxt_re links (trailing spaces kept), firmware and protocol from rdma dev', () => {
    const r = parser.parse(readNet(bnxt))
    expect(r.warnings).toEqual([])
    expect(r.nics).toEqual([
      {
        device: 'bnxt_re0',
        port: 1,
        linkLayer: 'RoCE',
        state: 'active',
        physicalState: 'linkup',
        rateGbps: null,
        firmware: '231.0.154.0',
        netdev: 'enp194s0f0np0',
        guid: null,
        model: null,
      },
      {
        device: 'bnxt_re1',
        port: 1,
        linkLayer: 'RoCE',
        state: 'down',
        physicalState: 'disabled',
        rateGbps: null,
        firmware: '231.0.154.0',
        netdev: 'enp194s0f1np1',
        guid: null,
        model: null,
      },
    ])
    expect(r.extra?.devices).toContainEqual({
      device: 'bnxt_re1',
      index: 1,
      nodeType: 'ca',
      protocol: 'roce',
      firmware: '231.0.154.0',
      nodeGuid: '0x8e8474fffe1f2551',
      systemImageGuid: '0x8e8474fffe1f2551',
    })
  })

  it('fails the DOWN / DISABLED port and passes the active one', () => {
    expect(parser.parse(readNet(bnxt)).verdicts).toEqual([
      { device: 'bnxt_re0', port: 1, health: 'healthy', reason: 'active (rate not reported)' },
      {
        device: 'bnxt_re1',
        port: 1,
        health: 'failed',
        reason: 'port down (physical state Disabled)',
      },
    ])
  })

  it('reads an IB link by its LID when rdma dev is absent', () => {
    const r = parser.parse(
      'link mlx5_0/1 subnet_prefix fe80:0000:0000:0000 lid 13 sm_lid 1 lmc 0 state ACTIVE physical_state LINK_UP\n' +
        'link mlx5_1/1 subnet_prefix fe80:0000:0000:0000 lid 14 sm_lid 1 lmc 0 state INIT physical_state LINK_UP\n',
    )
    expect(r.nics.map((n) => [n.linkLayer, n.state, n.firmware])).toEqual([
      ['IB', 'active', null],
      ['IB', 'init', null],
    ])
    expect(r.verdicts[1]?.reason).toBe(
      'port initializing (physical state LinkUp): the link is up but no subnet manager has activated it',
    )
    expect(r.extra?.lids).toContainEqual({ device: 'mlx5_0', port: 1, baseLid: 13, smLid: 1 })
  })

  it('fails on a link name without a port, naming the line; warns of stray lines', () => {
    expect(() => parser.parse('rdma link show\nlink mlx5_0 state ACTIVE\n')).toThrow(
      'rdma-link: line 2: "mlx5_0" is not "<device>/<port>"',
    )
    expect(parser.parse('hello\nlink a/1 state ACTIVE\n').warnings).toEqual([
      'line 1: not a "link" or "<n>: <device>:" line: ignored',
    ])
    expect(() => parser.parse('rdma link show\n')).toThrow('rdma-link: line 1: no "link')
  })
})

describeIbSuites({
  parser,
  own: [bnxt],
  prefix: 'rdma-link',
  words: [
    'link ',
    'bnxt_re0/1',
    ' state ',
    'ACTIVE',
    ' physical_state ',
    'LINK_UP',
    ' netdev ',
    '0: ',
    'a: ',
    'fw',
    '\n',
  ],
  pathological: () => [
    'link a/1 state ACTIVE physical_state LINK_UP\n'.repeat(20000),
    `link ${'a'.repeat(60000)}/1 state ACTIVE\n`,
    `link a/1 ${'state '.repeat(20000)}\n`,
  ],
})
