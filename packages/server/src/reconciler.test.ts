import { afterAll, describe, expect, it } from 'vitest'
import { defaultCatalog, type ExecutionBackend } from '@zhisuan/domain'
import { Store } from '@zhisuan/store'
import { Reconciler } from './reconciler.js'
import { appFixture, labCluster, type AppFixture } from './testing.js'

/** Submits a one-node H100 job (or what `over` changes) through the API; its id. */
async function submitJob(
  fx: AppFixture,
  token: string,
  over: Record<string, unknown> = {},
): Promise<string> {
  const r = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jobs',
    headers: { authorization: `Bearer ${token}` },
    payload: {
      name: 'j',
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 3600 },
      ...over,
    },
  })
  return r.json<{ id: string }>().id
}

/** Another control plane's loop on the same store: what a restarted process runs. */
function loopOn(
  store: Store,
  backend: ExecutionBackend,
  holder: string,
  clock: () => number,
  over: { leaseTtlS?: number } = { leaseTtlS: 0 },
): Reconciler {
  return new Reconciler({
    store,
    backend,
    cluster: labCluster(),
    catalog: defaultCatalog(),
    clock,
    holder,
    ...over,
    log: () => undefined,
  })
}

/** The fixture's twin as a backend, with some of its calls replaced. */
function overTwin(fx: AppFixture, name: string, over: Partial<ExecutionBackend>): ExecutionBackend {
  return {
    name,
    launch: (job) => fx.twin.launch(job),
    cancel: (id) => fx.twin.cancel(id),
    runs: () => fx.twin.runs(),
    nodes: () => fx.twin.nodes(),
    setDrain: (node) => fx.twin.setDrain(node),
    poll: () => fx.twin.poll(),
    close: () => Promise.resolve(),
    ...over,
  }
}

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
      ids.push(await submitJob(fx, member, { name: `j${i}` }))
    }
    await fx.reconciler.pass()
    await fx.reconciler.stop()
    // a new process: its backend fails once while the loop rebuilds
    let failures = 1
    const flaky = overTwin(fx, 'flaky-twin', {
      runs: () =>
        failures-- > 0 ? Promise.reject(new Error('backend unreachable')) : fx.twin.runs(),
    })
    const second = loopOn(store, flaky, 'second', () => fx.now() + 10)
    await expect(second.pass()).rejects.toThrow('backend unreachable')
    expect(second.leader).toBe(false)
    // one more job that would take a node if the first eight were forgotten
    await submitJob(fx, member, { name: 'late', twin: { durationS: 60 } })
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

describe('the reconcile loop and a backend that refuses', () => {
  const stores: Store[] = []
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
  })

  it('charges no lost time for a launch that was refused, however long the refusal took', async () => {
    const store = await Store.open(':memory:')
    stores.push(store)
    const fx = await appFixture(store)
    await fx.reconciler.stop()
    const member = await fx.token('system', 'member')
    const slow = overTwin(fx, 'slow-refusing-twin', {
      launch: () => {
        fx.advance(30) // slurmrestd took 30 s to say no
        return Promise.reject(new Error('partition down'))
      },
    })
    const id = await submitJob(fx, member)
    const loop = loopOn(store, slow, 'slow', () => fx.now())
    await loop.pass()
    expect(await store.getJob(id)).toMatchObject({
      state: 'pending',
      restarts: 0,
      lostS: 0,
      doneS: 0,
    })
    await loop.stop()
    await fx.app.close()
  })

  it('keeps a launch hold through a restart of the control plane', async () => {
    const store = await Store.open(':memory:')
    stores.push(store)
    const fx = await appFixture(store)
    await fx.reconciler.stop()
    const member = await fx.token('system', 'member')
    const launches: number[] = []
    let refuse = 2
    const refusing = overTwin(fx, 'refusing-twin', {
      launch: (job) => {
        launches.push(fx.now())
        return refuse-- > 0 ? Promise.reject(new Error('partition down')) : fx.twin.launch(job)
      },
    })
    const id = await submitJob(fx, member)
    const first = loopOn(store, refusing, 'first', () => fx.now())
    await first.pass() // refused: held 5 s
    await first.stop()
    // a new process 2 s later: it waits out the 3 s left, then the next refusal holds 10 s
    fx.advance(2)
    const second = loopOn(store, refusing, 'second', () => fx.now())
    for (const step of [0, 2, 1, 9, 1]) {
      fx.advance(step)
      await second.pass()
    }
    const start = launches[0] ?? 0
    expect(launches.map((t) => t - start)).toEqual([0, 5, 15])
    expect(await store.getJob(id)).toMatchObject({ state: 'running', restarts: 0 })
    await second.stop()
    await fx.app.close()
  })

  it('holds a job whose launch was refused, 5 s then doubling, without counting restarts', async () => {
    const store = await Store.open(':memory:')
    stores.push(store)
    const fx = await appFixture(store)
    await fx.reconciler.stop()
    const member = await fx.token('system', 'member')
    let refuse = 3
    const launches: number[] = []
    const drains: [string, boolean, string][] = []
    const refusing = overTwin(fx, 'refusing-twin', {
      launch: (job) => {
        launches.push(fx.now())
        return refuse-- > 0
          ? Promise.reject(new Error('Required partition not available (inactive or drain)'))
          : fx.twin.launch(job)
      },
      setDrain: (node, drain, reason) => {
        drains.push([node, drain, reason])
        return fx.twin.setDrain(node)
      },
    })
    const loop = loopOn(store, refusing, 'refused', () => fx.now(), {})
    const id = await submitJob(fx, member)
    const why = async () =>
      (
        await fx.app.inject({
          method: 'GET',
          url: `/api/v1/jobs/${id}/why`,
          headers: { authorization: `Bearer ${member}` },
        })
      ).json<{ state: string; reason: { kind: string; failures: number } | null }>()
    await loop.pass() // refused once: held 5 s
    expect(await why()).toMatchObject({
      state: 'pending',
      reason: { kind: 'launch-failed', failures: 1 },
    })
    for (const step of [1, 3, 1]) {
      fx.advance(step)
      await loop.pass()
    }
    // t = 5: tried again, refused (hold 10 s); t = 15: refused (hold 20 s); t = 35: runs
    fx.advance(4)
    await loop.pass()
    expect(await why()).toMatchObject({ reason: { kind: 'launch-failed', failures: 2 } })
    fx.advance(5)
    await loop.pass()
    fx.advance(1)
    await loop.pass()
    fx.advance(19)
    await loop.pass()
    expect((await why()).state).toBe('pending')
    fx.advance(1)
    await loop.pass()
    const start = launches[0] ?? 0
    expect(launches.map((t) => t - start)).toEqual([0, 5, 15, 35])
    const job = await store.getJob(id)
    expect(job).toMatchObject({ state: 'running', restarts: 0, lostS: 0 })
    const kinds = (await store.events(id)).map((e) => e.kind)
    expect(kinds.filter((k) => k === 'launch-failed')).toHaveLength(3)

    // drains reach the backend from the loop, once per change, with the reason
    const node = job?.placement?.[0] ?? ''
    await fx.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${node}/drain`,
      headers: { authorization: `Bearer ${fx.adminToken}` },
      payload: { reason: 'fan' },
    })
    fx.advance(1)
    await loop.pass()
    fx.advance(1)
    await loop.pass()
    await fx.app.inject({
      method: 'POST',
      url: `/api/v1/nodes/${node}/resume`,
      headers: { authorization: `Bearer ${fx.adminToken}` },
    })
    fx.advance(1)
    await loop.pass()
    expect(drains).toEqual([
      [node, true, 'fan'],
      [node, false, ''],
    ])
    await loop.stop()
    await fx.app.close()
  })
})

describe('the reconcile loop on a restart, and the backend’s word on its nodes', () => {
  const stores: Store[] = []
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
  })

  it('takes node health changed while no loop ran from the backend: failed moves gangs, a repair returns the node', async () => {
    const store = await Store.open(':memory:')
    stores.push(store)
    const fx = await appFixture(store)
    const member = await fx.token('system', 'member')
    const id = await submitJob(fx, member, { name: 'gang', replicas: 2 })
    await fx.reconciler.pass()
    const placed = (await store.getJob(id))?.placement ?? []
    expect(placed).toHaveLength(2)
    // a node that had failed before the stop, repaired meanwhile
    const repaired = fx.reconciler.nodes.find((n) => !placed.includes(n)) ?? ''
    await store.setNodeState({
      name: repaired,
      adminState: 'active',
      health: 'failed',
      reason: 'XID 79',
      updatedAt: fx.now(),
    })
    await fx.reconciler.stop()
    // the backend, on the next start: one node of the gang down, the repaired one back
    const down = placed[0] ?? ''
    const word = overTwin(fx, 'slurm-like', {
      nodes: async () =>
        (await fx.twin.nodes()).map((n) =>
          n.name === down ? { name: n.name, health: 'failed', reason: 'Not responding' } : n,
        ),
    })
    const second = loopOn(store, word, 'second', () => fx.now() + 10)
    await second.pass()
    const states = new Map((await store.nodeStates()).map((n) => [n.name, n]))
    expect(states.get(down)).toMatchObject({ health: 'failed', reason: 'Not responding' })
    expect(states.get(repaired)?.health).toBe('healthy')
    const job = await store.getJob(id)
    expect(job?.placement).not.toContain(down)
    expect(job?.restarts).toBe(1)
    await second.stop()
    await fx.app.close()
  })
})

describe('an evacuation asked just before a crash', () => {
  it('is carried out by the restarted loop', async () => {
    const store = await Store.open(':memory:')
    const fx = await appFixture(store)
    try {
      const member = await fx.token('system', 'member')
      const id = await submitJob(fx, member, { name: 'movable' })
      await fx.reconciler.pass()
      const node = (await store.getJob(id))?.placement?.[0] ?? ''
      fx.advance(30)
      const drained = await fx.app.inject({
        method: 'POST',
        url: `/api/v1/nodes/${node}/drain`,
        headers: { authorization: `Bearer ${fx.adminToken}` },
        payload: { reason: 'fan', evacuate: true },
      })
      expect(drained.statusCode).toBe(200)
      // the process dies before its loop takes the request; another one starts
      await fx.reconciler.stop()
      const second = loopOn(store, overTwin(fx, 'twin', {}), 'second', () => fx.now() + 5)
      await second.pass()
      const job = await store.getJob(id)
      expect(job).toMatchObject({ state: 'running', attempt: 2, restarts: 1 })
      expect(job?.placement).not.toContain(node)
      // and a second restart does not move it again
      await second.stop()
      const third = loopOn(store, overTwin(fx, 'twin', {}), 'third', () => fx.now() + 10)
      await third.pass()
      expect(await store.getJob(id)).toMatchObject({ attempt: 2, restarts: 1 })
      await third.stop()
    } finally {
      await fx.app.close()
      await store.close()
    }
  })
})
