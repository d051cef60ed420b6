import { describe, expect, it } from 'vitest'
import { runBackendConformance } from '@zhisuan/domain/testing'
import { TwinBackend, memoryJournal } from './twin-backend.js'

const nodes = ['n-001', 'n-002', 'n-003', 'n-004']
const placed = (jobId: string, over: Partial<Parameters<TwinBackend['launch']>[0]> = {}) => ({
  jobId,
  attempt: 1,
  tenant: 't',
  nodes: ['n-001', 'n-002'],
  acceleratorsPerReplica: 8,
  durationS: 100,
  doneS: 0,
  ...over,
})

describe('the twin backend', () => {
  it('finishes a gang after its remaining duration over the speed', async () => {
    let now = 1000
    const twin = await TwinBackend.open({
      nodes,
      clock: () => now,
      journal: memoryJournal(),
      speed: 10,
    })
    await twin.launch(placed('a', { doneS: 40 }))
    now += 5.9
    expect(await twin.poll()).toEqual([])
    now += 0.2
    expect(await twin.poll()).toEqual([
      { kind: 'job-finished', jobId: 'a', attempt: 1, at: 1006, ok: true, message: 'completed' },
    ])
    expect(await twin.runs()).toEqual([])
  })

  it('adds a restart delay and checkpoint stalls to a run, as the simulator does', async () => {
    let now = 0
    const twin = await TwinBackend.open({ nodes, clock: () => now, journal: memoryJournal() })
    // 1,200 s of work left, checkpoints every 600 s stalling 30 s (two stalls), 120 s to restore
    await twin.launch(
      placed('a', {
        attempt: 2,
        durationS: 3000,
        doneS: 1800,
        startDelayS: 120,
        checkpoint: { intervalS: 600, stallS: 30 },
      }),
    )
    now = 120 + 1200 + 2 * 30 - 1
    expect(await twin.poll()).toEqual([])
    now += 1
    expect(await twin.poll()).toMatchObject([{ kind: 'job-finished', jobId: 'a', at: 1380 }])
  })

  it('draws failure causes from a mix: software faults end runs as restartable, hardware takes the node for its repair hours', async () => {
    let now = 0
    const open = (mix: { name: string; weight: number; repairHours: number }[]) =>
      TwinBackend.open({
        nodes,
        clock: () => now,
        journal: memoryJournal(),
        failuresPer1000PerDay: 100_000,
        acceleratorsPerNode: 8,
        failureMix: mix,
      })
    const soft = await open([{ name: 'NCCL watchdog timeout', weight: 1, repairHours: 0 }])
    await soft.launch(placed('a', { nodes: nodes, durationS: 10_000 }))
    now = 3600
    const events = await soft.poll()
    expect(events.every((e) => e.kind === 'job-finished')).toBe(true)
    expect(events[0]).toMatchObject({ jobId: 'a', ok: false, restartable: true })
    expect(events[0]?.kind === 'job-finished' && events[0].message).toMatch(/NCCL watchdog/)
    expect((await soft.nodes()).every((n) => n.health === 'healthy')).toBe(true)
    now = 0
    const hard = await open([{ name: 'faulty GPU', weight: 1, repairHours: 24 }])
    now = 3600
    const failed = (await hard.poll()).flatMap((e) => (e.kind === 'node-health' ? [e.health] : []))
    expect(failed.length).toBeGreaterThan(0)
    expect(failed.every((h) => h === 'failed')).toBe(true)
    // back after 24 h, not the default 4 h
    now = 3600 + 5 * 3600
    expect(
      (await hard.poll()).some((e) => e.kind === 'node-health' && e.health === 'healthy'),
    ).toBe(false)
  })

  it('launches a (job, attempt) once, however often it is asked', async () => {
    const journal = memoryJournal()
    const twin = await TwinBackend.open({ nodes, clock: () => 0, journal })
    await twin.launch(placed('a'))
    await twin.launch(placed('a'))
    expect(await twin.runs()).toHaveLength(1)
    await twin.launch(placed('a', { attempt: 2, nodes: ['n-003', 'n-004'] }))
    expect((await twin.runs())[0]).toMatchObject({ attempt: 2, nodes: ['n-003', 'n-004'] })
  })

  it('ends the runs on a failed node as failed, reports the node, and repairs it', async () => {
    let now = 0
    const twin = await TwinBackend.open({
      nodes,
      clock: () => now,
      journal: memoryJournal(),
      repairS: 60,
    })
    await twin.launch(placed('a'))
    await twin.launch(placed('b', { nodes: ['n-003'] }))
    await twin.failNode('n-002', 'XID 79')
    const events = await twin.poll()
    expect(events.map((e) => e.kind)).toEqual(['node-health', 'job-finished'])
    expect(events[1]).toMatchObject({ jobId: 'a', ok: false })
    expect((await twin.nodes()).find((n) => n.name === 'n-002')?.health).toBe('failed')
    now = 61
    expect(await twin.poll()).toContainEqual(
      expect.objectContaining({ kind: 'node-health', node: 'n-002', health: 'healthy' }),
    )
    expect((await twin.runs()).map((r) => r.jobId)).toEqual(['b'])
  })

  it('finds its runs again in the journal after a restart', async () => {
    const journal = memoryJournal()
    let now = 0
    const first = await TwinBackend.open({ nodes, clock: () => now, journal })
    await first.launch(placed('a'))
    const second = await TwinBackend.open({ nodes, clock: () => now, journal })
    expect((await second.runs()).map((r) => r.jobId)).toEqual(['a'])
    now = 100
    expect((await second.poll()).map((e) => e.kind)).toEqual(['job-finished'])
  })

  it('fails nodes at the configured rate, deterministically for a seed', async () => {
    const run = async (seed: number) => {
      let now = 0
      const twin = await TwinBackend.open({
        nodes: Array.from({ length: 100 }, (_, i) => `n-${i}`),
        acceleratorsPerNode: 8,
        clock: () => now,
        journal: memoryJournal(),
        failuresPer1000PerDay: 10,
        repairS: 1,
        seed,
      })
      let failures = 0
      for (let day = 0; day < 100; day++) {
        now += 86_400
        failures += (await twin.poll()).filter(
          (e) => e.kind === 'node-health' && e.health === 'failed',
        ).length
      }
      return failures
    }
    // 800 accelerators × 10 per 1,000 per day × 100 days = 800 expected; Poisson σ ≈ 28
    const a = await run(1)
    expect(Math.abs(a - 800)).toBeLessThan(3 * Math.sqrt(800))
    expect(await run(1)).toBe(a)
  })

  it('refuses unknown nodes', async () => {
    const twin = await TwinBackend.open({ nodes, clock: () => 0, journal: memoryJournal() })
    await expect(twin.launch(placed('a', { nodes: ['nope'] }))).rejects.toMatchObject({
      code: 'invalid-input',
    })
    await expect(twin.failNode('nope')).rejects.toMatchObject({ code: 'not-found' })
  })
})

runBackendConformance('twin', async () => {
  let now = 0
  const nodes = ['c-001', 'c-002']
  const backend = await TwinBackend.open({ nodes, clock: () => now, journal: memoryJournal() })
  return {
    backend,
    nodes,
    advance: (seconds) => {
      now += seconds
      return Promise.resolve()
    },
    close: () => backend.close(),
  }
})
