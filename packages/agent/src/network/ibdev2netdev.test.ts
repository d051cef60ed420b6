import { describe, expect, it } from 'vitest'
import { describeIbSuites, readNet } from './ib-fixtures.test-support.js'
import { ibdev2netdevParser as parser } from './ibdev2netdev.js'

const h100 = 'ibdev2netdev--imbue-ai-cluster-health-issue4--h100-cx7-ib-cx6-eth.txt'
const pod = 'ibdev2netdev--k8snetworkplumbingwg-sriov-network-operator-issue382--ib-vf-in-pod.txt'
const azure = 'ibdev2netdev-v--nvidia-nccl-tests-issue36--azure-cx3-vf-mlx4.txt'

describe('ibdev2netdev', () => {
  it('maps 12 ports of a `column -t` copy with hand-written # remarks; IB by ib*, RoCE by en*', () => {
    const r = parser.parse(readNet(h100))
    expect(r.warnings).toEqual([])
    expect(r.nics.map((n) => [n.device, n.netdev, n.linkLayer])).toEqual([
      ['mlx5_0', 'ibp26s0', 'IB'],
      ['mlx5_1', 'enp27s0f0np0', 'RoCE'],
      ['mlx5_10', 'ibp204s0', 'IB'],
      ['mlx5_11', 'ibp220s0', 'IB'],
      ['mlx5_2', 'enp27s0f1np1', 'RoCE'],
      ['mlx5_3', 'ibp60s0', 'IB'],
      ['mlx5_4', 'ibp77s0', 'IB'],
      ['mlx5_5', 'ibp94s0', 'IB'],
      ['mlx5_6', 'ibp156s0', 'IB'],
      ['mlx5_7', 'enp157s0f0np0', 'RoCE'],
      ['mlx5_8', 'enp157s0f1np1', 'RoCE'],
      ['mlx5_9', 'ibp188s0', 'IB'],
    ])
    expect(r.nics.every((n) => n.port === 1 && n.state === 'unknown')).toBe(true)
  })

  it('keeps the netdev link (Up/Down) in extra, and judges no port by it', () => {
    const r = parser.parse(readNet(h100))
    const netdevs = r.extra?.netdevs as { netdev: string; netdevUp: boolean }[]
    expect(netdevs.filter((n) => n.netdevUp).map((n) => n.netdev)).toEqual([
      'enp27s0f0np0',
      'enp157s0f0np0',
    ])
    expect(r.verdicts).toEqual([])
  })

  it('reads the one line inside a pod, under its shell prompt', () => {
    const r = parser.parse(readNet(pod))
    expect(r.warnings).toEqual([])
    expect(r.nics).toEqual([
      {
        device: 'mlx5_3',
        port: 1,
        linkLayer: null,
        state: 'unknown',
        physicalState: 'unknown',
        rateGbps: null,
        firmware: null,
        netdev: 'net1',
        guid: null,
        model: null,
      },
    ])
  })

  it('reads -v on an Azure CX-3 VF: PCI address, model, firmware and port state', () => {
    const r = parser.parse(readNet(azure))
    expect(r.nics).toEqual([
      {
        device: 'mlx4_0',
        port: 1,
        linkLayer: 'IB',
        state: 'active',
        physicalState: 'unknown',
        rateGbps: null,
        firmware: '2.43.7008',
        netdev: 'ib0',
        guid: null,
        model: 'MT4100',
      },
    ])
    expect(r.extra?.netdevs).toEqual([
      { device: 'mlx4_0', port: 1, netdev: 'ib0', netdevUp: false, pciAddress: '0002:00:02.0' },
    ])
    // the port is ACTIVE; an IPoIB netdev that is down does not stop RDMA
    expect(r.verdicts).toEqual([
      { device: 'mlx4_0', port: 1, health: 'healthy', reason: 'active (rate not reported)' },
    ])
  })

  it('fails a -v port that is DOWN', () => {
    const text = readNet(azure).replace('(ACTIVE)', '(DOWN)')
    expect(parser.parse(text).verdicts[0]).toMatchObject({ health: 'failed', reason: 'port down' })
  })

  it('fails on a mapping without a port number, naming the line; warns of stray lines', () => {
    expect(() => parser.parse('mlx5_0 port x ==> ib0 (Up)\n')).toThrow(
      'ibdev2netdev: line 1: not "<device> port <n> ==> <netdev> (<state>)"',
    )
    expect(() => parser.parse('\n\nmlx5_0 port 1 ==>\n')).toThrow('ibdev2netdev: line 3:')
    const r = parser.parse('hello\nmlx5_0 port 1 ==> ib0 (Up)\n')
    expect(r.warnings).toEqual(['line 1: not a "==>" mapping: ignored'])
    expect(() => parser.parse('# nothing\n')).toThrow('ibdev2netdev: line 1: no "<device>')
  })
})

describeIbSuites({
  parser,
  own: [h100, pod, azure],
  prefix: 'ibdev2netdev',
  words: [
    'mlx5_0',
    ' port ',
    '1',
    ' ==> ',
    'ib0',
    ' (Up)',
    ' # x',
    '0000:01:00.0 ',
    '(MT4100 - NA)',
    ' fw 1',
    '(ACTIVE)',
    '\n',
  ],
  pathological: () => [
    'mlx5_0 port 1 ==> ib0 (Up)\n'.repeat(20000),
    `${'port 1 '.repeat(10000)}==> ib0\n`,
    `a port 1 ${'==> '.repeat(20000)}\n`,
  ],
})
