import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import {
  SharedUplinks,
  maxMinRates,
  ringLoads,
  uplinkCapacities,
  type GangFlow,
} from './uplinks.js'

/** tree-512 (64 nodes: leaves of 8, pods of 4 leaves) with the spine at `spine`:1. */
const tree = (spine: number) =>
  parseClusterFile(
    `tree-512-${spine}.yaml`,
    readFileSync(
      new URL('../../../examples/clusters/tree-512.yaml', import.meta.url),
      'utf8',
    ).replace('oversubscription: { leaf: 1 }', `oversubscription: { leaf: 1, spine: ${spine} }`),
    defaultCatalog(),
  ).fabric

describe('ring loads', () => {
  const fabric = tree(1)

  it('counts the hops that leave each block and each pod, the last node back to the first', () => {
    expect(ringLoads(fabric, [0, 1, 2, 3])).toEqual([])
    // 7 → 8 leaves block 0, 8 → 7 (the ring closing) leaves block 1
    expect(ringLoads(fabric, [7, 8])).toEqual([
      { link: 0, hops: 1 },
      { link: 1, hops: 1 },
    ])
    // 0 and 32 sit in pods 0 and 1: both hops climb to the core too (pod links follow 8 blocks)
    expect(ringLoads(fabric, [0, 32])).toEqual([
      { link: 0, hops: 1 },
      { link: 4, hops: 1 },
      { link: 8, hops: 1 },
      { link: 9, hops: 1 },
    ])
    // interleaved order: every hop leaves its block
    expect(ringLoads(fabric, [0, 8, 1, 9])).toEqual([
      { link: 0, hops: 2 },
      { link: 1, hops: 2 },
    ])
    expect(ringLoads(fabric, [5, 5, 5])).toEqual([])
  })
})

describe('max-min rates', () => {
  it('splits a full link evenly and gives what is left to the gangs it does not hold back', () => {
    // link 0 carries 100; a and b share it; c is alone on link 1 (1,000) and gets its NIC rate
    const gangs: GangFlow[] = [
      { id: 'a', nicGbps: 80, loads: [{ link: 0, hops: 1 }] },
      {
        id: 'b',
        nicGbps: 80,
        loads: [
          { link: 0, hops: 1 },
          { link: 1, hops: 1 },
        ],
      },
      { id: 'c', nicGbps: 80, loads: [{ link: 1, hops: 2 }] },
    ]
    const rates = maxMinRates([100, 1000], gangs)
    expect(rates.get('a')).toBeCloseTo(50, 9)
    expect(rates.get('b')).toBeCloseTo(50, 9)
    expect(rates.get('c')).toBeCloseTo(80, 9)
  })

  const flows = fc
    .tuple(
      fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 6 }),
      fc.array(
        fc.record({
          nic: fc.double({ min: 1, max: 500, noNaN: true }),
          loads: fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 4 })), {
            maxLength: 4,
          }),
        }),
        { maxLength: 12 },
      ),
    )
    .map(([capacity, raw]) => ({
      capacity,
      gangs: raw.map((g, i): GangFlow => {
        const hops = new Map<number, number>()
        for (const [link, n] of g.loads) {
          hops.set(link % capacity.length, (hops.get(link % capacity.length) ?? 0) + n)
        }
        return {
          id: `g${i}`,
          nicGbps: g.nic,
          loads: [...hops].map(([link, n]) => ({ link, hops: n })),
        }
      }),
    }))

  it('never fills a link past its capacity nor a gang past its NIC, and leaves every gang a bottleneck', () => {
    fc.assert(
      fc.property(flows, ({ capacity, gangs }) => {
        const rates = maxMinRates(capacity, gangs)
        const load = capacity.map(() => 0)
        for (const g of gangs) {
          const r = rates.get(g.id) ?? -1
          expect(r).toBeGreaterThan(0)
          expect(r).toBeLessThanOrEqual(g.nicGbps * (1 + 1e-9))
          for (const l of g.loads) {
            load[l.link] = (load[l.link] ?? 0) + l.hops * r
          }
        }
        load.forEach((x, i) => {
          expect(x).toBeLessThanOrEqual((capacity[i] ?? 0) * (1 + 1e-9))
        })
        // max-min: each gang is at its NIC rate, or on a full link where no gang gets more
        for (const g of gangs) {
          const r = rates.get(g.id) ?? 0
          const atNic = r >= g.nicGbps * (1 - 1e-9)
          const bottleneck = g.loads.some(
            (l) =>
              (load[l.link] ?? 0) >= (capacity[l.link] ?? 0) * (1 - 1e-9) &&
              gangs.every(
                (o) =>
                  !o.loads.some((x) => x.link === l.link) ||
                  (rates.get(o.id) ?? 0) <= r * (1 + 1e-9),
              ),
          )
          expect(atNic || bottleneck).toBe(true)
        }
      }),
    )
  })
})

describe('shared uplinks', () => {
  it('slows gangs that share a pod uplink by their communication share, and frees them again', () => {
    // spine 8:1: a pod's uplink is 32 nodes × 3.2 Tb/s / 8 = 4 nodes' NICs
    const uplinks = new SharedUplinks(tree(8))
    expect(uplinkCapacities(tree(8)).slice(-2)).toEqual([12_800, 12_800])
    // six 2-node gangs each with one node in pod 0 and one in pod 1: 6 hops on each pod uplink
    for (let i = 0; i < 6; i++) {
      expect(uplinks.set(`g${i}`, [i, 32 + i], 0.25)).toBe(true)
    }
    // each gets 4/6 of its NIC rate: 0.75 + 0.25 × 1.5
    for (const pace of uplinks.paces().values()) {
      expect(pace).toBeCloseTo(1.125, 9)
    }
    // a gang inside one block climbs nothing and is not tracked
    expect(uplinks.set('home', [16, 17], 0.25)).toBe(false)
    expect(uplinks.remove('g0')).toBe(true)
    expect(uplinks.remove('g1')).toBe(true)
    // four left: exactly the uplink's capacity, full speed
    for (const pace of uplinks.paces().values()) {
      expect(pace).toBeCloseTo(1, 9)
    }
    // a gang with no communication share is never slowed
    expect(uplinks.set('g2', [2, 34], 0)).toBe(true)
    expect(uplinks.paces().has('g2')).toBe(false)
  })
})
