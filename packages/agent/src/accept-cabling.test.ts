import type { Cluster } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fabricMapOf } from './accept-cabling.js'
import { networkAcceptance, scaleOutPorts, type NicEvidence } from './accept-network.js'
import {
  asNode,
  editCa,
  evidenceOf,
  fabricText,
  h100Ibstat,
  lab,
  readNet,
  smallCluster,
} from './accept-network.test-support.js'
import { parseNetwork } from './network/index.js'
import type { NicPort } from './network/types.js'

const edr = fabricMapOf(
  parseNetwork(readNet('ibnetdiscover--treydock-infiniband_exporter--ports-edr-fabric.txt')),
)
const hdr = fabricMapOf(
  parseNetwork(readNet('ibnetdiscover--treydock-infiniband_exporter--ports-hdr-sharp-aggnode.txt')),
)

/** One Active IB port, as ibstat gives it. */
const port = (device: string, guid: string | null, rateGbps: number): NicPort => ({
  device,
  port: 1,
  linkLayer: 'IB',
  state: 'active',
  physicalState: 'linkup',
  rateGbps,
  firmware: '12.28.2006',
  netdev: null,
  guid,
  model: 'MT4115',
})

/** The EDR fixture's three HCAs (o0001, o0002 on ib-i1l1s01; p0001 on ib-i4l1s01) as edr-00n. */
function edrRack(cluster: Cluster): NicEvidence[] {
  const guids = ['0x7cfe9003003b4bde', '0x7cfe9003003b4b96', '0x506b4b0300cc02a6']
  return guids.map((guid, i) => ({
    ...evidenceOf(cluster, `edr-00${i + 1}`, undefined),
    report: { kind: 'parsed', tool: 'ibstat', ports: [port('mlx5_0', guid, 100)] },
  }))
}
const edrCluster = (design: 'fat-tree' | 'rail-optimized', nodesPerBlock: number) =>
  smallCluster({ design, nodesPerBlock, count: 3, nics: { count: 1, gbps: 100 } })
const edrCheck = (design: 'fat-tree' | 'rail-optimized', nodesPerBlock: number) => {
  const cluster = edrCluster(design, nodesPerBlock)
  return networkAcceptance(edrRack(cluster), cluster.fabric.spec, edr)
}

describe('cabling against ibnetdiscover --ports (real fabrics)', () => {
  it('passes the EDR fabric against a cluster file with its two leaves as blocks of 2 and 1', () => {
    expect(edrCheck('fat-tree', 2)).toMatchObject({ reasons: {}, cabling: true })
  })

  it('names the node on another leaf than the rest of its block, with both leaves', () => {
    expect(edrCheck('fat-tree', 3).reasons).toEqual({
      'edr-003': [
        'mlx5_0 port 1 lands on leaf ib-i4l1s01 port 35, most ports of block 0 are on leaf ib-i1l1s01',
      ],
    })
    expect(edrCheck('rail-optimized', 3).reasons['edr-003']).toEqual([
      'mlx5_0 port 1 (rail 0) lands on leaf ib-i4l1s01 port 35, the other nodes of block 0 rail 0 are on leaf ib-i1l1s01',
    ])
  })

  it('names nodes of two blocks that share one leaf', () => {
    expect(edrCheck('fat-tree', 1).reasons).toEqual({
      'edr-001': [
        'leaf ib-i1l1s01 carries block 0 and block 1; the cluster file (fat-tree) gives each block and plane its own leaf',
      ],
      'edr-002': [
        'leaf ib-i1l1s01 carries block 0 and block 1; the cluster file (fat-tree) gives each block and plane its own leaf',
      ],
    })
  })

  it('names a node none of whose ports the fabric shows', () => {
    const cluster = edrCluster('fat-tree', 2)
    const lost: NicEvidence = {
      ...evidenceOf(cluster, 'edr-003', undefined),
      report: {
        kind: 'parsed',
        tool: 'ibstat',
        ports: [port('mlx5_0', '0x0002c903000e0b72', 100)],
      },
    }
    const rack = [...edrRack(cluster).slice(0, 2), lost]
    const reasons = networkAcceptance(rack, cluster.fabric.spec, edr).reasons
    expect(reasons).toEqual({
      'edr-003': [
        'none of its 1 IB ports is in the ibnetdiscover output (by port GUID or by the node description "edr-003 <device>")',
      ],
    })
  })

  it('finds an HCA by its node description "<host> <device>" when the report has no GUID', () => {
    const cluster = smallCluster({
      design: 'rail-optimized',
      nodesPerBlock: 4,
      count: 2,
      nics: { count: 1, gbps: 200 },
      pool: 'worker',
    })
    const pool = cluster.pools[0]
    const node = (name: string): NicEvidence => ({
      node: name,
      pool,
      block: 0,
      report: { kind: 'parsed', tool: 'ibdev2netdev', ports: [port('mlx5_3', null, 200)] },
    })
    const reasons = networkAcceptance(
      [node('worker20'), node('worker21')],
      cluster.fabric.spec,
      hdr,
    )
    expect(reasons.reasons).toEqual({
      worker21: [
        'none of its 1 IB ports is in the ibnetdiscover output (by port GUID or by the node description "worker21 <device>")',
      ],
    })
  })
})

/**
 * lab-64's nodes h100-001…008, each the H100 ibstat under GUIDs of its own, its NIC report as
 * `edit` makes it; the fabric cables node i's rail k (its own GUIDs) to leaf `leaf(i, k)`.
 */
function labRack(
  edit: (i: number, text: string) => string = (_, t) => t,
  leaf: (i: number, rail: number) => string = (i, rail) => `b${Math.floor(i / 4)}-r${rail}`,
) {
  const node = (i: number) => `h100-00${i + 1}`
  const evidence = Array.from({ length: 8 }, (_, i) =>
    evidenceOf(lab, node(i), edit(i, asNode(h100Ibstat, i + 1))),
  )
  const links = evidence.flatMap((_, i) =>
    scaleOutPorts(parseNetwork(asNode(h100Ibstat, i + 1)).nics).map((p, rail) => ({
      host: node(i),
      device: p.device,
      guid: p.guid ?? '',
      leaf: leaf(i, rail),
      leafPort: (i % 4) + 1,
    })),
  )
  return { evidence, map: fabricMapOf(parseNetwork(fabricText(links))) }
}
const labCheck = (rack: ReturnType<typeof labRack>) =>
  networkAcceptance(rack.evidence, lab.fabric.spec, rack.map).reasons

describe('cabling of a rail-optimized block (lab-64)', () => {
  it('passes rail k of every node on leaf k of its block', () => {
    expect(labCheck(labRack())).toEqual({})
  })

  it('names swapped cables and a port on another block’s leaf: port, leaf found, leaf expected', () => {
    const swapped = (i: number, rail: number) =>
      i === 1 && rail < 2
        ? `b0-r${1 - rail}`
        : i === 5 && rail === 3
          ? 'b0-r3'
          : `b${Math.floor(i / 4)}-r${rail}`
    expect(labCheck(labRack(undefined, swapped))).toEqual({
      'h100-002': [
        'mlx5_0 port 1 (rail 0) lands on leaf b0-r1 port 2, the other nodes of block 0 rail 0 are on leaf b0-r0',
        'mlx5_1 port 1 (rail 1) lands on leaf b0-r0 port 2, the other nodes of block 0 rail 1 are on leaf b0-r1',
      ],
      'h100-006': [
        'mlx5_5 port 1 (rail 3) lands on leaf b0-r3 port 2, the other nodes of block 1 rail 3 are on leaf b1-r3',
      ],
    })
  })

  it('names every node of a block whose two rails share one leaf', () => {
    const reasons = labCheck(
      labRack(undefined, (i, rail) => `b${Math.floor(i / 4)}-r${i < 4 && rail === 3 ? 2 : rail}`),
    )
    expect(Object.keys(reasons)).toEqual(['h100-001', 'h100-002', 'h100-003', 'h100-004'])
    expect(reasons['h100-001']).toEqual([
      'leaf b0-r2 carries block 0 rail 2 and block 0 rail 3; the cluster file (rail-optimized) gives each block, rail and plane its own leaf',
    ])
  })

  it('finds the ports by node description when the NIC reports carry no GUID', () => {
    const { evidence, map } = labRack(undefined, (i, rail) =>
      i === 1 && rail < 2 ? `b0-r${1 - rail}` : `b${Math.floor(i / 4)}-r${rail}`,
    )
    const noGuid = evidence.map((e) =>
      e.report?.kind === 'parsed'
        ? {
            ...e,
            report: { ...e.report, ports: e.report.ports.map((p) => ({ ...p, guid: null })) },
          }
        : e,
    )
    const reasons = networkAcceptance(noGuid, lab.fabric.spec, map).reasons
    expect(Object.keys(reasons)).toEqual(['h100-002'])
    expect(reasons['h100-002']?.[0]).toMatch(/^mlx5_0 port 1 \(rail 0\) lands on leaf b0-r1 /)
  })
})

type Fault = 'down' | 'slow' | 'firmware' | 'clone' | 'swap' | 'other-block'
const faults: readonly Fault[] = ['down', 'slow', 'firmware', 'clone', 'swap', 'other-block']

describe('network acceptance, whatever the faults', () => {
  it('fails exactly the faulty nodes (and a clone’s victim); permuting the nodes changes nothing', () => {
    const oneOf = (min: number) =>
      fc.option(
        fc.record({ at: fc.integer({ min, max: min + 3 }), fault: fc.constantFrom(...faults) }),
      )
    fc.assert(
      fc.property(
        oneOf(0),
        oneOf(4),
        fc.array(fc.integer(), { minLength: 8, maxLength: 8 }),
        (a, b, keys) => {
          const injected = [a, b].filter((f) => f !== null)
          const faultOf = (i: number) => injected.find((f) => f.at === i)?.fault
          const rack = labRack(
            (i, text) => {
              switch (faultOf(i)) {
                case 'down':
                  return editCa(text, 'mlx5_6', [['State: Active', 'State: Down']])
                case 'slow':
                  return editCa(text, 'mlx5_1', [['Rate: 400', 'Rate: 200']])
                case 'firmware':
                  return text.replaceAll('28.41.1000', '28.39.1002')
                case 'clone':
                  return asNode(h100Ibstat, ((i + 1) % 8) + 1)
                default:
                  return text
              }
            },
            (i, rail) => {
              const block = Math.floor(i / 4)
              const fault = faultOf(i)
              return fault === 'swap' && rail < 2
                ? `b${block}-r${1 - rail}`
                : fault === 'other-block' && rail === 3
                  ? `b${1 - block}-r3`
                  : `b${block}-r${rail}`
            },
          )
          const reasons = labCheck(rack)
          const victims = injected.filter((f) => f.fault === 'clone').map((f) => (f.at + 1) % 8)
          const failing = [...new Set([...injected.map((f) => f.at), ...victims])].sort()
          expect(Object.keys(reasons).sort()).toEqual(failing.map((i) => `h100-00${i + 1}`))
          const order = rack.evidence
            .map((e, i) => ({ e, key: keys[i] ?? 0 }))
            .sort((x, y) => x.key - y.key)
            .map((x) => x.e)
          expect(networkAcceptance(order, lab.fabric.spec, rack.map).reasons).toEqual(reasons)
        },
      ),
      { numRuns: 60 },
    )
  })
})
