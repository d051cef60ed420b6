import { afterAll, describe, expect, it } from 'vitest'
import { defaultCatalog, type ExecutionBackend } from '@zhisuan/domain'
import { Store } from '@zhisuan/store'
import { Reconciler } from './reconciler.js'
import { appFixture, labCluster } from './testing.js'

describe('the reconcile loop after a restart', () => {
  const stores: Store[] = []
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
  })

  it('does not schedule on a half-done rebuild: a backend that fails mid-way leaves nothing adopted twice', async () => {
    const store = await Store.open(':memory:')
    stores.push(store)
    const fx = await appFixture(store)
    const member = await fx.token('system', 'member')
    const ids: string[] = []
    for (let i = 0; i < 8; i++) {
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer ${member}` },
        payload: {
          name: `j${i}`,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 3600 },
        },
      })
      ids.push(r.json<{ id: string }>().id)
    }
    await fx.reconciler.pass()
    await fx.reconciler.stop()
    // a new process: its backend fails once while the loop rebuilds
    let failures = 1
    const flaky: ExecutionBackend = {
      name: 'flaky-twin',
      launch: (job) => fx.twin.launch(job),
      cancel: (id) => fx.twin.cancel(id),
      runs: () =>
        failures-- > 0 ? Promise.reject(new Error('backend unreachable')) : fx.twin.runs(),
      nodes: () => fx.twin.nodes(),
      setDrain: (node) => fx.twin.setDrain(node),
      poll: () => fx.twin.poll(),
      close: () => Promise.resolve(),
    }
    const second = new Reconciler({
      store,
      backend: flaky,
      cluster: labCluster(),
      catalog: defaultCatalog(),
      clock: () => fx.now() + 10,
      holder: 'second',
      leaseTtlS: 0,
      log: () => undefined,
    })
    await expect(second.pass()).rejects.toThrow('backend unreachable')
    expect(second.leader).toBe(false)
    // one more job that would take a node if the first eight were forgotten
    await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { authorization: `Bearer ${member}` },
      payload: {
        name: 'late',
        acceleratorsPerReplica: 8,
        chip: { family: 'H100' },
        twin: { durationS: 60 },
      },
    })
    await second.pass()
    const jobs = await store.listJobs({ limit: 100 })
    expect(
      jobs
        .filter((j) => j.state === 'running')
        .map((j) => j.id)
        .sort(),
    ).toEqual([...ids].sort())
    expect(jobs.find((j) => j.name === 'late')?.state).toBe('pending')
    expect(jobs.every((j) => j.attempt <= 1)).toBe(true)
    await second.stop()
    await fx.app.close()
  })
})
