import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import type { EngineEffect, EngineJob } from './engine-types.js'
import { Engine } from './lifecycle.js'

/** lab-64: 8 nodes of 8 H100 in two blocks of 4. */
const cluster = parseClusterFile(
  'lab-64.yaml',
  readFileSync(new URL('../../../examples/clusters/lab-64.yaml', import.meta.url), 'utf8'),
  defaultCatalog(),
)

const engine = () =>
  new Engine({
    cluster,
    catalog: defaultCatalog(),
    scheduler: { tenants: [], preemptionWindowS: 600, strictTenants: false },
    restartS: 300,
    detectionS: 60,
  })

const job = (id: string, nodes: number, workS: number, at = 0, priority = 0): EngineJob => ({
  spec: {
    id,
    tenant: 't',
    queue: 'default',
    priority,
    replicas: nodes,
    acceleratorsPerReplica: 8,
    chips: { kind: 'family', family: 'H100' },
    archs: ['x86_64'],
    submittedAt: at,
  },
  workS,
  checkpoint: { intervalS: 600, stallS: 0 },
})

const runOf = (effects: readonly EngineEffect[], id: string) =>
  effects.find((e): e is EngineEffect & { kind: 'run' } => e.kind === 'run' && e.jobId === id)

describe('the engine', () => {
  it('restarts a gang that lost a node on a replacement, keeping its whole checkpoint periods', () => {
    const e = engine()
    const due = e.submit(job('a', 2, 3600), 0)
    expect(due).toBe(60)
    const placed = e.cycle(60)
    expect(runOf(placed.effects, 'a')?.endsAt).toBe(60 + 3600)
    const node = e.account('a')?.nodes[0] ?? -1
    const failed = e.nodeFailed(node, true, 60 + 1000)
    const restarted = failed.effects.find((x) => x.kind === 'restarted')
    // one 600 s period kept; 400 s on 16 accelerators lost
    expect(restarted).toMatchObject({ keptS: 600, lostAcceleratorS: 400 * 16, cause: 'failed' })
    // detection and restart, then the 3,000 s left
    expect(runOf(failed.effects, 'a')?.endsAt).toBe(1060 + 60 + 300 + 3000)
    expect(e.account('a')?.nodes).not.toContain(node)
    expect(e.account('a')).toMatchObject({ restarts: 1, interruptions: 1, state: 'running' })
  })

  it('stops a running gang: its nodes go back, its run no longer ends, a waiting job takes them', () => {
    const e = engine()
    e.submit(job('a', 8, 3600), 0)
    const placed = e.cycle(60)
    const run = runOf(placed.effects, 'a')
    expect(e.allocated).toBe(64)
    const due = e.submit(job('b', 8, 100, 70), 70) ?? 130
    expect(e.cycle(due).effects.some((x) => x.kind === 'run')).toBe(false)
    const stopped = e.stop('a', 500)
    expect(stopped.effects).toEqual([{ kind: 'finished', jobId: 'a' }])
    expect(e.allocated).toBe(0)
    expect(e.account('a')).toMatchObject({ state: 'finished', endS: 500 })
    // the stopped run's end is stale; a second stop does nothing
    expect(e.ended('a', run?.run ?? -1, 3660).effects).toEqual([])
    expect(e.stop('a', 600).effects).toEqual([])
    expect(stopped.cycleAt).toBe(560)
    expect(runOf(e.cycle(560).effects, 'b')).toBeDefined()
  })

  it('stops a pending job: it leaves the queue', () => {
    const e = engine()
    e.submit(job('a', 8, 3600), 0)
    e.submit(job('b', 8, 3600), 0)
    e.cycle(60)
    expect(e.scheduler.pending().map((p) => p.id)).toEqual(['b'])
    e.stop('b', 100)
    expect(e.scheduler.pending()).toEqual([])
    expect(e.account('b')?.state).toBe('finished')
  })

  it('moves the end of a run as its contention changes, and keeps only the work done at each pace', () => {
    const e = engine()
    e.submit(job('a', 2, 3600), 0)
    e.cycle(60)
    // from t = 660 each second of work takes 2 s; at 1,260 back to full speed
    expect(e.repace('a', 2, 660)).toMatchObject({ endsAt: 660 + 2 * 3000 })
    expect(e.repace('a', 2, 700)).toBeUndefined() // no change, no new run
    // 600 s of work done by 660, 300 more by 1,260: 2,700 s left at full speed
    expect(e.repace('a', 1, 1260)).toMatchObject({ endsAt: 1260 + 2700 })
    expect(e.account('a')?.contentionS).toBe(300)
    // its work began at 60 whatever contention it met since (a loss episode counts from there)
    expect(e.runOf('a')).toMatchObject({ workFrom: 60, delayS: 300 })
    // a failure at 1,560: 600 + 300 + 300 s of work done, two whole 600 s checkpoint periods
    const failed = e.nodeFailed(e.account('a')?.nodes[0] ?? -1, true, 1560)
    expect(failed.effects.find((x) => x.kind === 'restarted')).toMatchObject({ keptS: 1200 })
    expect(e.ended('a', 999, 99_999).effects).toEqual([])
  })

  it('refuses a contention below 1 and ignores a job that is not running', () => {
    const e = engine()
    e.submit(job('a', 1, 3600), 0)
    expect(e.repace('a', 2, 10)).toBeUndefined()
    e.cycle(60)
    expect(e.repace('a', 0.5, 100)).toBeUndefined()
    expect(e.repace('a', Number.NaN, 100)).toBeUndefined()
    expect(e.repace('missing', 2, 100)).toBeUndefined()
  })

  it('sends a gang with nowhere to go back to the queue, owing its detection at the next start', () => {
    const e = engine()
    e.submit(job('big', 8, 7200), 0)
    e.cycle(60)
    const failed = e.nodeFailed(3, true, 660)
    expect(failed.effects).toContainEqual({
      kind: 'requeued',
      jobId: 'big',
      cause: 'failed',
      keptS: 600,
      lostAcceleratorS: 0,
    })
    expect(e.account('big')?.state).toBe('pending')
    e.cycle(failed.cycleAt ?? -1)
    expect(e.running).toBe(0)
    const due = e.nodeRepaired(3, 4 * 3600) ?? -1
    const again = e.cycle(due)
    // restart (300 s) and the detection it owed (60 s), then what was left
    expect(runOf(again.effects, 'big')?.endsAt).toBe(due + 300 + 60 + 6600)
  })

  it('ignores the end of a run it has moved on from, and finishes the current one', () => {
    const e = engine()
    e.submit(job('a', 1, 1200), 0)
    const first = runOf(e.cycle(60).effects, 'a')
    const node = e.account('a')?.nodes[0] ?? -1
    const moved = runOf(e.nodeFailed(node, false, 500).effects, 'a')
    expect(moved?.run).not.toBe(first?.run)
    expect(e.ended('a', first?.run ?? -1, first?.endsAt ?? -1).effects).toEqual([])
    expect(e.ended('a', moved?.run ?? -1, moved?.endsAt ?? -1).effects).toEqual([
      { kind: 'finished', jobId: 'a' },
    ])
    expect(e.account('a')).toMatchObject({ state: 'finished', restarts: 1 })
  })

  it('moves gangs off a node drained with evacuate, and leaves them on one drained without', () => {
    const e = engine()
    e.submit(job('a', 1, 3600), 0)
    e.submit(job('b', 1, 3600), 1)
    e.cycle(60)
    const a = e.account('a')?.nodes[0] ?? -1
    const b = e.account('b')?.nodes[0] ?? -1
    expect(e.nodeDrained(a, false, 100).effects).toEqual([])
    const evacuated = e.nodeDrained(b, true, 100).effects
    expect(evacuated.find((x) => x.kind === 'restarted')).toMatchObject({
      jobId: 'b',
      cause: 'evacuated',
    })
    expect(e.account('b')?.nodes).not.toContain(b)
    expect(e.account('a')?.nodes).toEqual([a])
  })

  it('says what a cycle now would place on free nodes without changing anything', () => {
    const e = engine()
    e.submit(job('a', 2, 3600), 0)
    e.submit(job('b', 8, 3600), 5)
    expect(e.placeableNow(0)).toEqual(['a'])
    expect(e.running).toBe(0)
    expect(e.scheduler.pending()).toHaveLength(2)
  })
})
