import { expect, it } from 'vitest'
import { describeOnEachDialect } from './dialects.case.js'

// One suite, every dialect: SQLite always, PostgreSQL when ZHISUAN_TEST_POSTGRES_URL is set.
describeOnEachDialect('store', (fx) => {
  it('creates, lists and updates tenants, refusing a taken name', async () => {
    await fx.store.createTenant({ name: 'alpha', quotas: { 'llm-train': { guaranteed: 64 } } }, 1)
    await fx.store.createTenant({ name: 'beta', quotas: {} }, 2)
    await expect(fx.store.createTenant({ name: 'alpha', quotas: {} }, 3)).rejects.toMatchObject({
      code: 'conflict',
    })
    await fx.store.updateTenant({ name: 'beta', quotas: { 'llm-train': { guaranteed: 8 } } }, 4)
    expect(await fx.store.listTenants()).toEqual([
      { name: 'alpha', quotas: { 'llm-train': { guaranteed: 64 } } },
      { name: 'beta', quotas: { 'llm-train': { guaranteed: 8 } } },
    ])
    await expect(fx.store.updateTenant({ name: 'gamma', quotas: {} }, 5)).rejects.toMatchObject({
      code: 'not-found',
    })
  })

  it('finds live tokens by hash only, and forgets revoked ones', async () => {
    await fx.store.createToken({
      id: 't1',
      hash: 'h1',
      tenant: 'alpha',
      role: 'member',
      label: 'ci',
      createdAt: 10,
    })
    expect((await fx.store.tokenByHash('h1'))?.role).toBe('member')
    expect(await fx.store.tokenByHash('nope')).toBeUndefined()
    expect(await fx.store.revokeToken('t1', 11)).toBe(true)
    expect(await fx.store.revokeToken('t1', 12)).toBe(false)
    expect(await fx.store.tokenByHash('h1')).toBeUndefined()
  })

  it('answers a retried submission with the first job (idempotency key per tenant)', async () => {
    const base = { tenant: 'alpha', name: 'n', queue: 'default', priority: 0, spec: { a: 1 } }
    const first = await fx.store.insertJob({
      ...base,
      id: 'job-a1',
      idempotencyKey: 'k',
      createdAt: 20,
    })
    const again = await fx.store.insertJob({
      ...base,
      id: 'job-a2',
      idempotencyKey: 'k',
      createdAt: 21,
    })
    const other = await fx.store.insertJob({
      ...base,
      tenant: 'beta',
      id: 'job-b1',
      idempotencyKey: 'k',
      createdAt: 22,
    })
    expect(first.created).toBe(true)
    expect(again).toMatchObject({ created: false, job: { id: 'job-a1' } })
    expect(other.created).toBe(true)
    // concurrent retries: exactly one job
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fx.store.insertJob({ ...base, id: `job-r${i}`, idempotencyKey: 'race', createdAt: 30 }),
      ),
    )
    expect(new Set(racing.map((r) => r.job.id)).size).toBe(1)
    expect(racing.filter((r) => r.created)).toHaveLength(1)
  })

  it('changes state only from the expected states, with events and allocations in one transaction', async () => {
    const placed = await fx.store.transition('job-a1', {
      from: ['pending'],
      patch: { state: 'running', started_at: 100, attempt: 1, placement: '["n-001"]' },
      events: [{ at: 100, kind: 'placed', detail: { nodes: ['n-001'] } }],
      openAllocation: {
        family: 'H100',
        workloadClass: 'llm-train',
        accelerators: 8,
        scu: 24,
        startAt: 100,
      },
    })
    expect(placed).toMatchObject({ state: 'running', attempt: 1, placement: ['n-001'], version: 2 })
    // a stale writer that still believes the job pending changes nothing
    expect(
      await fx.store.transition('job-a1', {
        from: ['pending'],
        patch: { state: 'cancelled' },
        events: [],
      }),
    ).toBeUndefined()
    await fx.store.transition('job-a1', {
      from: ['running'],
      patch: { state: 'succeeded', ended_at: 3700 },
      events: [{ at: 3700, kind: 'finished', detail: {} }],
      closeAllocationAt: 3700,
    })
    expect((await fx.store.events('job-a1')).map((e) => e.kind)).toEqual([
      'submitted',
      'placed',
      'finished',
    ])
    expect(await fx.store.countJobsByState()).toMatchObject({ succeeded: 1 })
    // usage: 8 accelerators × 3,600 s, clipped to the window asked for
    expect(await fx.store.usage(0, 10_000)).toEqual([
      {
        tenant: 'alpha',
        workloadClass: 'llm-train',
        family: 'H100',
        acceleratorSeconds: 28_800,
        scuSeconds: 86_400,
      },
    ])
    expect((await fx.store.usage(1900, 10_000))[0]?.acceleratorSeconds).toBe(8 * 1800)
  })

  it('pages jobs by id with filters', async () => {
    const all = await fx.store.listJobs({ limit: 100 })
    expect(all.map((j) => j.id)).toEqual([...all.map((j) => j.id)].sort())
    const page1 = await fx.store.listJobs({ tenant: 'alpha', limit: 2 })
    const page2 = await fx.store.listJobs({
      tenant: 'alpha',
      limit: 100,
      after: page1.at(-1)?.id ?? '',
    })
    expect([...page1, ...page2].map((j) => j.id)).toEqual(
      all.filter((j) => j.tenant === 'alpha').map((j) => j.id),
    )
    expect(
      (await fx.store.listJobs({ states: ['succeeded'], limit: 10 })).map((j) => j.id),
    ).toEqual(['job-a1'])
  })

  it('counts, offsets and filters jobs by the family they run on or ask for', async () => {
    const chips = [
      { family: 'H100' },
      { family: 'MI300X' },
      { anyOf: ['mi300x', 'H100'], ordered: true },
      { scu: 64 },
      { family: 'any' },
    ]
    for (const [i, chip] of chips.entries()) {
      await fx.store.insertJob({
        id: `job-f${i}`,
        tenant: 'fam',
        name: 'n',
        queue: 'default',
        priority: 0,
        spec: { body: { name: 'n', chip } },
        createdAt: 40,
      })
    }
    // placed on H100 although it would have taken MI300X: where it runs wins
    await fx.store.transition('job-f1', {
      from: ['pending'],
      patch: { state: 'running', family: 'H100' },
      events: [],
    })
    const ids = async (family: string) =>
      (await fx.store.listJobs({ tenant: 'fam', family, limit: 10 })).map((j) => j.id)
    expect(await ids('h100')).toEqual(['job-f0', 'job-f1', 'job-f2', 'job-f3', 'job-f4'])
    expect(await ids('MI300X')).toEqual(['job-f2', 'job-f3', 'job-f4'])
    expect(await fx.store.countJobs({ tenant: 'fam', family: 'MI300X' })).toBe(3)
    expect(await fx.store.countJobs({ tenant: 'fam' })).toBe(5)
    expect(await fx.store.countJobs({ tenant: 'fam', states: ['running'] })).toBe(1)
    expect(
      (await fx.store.listJobs({ tenant: 'fam', offset: 3, limit: 10 })).map((j) => j.id),
    ).toEqual(['job-f3', 'job-f4'])
  })

  it('gives a lease to one holder at a time, and to another once it expires', async () => {
    expect(await fx.store.tryLease('loop', 'p1', 5, 1000)).toBe(true)
    expect(await fx.store.tryLease('loop', 'p2', 5, 1001)).toBe(false)
    expect(await fx.store.tryLease('loop', 'p1', 5, 1003)).toBe(true)
    expect(await fx.store.tryLease('loop', 'p2', 5, 1009)).toBe(true)
    expect(await fx.store.tryLease('loop', 'p1', 5, 1010)).toBe(false)
    await fx.store.releaseLease('loop', 'p2')
    expect(await fx.store.tryLease('loop', 'p1', 5, 1011)).toBe(true)
  })

  it('keeps node states, the audit log and the twin journal', async () => {
    await fx.store.setNodeState({
      name: 'n-001',
      adminState: 'drained',
      health: 'healthy',
      reason: 'bios',
      updatedAt: 1,
    })
    await fx.store.setNodeState({
      name: 'n-001',
      adminState: 'active',
      health: 'healthy',
      reason: '',
      updatedAt: 2,
    })
    expect(await fx.store.nodeStates()).toEqual([
      {
        name: 'n-001',
        adminState: 'active',
        health: 'healthy',
        reason: '',
        updatedAt: 2,
        agentState: 'none',
        lastSeenAt: null,
      },
    ])
    // an agent's reports: seen, then quiet for too long
    await fx.store.recordNodeReport('n-002', {
      at: 10,
      health: 'degraded',
      reason: 'ecc',
      body: { x: 1 },
    })
    await fx.store.recordNodeReport('n-003', { at: 30, health: 'healthy', reason: '', body: {} })
    expect(await fx.store.markUnreachable(20, 40)).toEqual(['n-002'])
    expect(await fx.store.markUnreachable(20, 41)).toEqual([])
    const states = await fx.store.nodeStates()
    expect(states.find((n) => n.name === 'n-002')).toMatchObject({
      health: 'degraded',
      agentState: 'unreachable',
      lastSeenAt: 10,
    })
    expect((await fx.store.nodeReports()).get('n-002')).toEqual({ at: 10, body: { x: 1 } })
    // a drained node's reason is the operator's, whatever its agent reports afterwards
    await fx.store.setNodeState({
      name: 'n-003',
      adminState: 'drained',
      health: 'healthy',
      reason: 'bios update',
      updatedAt: 31,
    })
    await fx.store.recordNodeReport('n-003', {
      at: 32,
      health: 'healthy',
      reason: 'slowdown',
      body: {},
    })
    expect((await fx.store.nodeStates()).find((n) => n.name === 'n-003')).toMatchObject({
      adminState: 'drained',
      reason: 'bios update',
    })
    await fx.store.recordNodeReport('n-002', { at: 50, health: 'healthy', reason: '', body: {} })
    expect((await fx.store.nodeStates(45)).map((n) => [n.name, n.agentState])).toEqual([
      ['n-002', 'reporting'],
    ])
    await fx.store.audit({
      at: 5,
      actor: 't1',
      tenant: 'alpha',
      action: 'job.submit',
      target: 'job-a1',
      detail: {},
    })
    expect((await fx.store.auditLog(10))[0]).toMatchObject({ action: 'job.submit', actor: 't1' })
    await fx.store.putTwinRun({
      jobId: 'job-a1',
      attempt: 1,
      nodes: ['n-001'],
      startedAt: 1,
      endsAt: 9,
    })
    await fx.store.putTwinRun({
      jobId: 'job-a1',
      attempt: 2,
      nodes: ['n-002'],
      startedAt: 2,
      endsAt: 9,
    })
    expect(await fx.store.twinRuns()).toEqual([
      { jobId: 'job-a1', attempt: 2, nodes: ['n-002'], startedAt: 2, endsAt: 9 },
    ])
    await fx.store.removeTwinRun('job-a1')
    expect(await fx.store.twinRuns()).toEqual([])
  })
})
