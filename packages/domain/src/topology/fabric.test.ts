import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ZhisuanError } from '../errors.js'
import { buildFabric, type Fabric } from './fabric.js'
import type { FabricSpec, NodeGroupSpec } from './fabric-spec.js'
import { fabricCapacity } from './fabric-capacity.js'
import { lowestCommonTier, nodeTier, nodesUnder, pathBetween, spanOf } from './fabric-queries.js'
import { scaleUpDomain } from './scale-up.js'
import { tierRank } from './fabric-spec.js'

const nic = (count: number, gbps: number) => ({ count, gbps })

function spec(overrides: Partial<FabricSpec>): FabricSpec {
  return {
    design: 'fat-tree',
    tiers: 2,
    planes: 1,
    switchRadix: 8,
    nodesPerBlock: 2,
    oversubscription: { leaf: 1, spine: 1 },
    nic: nic(1, 100),
    ...overrides,
  }
}

function group(nodeCount: number, overrides: Partial<NodeGroupSpec> = {}): NodeGroupSpec {
  return {
    name: 'g',
    nodeCount,
    scaleUp: scaleUpDomain('nvswitch-8'),
    nic: nic(1, 100),
    ...overrides,
  }
}

describe('fabric capacity against hand-computed fabrics', () => {
  it('gives half the injection bandwidth as bisection for a non-blocking 2-tier tree', () => {
    const fabric = buildFabric(spec({}), [group(8)])
    // 8 nodes × 100 Gb/s = 800 injected; 4 blocks of 2 each send 200 up; half the blocks: 400.
    expect(fabricCapacity(fabric)).toEqual({
      injectionGbps: 800,
      leafUplinkGbps: 800,
      spineUplinkGbps: 0,
      bisectionGbps: 400,
    })
  })

  it('divides the bisection by the leaf oversubscription', () => {
    const fabric = buildFabric(spec({ oversubscription: { leaf: 2, spine: 1 } }), [group(8)])
    // each block: 2 × 100 / 2 = 100 up; two blocks on one side: 200.
    expect(fabricCapacity(fabric).bisectionGbps).toBe(200)
    expect(fabric.switches.leaf).toEqual({ switches: 4, downPorts: 2, upPorts: 1 })
  })

  it('cuts between pods at the spine oversubscription in a 3-tier tree', () => {
    const fabric = buildFabric(
      spec({ tiers: 3, blocksPerPod: 2, oversubscription: { leaf: 1, spine: 2 } }),
      [group(8)],
    )
    // 2 pods × 2 blocks × 2 nodes; a pod sends 400 down-side, 400 / 2 = 200 up; one pod per side.
    expect(fabric.pods).toHaveLength(2)
    expect(fabricCapacity(fabric)).toMatchObject({ spineUplinkGbps: 400, bisectionGbps: 200 })
    // spine radix 8 at 2:1 → 5 down, 3 up
    expect(fabric.switches.spine.downPorts).toBe(5)
    expect(fabric.switches.spine.upPorts).toBe(3)
  })

  it('splits the middle block of an odd count at its own bisection', () => {
    const fabric = buildFabric(spec({}), [group(6)])
    // blocks of 2 nodes: one whole block (200 up) + one node of the middle block (100).
    expect(fabricCapacity(fabric).bisectionGbps).toBe(300)
  })

  it('splits nodes, not blocks, evenly when the last block is partly filled', () => {
    // blocks of 4, 4 and 2 nodes at 100 Gb/s, non-blocking: half of 10 nodes is 5.
    // The 2-node block (200 up) and one whole block (400 up) hold 6 > 5, so: the 2-node block,
    // and 3 nodes of a 4-node block, cut at those nodes' links (300): 500 = 5 × 100.
    const fabric = buildFabric(spec({ nodesPerBlock: 4, switchRadix: 16 }), [group(10)])
    expect(fabric.blocks.map((b) => b.nodeCount)).toEqual([4, 4, 2])
    expect(fabricCapacity(fabric).bisectionGbps).toBe(500)
  })

  it('puts the blocks with the least uplink per node on one side of the cut', () => {
    // 2:1 leaves cabled for 4 nodes: every block sends 200 up, the 2-node one too. Side A
    // takes a full block (200 up: the cheapest per node) and 1 node of another (its link, 100).
    const fabric = buildFabric(
      spec({ nodesPerBlock: 4, switchRadix: 16, oversubscription: { leaf: 2, spine: 1 } }),
      [group(10)],
    )
    expect(fabricCapacity(fabric).bisectionGbps).toBe(300)
  })

  it('sums planes: a dual-plane fabric keeps the bandwidth and doubles the switches', () => {
    const single = buildFabric(spec({ nic: nic(2, 200) }), [group(4, { nic: nic(2, 200) })])
    const dual = buildFabric(spec({ nic: nic(2, 200), planes: 2 }), [
      group(4, { nic: nic(2, 200) }),
    ])
    expect(fabricCapacity(dual)).toEqual(fabricCapacity(single))
    expect(dual.switches.leaf.switches).toBe(2 * single.switches.leaf.switches)
  })

  it('counts one leaf per rail per block in a rail-optimized fabric', () => {
    const fabric = buildFabric(
      spec({ design: 'rail-optimized', switchRadix: 16, nodesPerBlock: 4, nic: nic(8, 400) }),
      [group(8, { nic: nic(8, 400) })],
    )
    expect(fabric.switches.leaf).toEqual({ switches: 16, downPorts: 4, upPorts: 4 })
    // 2 blocks × 8 rails × 4 up-ports = 64 spine ports at radix 16 → 4 spines.
    expect(fabric.switches.spine.switches).toBe(4)
    expect(fabricCapacity(fabric).bisectionGbps).toBe(4 * 3200)
  })
})

describe('tier queries', () => {
  const rail = (): Fabric =>
    buildFabric(
      spec({
        design: 'rail-optimized',
        tiers: 3,
        switchRadix: 32,
        nodesPerBlock: 2,
        blocksPerPod: 2,
        nic: nic(8, 400),
      }),
      [group(8, { nic: nic(8, 400) })],
    )

  it('finds the lowest common tier and the switch hops of two accelerators', () => {
    const fabric = rail()
    expect(pathBetween(fabric, 0, 7)).toEqual({ tier: 'node', switchHops: 1 })
    expect(pathBetween(fabric, 0, 8)).toEqual({ tier: 'leaf', switchHops: 1 }) // node 1, rail 0
    expect(pathBetween(fabric, 0, 9)).toEqual({ tier: 'spine', switchHops: 3 }) // node 1, rail 1
    expect(pathBetween(fabric, 0, 16)).toEqual({ tier: 'spine', switchHops: 3 }) // node 2: other block, same pod
    expect(pathBetween(fabric, 0, 32)).toEqual({ tier: 'core', switchHops: 5 }) // node 4: other pod
    expect(lowestCommonTier(fabric, 63, 0)).toBe('core')
  })

  it('joins the nodes of an NVL72 rack at the scale-up tier', () => {
    const fabric = buildFabric(
      spec({ design: 'rail-optimized', switchRadix: 64, nodesPerBlock: 18, nic: nic(4, 400) }),
      [group(36, { scaleUp: scaleUpDomain('nvl72'), nic: nic(4, 400) })],
    )
    expect(fabric.acceleratorCount).toBe(144)
    expect(nodeTier(fabric, 0, 17)).toBe('scale-up')
    expect(nodeTier(fabric, 17, 18)).toBe('spine')
    expect(pathBetween(fabric, 0, 71)).toEqual({ tier: 'scale-up', switchHops: 1 })
  })

  it('has no switch inside a full-mesh node', () => {
    const fabric = buildFabric(spec({}), [group(2, { scaleUp: scaleUpDomain('hccs-mesh-8') })])
    expect(pathBetween(fabric, 0, 3)).toEqual({ tier: 'node', switchHops: 0 })
  })

  it('lists the nodes under a leaf, a spine and a core switch', () => {
    const fabric = rail()
    expect(nodesUnder(fabric, { tier: 'leaf', plane: 0, block: 1, rail: 7 })).toEqual({
      firstNode: 2,
      nodeCount: 2,
    })
    expect(nodesUnder(fabric, { tier: 'spine', plane: 0, pod: 1, index: 0 })).toEqual({
      firstNode: 4,
      nodeCount: 4,
    })
    expect(nodesUnder(fabric, { tier: 'core', plane: 0, index: 0 })).toEqual({
      firstNode: 0,
      nodeCount: 8,
    })
    expect(() => nodesUnder(fabric, { tier: 'leaf', plane: 0, block: 1, rail: 8 })).toThrow(
      ZhisuanError,
    )
    expect(() => nodesUnder(fabric, { tier: 'leaf', plane: 1, block: 0, rail: 0 })).toThrow(
      /plane 1/,
    )
  })

  it('reports which blocks, pods and leaf switches a node set spans', () => {
    const fabric = rail()
    expect(spanOf(fabric, [0, 1])).toEqual({
      tier: 'leaf',
      blocks: [0],
      pods: [0],
      leafSwitches: 8,
    })
    expect(spanOf(fabric, [0, 3])).toMatchObject({ tier: 'spine', blocks: [0, 1] })
    expect(spanOf(fabric, [3, 4, 4])).toMatchObject({
      tier: 'core',
      pods: [0, 1],
      leafSwitches: 16,
    })
    expect(spanOf(fabric, [5])).toMatchObject({ tier: 'node' })
    expect(() => spanOf(fabric, [])).toThrow(/at least one node/)
    expect(() => spanOf(fabric, [8])).toThrow(/node 8/)
  })

  it('starts every node group on a new block', () => {
    const fabric = buildFabric(spec({ nodesPerBlock: 4 }), [group(3), group(2)])
    expect(fabric.blocks.map((b) => [b.group, b.firstNode, b.nodeCount])).toEqual([
      [0, 0, 3],
      [1, 3, 2],
    ])
    expect(nodeTier(fabric, 2, 3)).toBe('spine')
  })
})

describe('wiring checks', () => {
  it('rejects a leaf that needs more ports than the radix, naming the field', () => {
    const build = () => buildFabric(spec({ nodesPerBlock: 8, switchRadix: 8 }), [group(16)])
    expect(build).toThrow(/fabric\.nodesPerBlock: a leaf of pool g needs 8 down \+ 8 up ports/)
  })

  it('rejects a 2-tier fabric whose spines cannot reach every leaf', () => {
    expect(() => buildFabric(spec({}), [group(20)])).toThrow(
      /fabric\.tiers: a spine must reach all 10 leaves/,
    )
  })

  it('requires blocksPerPod for 3 tiers', () => {
    expect(() => buildFabric(spec({ tiers: 3 }), [group(4)])).toThrow(
      /fabric\.blocksPerPod: is required/,
    )
  })
})

describe('invariants', () => {
  const arbitraryFabric = fc
    .record({
      design: fc.constantFrom('fat-tree' as const, 'rail-optimized' as const),
      tiers: fc.constantFrom(2 as const, 3 as const),
      nodesPerBlock: fc.integer({ min: 1, max: 8 }),
      blocksPerPod: fc.integer({ min: 1, max: 4 }),
      leaf: fc.constantFrom(1, 1.5, 2, 3),
      spineO: fc.constantFrom(1, 2, 4),
      nics: fc.integer({ min: 1, max: 4 }),
      groups: fc.array(
        fc.record({ nodes: fc.integer({ min: 1, max: 30 }), perDomain: fc.constantFrom(1, 2, 3) }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    })
    .map((r) => {
      const s = spec({
        design: r.design,
        tiers: r.tiers,
        switchRadix: 1024,
        nodesPerBlock: r.nodesPerBlock,
        blocksPerPod: r.blocksPerPod,
        oversubscription: { leaf: r.leaf, spine: r.tiers === 3 ? r.spineO : 1 },
        nic: nic(r.nics, 100),
      })
      return buildFabric(
        s,
        r.groups.map((g, i) =>
          group(g.nodes, {
            name: `g${i}`,
            nic: nic(r.nics, 100),
            scaleUp: scaleUpDomain('nvswitch-8', { nodesPerDomain: g.perDomain }),
          }),
        ),
      )
    })

  it('never gives a bisection above half the injection bandwidth', () => {
    fc.assert(
      fc.property(arbitraryFabric, (fabric) => {
        const c = fabricCapacity(fabric)
        return c.bisectionGbps <= c.injectionGbps / 2 + 1e-9 && c.bisectionGbps >= 0
      }),
    )
  })

  it('gives a symmetric node tier that agrees with blocks, pods and nodesUnder', () => {
    fc.assert(
      fc.property(arbitraryFabric, fc.nat(), fc.nat(), (fabric, x, y) => {
        const a = x % fabric.nodeCount
        const b = y % fabric.nodeCount
        const tier = nodeTier(fabric, a, b)
        expect(nodeTier(fabric, b, a)).toBe(tier)
        const sameBlock = fabric.nodeBlock[a] === fabric.nodeBlock[b]
        const samePod = fabric.nodePod[a] === fabric.nodePod[b]
        expect(tierRank(tier) <= tierRank('leaf')).toBe(
          sameBlock || fabric.nodeDomain[a] === fabric.nodeDomain[b],
        )
        expect(tierRank(tier) <= tierRank('spine')).toBe(
          samePod || sameBlock || fabric.nodeDomain[a] === fabric.nodeDomain[b],
        )
        const block = fabric.nodeBlock[a] ?? 0
        const range = nodesUnder(fabric, { tier: 'leaf', plane: 0, block, rail: 0 })
        expect(a >= range.firstNode && a < range.firstNode + range.nodeCount).toBe(true)
      }),
    )
  })
})
