import { expect, it } from 'vitest'
import { describeOnEachDialect } from './dialects.case.js'

const sample = (at: number, allocated: number) => ({
  at,
  total: 64,
  allocated,
  healthy: 64,
  pending: 2,
  running: 1,
  scuTotal: 200.5,
  scuAllocated: allocated * 3.1,
})

describeOnEachDialect('cluster samples', (fx) => {
  it('records samples, answers a window oldest first and prunes old ones', async () => {
    const s = fx.store.samples
    await s.record(sample(300, 16))
    await s.record(sample(100, 8))
    await s.record(sample(200, 0))
    await s.record(sample(200, 24)) // the same moment again replaces it
    expect((await s.range(150, 300)).map((x) => [x.at, x.allocated])).toEqual([
      [200, 24],
      [300, 16],
    ])
    expect((await s.range(0, 1000))[0]).toEqual(sample(100, 8))
    expect(await s.prune(250)).toBe(2)
    expect((await s.range(0, 1000)).map((x) => x.at)).toEqual([300])
  })

  it('sums the SCU open allocations hold per tenant and workload class', async () => {
    expect(await fx.store.samples.held()).toEqual([])
    await fx.store.insertJob({
      id: 'j1',
      tenant: 'acme',
      name: 'a',
      queue: 'default',
      priority: 0,
      spec: { body: { acceleratorsPerReplica: 8 } },
      createdAt: 1,
    })
    await fx.store.transition('j1', {
      from: ['pending'],
      patch: { state: 'running', started_at: 2, updated_at: 2, placement: '["n1","n2"]' },
      events: [],
      openAllocation: {
        family: 'h100',
        workloadClass: 'llm-train',
        accelerators: 16,
        scu: 48,
        startAt: 2,
      },
    })
    expect(await fx.store.samples.held()).toEqual([
      { tenant: 'acme', workloadClass: 'llm-train', scu: 48, accelerators: 16, jobs: 1 },
    ])
  })
})
