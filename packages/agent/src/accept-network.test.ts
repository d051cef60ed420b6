import { describe, expect, it } from 'vitest'
import type { AcceptanceReport } from './accept.js'
import { networkAcceptance, scaleOutPorts, withNetwork } from './accept-network.js'
import {
  asNode,
  editCa,
  evidenceOf,
  h100Ibstat,
  lab,
  readNet,
} from './accept-network.test-support.js'
import { parseNetwork } from './network/index.js'

const spec = lab.fabric.spec
/** h100-001…h100-00n of lab-64, each with the H100 ibstat under GUIDs of its own. */
const rack = (n: number, edit: (node: number, text: string) => string = (_, t) => t) =>
  Array.from({ length: n }, (_, i) =>
    evidenceOf(lab, `h100-00${i + 1}`, edit(i + 1, asNode(h100Ibstat, i + 1))),
  )
const check = (evidence: Parameters<typeof networkAcceptance>[0]) =>
  networkAcceptance(evidence, spec).reasons

describe('network acceptance of a rack', () => {
  it('takes the eight CX-7 IB ports as the scale-out NICs, not the BlueField-3 frontend bond', () => {
    const ports = scaleOutPorts(parseNetwork(h100Ibstat).nics)
    expect(ports.map((p) => p.device)).toEqual([
      'mlx5_0',
      'mlx5_1',
      'mlx5_4',
      'mlx5_5',
      'mlx5_6',
      'mlx5_7',
      'mlx5_8',
      'mlx5_9',
    ])
    // the RoCE host: 8 × CX-7 at 400 beside 4 × CX-6 Dx at 100, in device order (10 after 9)
    const roce = scaleOutPorts(
      parseNetwork(readNet('ibstat--leptonai-gpud--h100-cx7-roce400-plus-cx6dx.txt')).nics,
    )
    expect(roce.map((p) => [p.device, p.rateGbps])).toEqual(
      ['mlx5_0', 'mlx5_3', 'mlx5_4', 'mlx5_5', 'mlx5_6', 'mlx5_9', 'mlx5_10', 'mlx5_11'].map(
        (d) => [d, 400],
      ),
    )
  })

  it('passes nodes whose eight ports are Active at 400 Gb/s, on one firmware, GUIDs unique', () => {
    const result = networkAcceptance(rack(4), spec)
    expect(result.reasons).toEqual({})
    expect(result.poolFirmware).toEqual({ h100: { MT4129: '28.41.1000', MT41692: '32.38.3056' } })
    expect(result.cabling).toBe(false)
  })

  it('names a port that is down or below its rate, with the rate pool h100 expects', () => {
    const reasons = check(
      rack(4, (n, text) =>
        n === 2
          ? editCa(text, 'mlx5_4', [
              ['State: Active', 'State: Down'],
              ['Physical state: LinkUp', 'Physical state: Polling'],
              ['Rate: 400', 'Rate: 10'],
            ])
          : n === 3
            ? editCa(text, 'mlx5_6', [['Rate: 400', 'Rate: 200']])
            : text,
      ),
    )
    expect(reasons).toEqual({
      'h100-002': [
        'mlx5_4 port 1 is Down (physical state Polling, 10 Gb/s), pool h100 expects Active at 400 Gb/s',
      ],
      'h100-003': ['mlx5_6 port 1 runs at 200 Gb/s, pool h100 expects 400 Gb/s'],
    })
  })

  it('names a missing port by what the rest of the pool has', () => {
    const reasons = check(
      rack(4, (n, text) => (n === 4 ? text.replace(/^CA 'mlx5_5'[^]*?(?=^CA ')/m, '') : text)),
    )
    expect(reasons['h100-004']).toEqual([
      '7 scale-out ports found (MT4129), pool h100 expects 8 × 400 Gb/s; missing mlx5_5 port 1, which most nodes of the pool have',
    ])
    expect(Object.keys(reasons)).toEqual(['h100-004'])
  })

  it('names a node whose NIC firmware is not the pool majority, with both versions', () => {
    const result = networkAcceptance(
      rack(3, (n, text) => (n === 3 ? text.replaceAll('28.41.1000', '28.39.1002') : text)),
      spec,
    )
    expect(result.reasons).toEqual({
      'h100-003': [
        'mlx5_0, mlx5_1, mlx5_4, mlx5_5, mlx5_6, mlx5_7, mlx5_8, mlx5_9 (MT4129) run firmware 28.39.1002, most of pool h100 runs 28.41.1000',
      ],
    })
    expect(result.poolFirmware['h100']?.['MT4129']).toBe('28.41.1000')
  })

  it('names duplicate GUIDs on both nodes, naming the other node', () => {
    // h100-002 is h100-001's NIC report again: a cloned file, or one host reported twice
    const reasons = check([
      ...rack(1),
      evidenceOf(lab, 'h100-002', asNode(h100Ibstat, 1)),
      ...rack(3).slice(2),
    ])
    expect(Object.keys(reasons).sort()).toEqual(['h100-001', 'h100-002'])
    expect(reasons['h100-001']).toHaveLength(1)
    expect(reasons['h100-001']?.[0]).toMatch(
      /^port GUIDs also on h100-002 \(each must be unique\): mlx5_0 port 1 0x01a2e10300a7820e, mlx5_1 port 1 0x0188c20300da6342, .*mlx5_bond_0 port 1 0x011d97fffe0056cf$/,
    )
    expect(reasons['h100-002']?.[0]).toMatch(/^port GUIDs also on h100-001 /)
  })

  it('fails a node with no NIC report, an unreadable one, or one that lists no port', () => {
    const [a, b, c, d] = rack(4)
    if (a === undefined || b === undefined || c === undefined || d === undefined) {
      throw new Error('rack(4) has four nodes')
    }
    const reasons = check([
      a,
      { ...b, report: undefined },
      { ...c, report: { kind: 'unreadable', reason: 'h100-003.txt: ibstat: line 4: …' } },
      { ...d, report: { kind: 'parsed', tool: 'ethtool-stats', ports: [] } },
      { ...a, node: 'cpu-001', pool: undefined, report: undefined },
    ])
    expect(reasons).toEqual({
      'h100-002': ['no NIC report'],
      'h100-003': ['NIC report: h100-003.txt: ibstat: line 4: …'],
      'h100-004': ['the NIC report (ethtool-stats) lists no RDMA port: send ibstat output'],
    })
  })

  it('asks for a tool that gives port states when the report has none (ibdev2netdev)', () => {
    const text = readNet('ibdev2netdev--imbue-ai-cluster-health-issue4--h100-cx7-ib-cx6-eth.txt')
    const reasons = check([evidenceOf(lab, 'h100-001', text)])['h100-001'] ?? []
    expect(reasons).toHaveLength(8)
    expect(reasons[0]).toBe("ibdev2netdev does not give mlx5_0 port 1's state: send ibstat output")
  })

  it('merges into the acceptance report: a node with any network reason fails', () => {
    const report: AcceptanceReport = {
      nodes: ['h100-001', 'h100-002'].map((node) => ({
        node,
        pool: 'h100',
        pass: true,
        reasons: [],
        devices: 8,
        driverVersion: '550.90.07',
      })),
      passed: 2,
      failed: 0,
      poolDrivers: { h100: '550.90.07' },
    }
    const merged = withNetwork(
      report,
      networkAcceptance(
        rack(2, (n, t) => (n === 2 ? editCa(t, 'mlx5_9', [['Rate: 400', 'Rate: 200']]) : t)),
        spec,
      ),
    )
    expect(merged.nodes.map((n) => [n.node, n.pass, n.reasons])).toEqual([
      ['h100-001', true, []],
      ['h100-002', false, ['mlx5_9 port 1 runs at 200 Gb/s, pool h100 expects 400 Gb/s']],
    ])
    expect(merged).toMatchObject({ passed: 1, failed: 1, network: { cabling: false } })
  })
})
