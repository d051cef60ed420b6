import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tierRank, type Tier } from '@zhisuan/domain'
import { testCluster, testScheduler } from './testing.js'
import type { Scheduler } from './scheduler.js'
import type {
  ChipRequirement,
  Decision,
  JobSpec,
  PendingReason,
  SchedulerConfig,
  TopologyPreference,
} from './types.js'

type Event =
  | { kind: 'submit'; spec: Omit<JobSpec, 'id' | 'submittedAt'> }
  | { kind: 'tick'; dt: number }
  | { kind: 'finish'; pick: number }
  | { kind: 'fail'; pick: number }
  | { kind: 'recover'; pick: number }
  | { kind: 'checkpoint'; pick: number }
  | { kind: 'health'; pick: number; health: 'healthy' | 'degraded' | 'draining' | 'cordoned' }
  | { kind: 'spare'; pick: number; spare: boolean }

const chips = fc.oneof(
  fc.constant<ChipRequirement>({ kind: 'family', family: 'H800' }),
  fc.constant<ChipRequirement>({ kind: 'family', family: 'Ascend910B' }),
  fc.boolean().map<ChipRequirement>((ordered) => ({
    kind: 'families',
    families: ['Ascend910B', 'H800'],
    ordered,
  })),
  fc.integer({ min: 1, max: 60 }).map<ChipRequirement>((units) => ({ kind: 'scu', units })),
)
const topology = fc.option(
  fc.record<TopologyPreference>({
    mode: fc.constantFrom('required', 'preferred'),
    tier: fc.constantFrom('node', 'leaf', 'spine'),
  }),
  { nil: undefined },
)
const spec = fc.record({
  tenant: fc.constantFrom('a', 'b', 'c'),
  queue: fc.constant('q'),
  priority: fc.integer({ min: 0, max: 3 }),
  replicas: fc.integer({ min: 1, max: 6 }),
  acceleratorsPerReplica: fc.constantFrom(1, 2, 4, 8),
  chips,
  archs: fc.constantFrom<JobSpec['archs']>(['x86_64'], ['aarch64'], ['x86_64', 'aarch64']),
  topology,
  runtimeLimitS: fc.option(fc.integer({ min: 20, max: 400 }), { nil: undefined }),
  minRuntimeS: fc.integer({ min: 0, max: 50 }),
})
const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 4,
    arbitrary: spec.map((s) => ({
      kind: 'submit' as const,
      spec: s,
    })),
  },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 120 }).map((dt) => ({ kind: 'tick' as const, dt })),
  },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'finish' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'fail' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'recover' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'checkpoint' as const, pick })) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        pick: fc.nat(),
        health: fc.constantFrom(
          'healthy' as const,
          'degraded' as const,
          'draining' as const,
          'cordoned' as const,
        ),
      })
      .map((r) => ({ kind: 'health' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ pick: fc.nat(), spare: fc.boolean() })
      .map((r) => ({ kind: 'spare' as const, ...r })),
  },
)
const world = fc.record({
  pods: fc.integer({ min: 1, max: 2 }),
  blocksPerPod: fc.integer({ min: 1, max: 3 }),
  nodesPerBlock: fc.integer({ min: 1, max: 4 }),
  ascendNodes: fc.integer({ min: 0, max: 3 }),
  spareNodes: fc.integer({ min: 0, max: 1 }),
  quotaA: fc.integer({ min: 0, max: 150 }),
  quotaB: fc.integer({ min: 0, max: 150 }),
  borrowA: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  strict: fc.boolean(),
  window: fc.constantFrom(0, 100),
})

type World = typeof world extends fc.Arbitrary<infer T> ? T : never

function configOf(w: World): SchedulerConfig {
  return {
    tenants: [
      {
        name: 'a',
        queues: ['q'],
        quotas: {
          'llm-train': {
            guaranteed: w.quotaA,
            ...(w.borrowA === undefined ? {} : { borrowingLimit: w.borrowA }),
          },
        },
      },
      { name: 'b', queues: ['q'], quotas: { 'llm-train': { guaranteed: w.quotaB } } },
    ],
    preemptionWindowS: w.window,
    strictTenants: w.strict,
  }
}

/** Replays events, checking the invariants after each; returns the decision log. */
function replay(
  w: World,
  events: readonly Event[],
): { log: Decision[]; s: Scheduler; config: SchedulerConfig } {
  const config = configOf(w)
  const s = testScheduler(testCluster(w), config)
  const log: Decision[] = []
  let now = 0
  let n = 0
  const running = () => s.running()
  for (const e of events) {
    if (e.kind === 'submit') {
      s.submit({ ...e.spec, id: `j${n++}`, submittedAt: now })
    } else if (e.kind === 'tick') {
      now += e.dt
      const { decisions, pending } = s.schedule(now)
      checkCycle(decisions)
      for (const reason of pending.values()) {
        expect(reason.message.length).toBeGreaterThan(10)
      }
      log.push(...decisions)
    } else if (e.kind === 'finish') {
      const r = running()[e.pick % Math.max(1, running().length)]
      if (r !== undefined) {
        s.remove(r.spec.id)
      }
    } else if (e.kind === 'fail') {
      log.push(...s.setNodeHealth(e.pick % s.state.nodes.length, 'failed', now))
    } else if (e.kind === 'recover') {
      s.setNodeHealth(e.pick % s.state.nodes.length, 'healthy', now)
    } else if (e.kind === 'health') {
      s.setNodeHealth(e.pick % s.state.nodes.length, e.health, now)
    } else if (e.kind === 'spare') {
      s.setSpare(e.pick % s.state.nodes.length, e.spare)
    } else {
      const r = running()[e.pick % Math.max(1, running().length)]
      if (r !== undefined) {
        s.checkpointed(r.spec.id, now)
      }
    }
    checkState(s, config)
  }
  return { log, s, config }
}

function spanTier(s: Scheduler, nodes: readonly number[]): Tier {
  const f = s.state.fabric
  const blocks = new Set(nodes.map((x) => f.nodeBlock[x]))
  const pods = new Set(nodes.map((x) => f.nodePod[x]))
  return pods.size > 1
    ? 'core'
    : blocks.size > 1
      ? 'spine'
      : new Set(nodes).size > 1
        ? 'leaf'
        : 'node'
}

function checkState(s: Scheduler, config: SchedulerConfig): void {
  const seen = new Set<number>()
  for (const r of s.running()) {
    // a gang is whole: replicas × accelerators, each replica's accelerators on its node
    expect(r.accelerators).toHaveLength(r.nodes.length * r.spec.acceleratorsPerReplica)
    for (const a of r.accelerators) {
      expect(seen.has(a), `accelerator ${a} given twice`).toBe(false)
      seen.add(a)
      expect(s.state.owner[a]).not.toBe(-1)
      expect(r.nodes).toContain(s.state.fabric.acceleratorNode[a])
    }
    for (const node of r.nodes) {
      expect(s.state.nodes[node]?.family).toBe(r.family)
      expect(r.spec.archs).toContain(s.state.nodes[node]?.arch)
    }
    const required = r.spec.topology?.mode === 'required' ? r.spec.topology.tier : undefined
    if (required !== undefined) {
      expect(
        tierRank(spanTier(s, r.nodes)),
        `${r.spec.id} spans beyond ${required}`,
      ).toBeLessThanOrEqual(tierRank(required))
    }
  }
  expect(s.state.owner.filter((o) => o !== -1).length).toBe(seen.size)
  // free counts agree with owners, nothing stays hidden between cycles, and the per-block
  // histogram equals one rebuilt from scratch
  const { fabric, width } = s.state
  const hist = new Int32Array(fabric.blocks.length * width)
  for (const node of s.state.nodes) {
    const first = fabric.nodeFirstAccelerator[node.index] ?? 0
    const last = fabric.nodeFirstAccelerator[node.index + 1] ?? first
    let free = 0
    for (let a = first; a < last; a++) {
      free += s.state.owner[a] === -1 ? 1 : 0
    }
    expect(s.state.free[node.index]).toBe(free)
    expect(s.state.hidden[node.index]).toBe(0)
    if (s.state.usable(node.index)) {
      const at = (fabric.nodeBlock[node.index] ?? 0) * width + free
      hist[at] = (hist[at] ?? 0) + 1
    }
  }
  expect([...s.state.hist]).toEqual([...hist])
  // the ledger counts exactly what runs
  const byTenant = new Map<string, number>()
  for (const r of s.running()) {
    byTenant.set(r.spec.tenant, (byTenant.get(r.spec.tenant) ?? 0) + r.scu)
  }
  for (const tenant of ['a', 'b', 'c']) {
    expect(s.usage(tenant, 'llm-train')).toBeCloseTo(byTenant.get(tenant) ?? 0, 6)
  }
  for (const t of config.tenants) {
    const q = t.quotas['llm-train']
    if (q !== undefined) {
      expect(s.usage(t.name, 'llm-train')).toBeLessThanOrEqual(
        q.guaranteed + (q.borrowingLimit ?? Number.POSITIVE_INFINITY) + 1e-6,
      )
    }
  }
}

function checkCycle(decisions: readonly Decision[]): void {
  const placedIds = new Set(decisions.filter((d) => d.kind === 'place').map((d) => d.jobId))
  for (const d of decisions) {
    if (d.kind === 'preempt') {
      // every preemption frees enough: its preemptor is placed in the same cycle
      expect(
        placedIds.has(d.forJob),
        `preempted ${d.jobId} for ${d.forJob}, which did not start`,
      ).toBe(true)
    }
  }
}

const events = fc.array(event, { minLength: 5, maxLength: 60 })

describe('scheduler invariants over random clusters, jobs and event orders', () => {
  it('never double-books, keeps gangs whole, honours quotas and required tiers, and preempts only to place', () => {
    fc.assert(
      fc.property(world, events, (w, es) => {
        replay(w, es)
      }),
      { numRuns: 300 },
    )
  })

  it('gives the same decisions for the same inputs', () => {
    fc.assert(
      fc.property(world, events, (w, es) => {
        expect(JSON.stringify(replay(w, es).log)).toBe(JSON.stringify(replay(w, es).log))
      }),
      { numRuns: 100 },
    )
  })

  it('starves no job that quota and an empty cluster allow: each starts within one cycle per job ahead of it', () => {
    fc.assert(
      fc.property(world, events, (w, es) => {
        const { s } = replay(w, es)
        // give the cluster back its original shape: every node healthy, spares as in the file
        for (const node of s.state.nodes) {
          if (node.health !== 'healthy') {
            s.setNodeHealth(node.index, 'healthy', 0)
          }
          s.setSpare(node.index, node.pool === 'spare')
        }
        let now = 10_000
        const ahead = s.pending().length
        let pending = new Map<string, PendingReason>()
        for (let cycle = 0; cycle <= ahead + 1; cycle++) {
          for (const r of s.running()) {
            s.remove(r.spec.id)
          }
          pending = new Map(s.schedule((now += 1000)).pending)
        }
        // whatever still waits must be unable to start even alone on the empty cluster
        for (const [id, reason] of pending) {
          const spec = s.pending().find((j) => j.id === id)
          const alone = testScheduler(testCluster(w), configOf(w))
          if (spec !== undefined) {
            alone.submit(spec)
          }
          const started = alone.schedule(0).decisions.some((d) => d.kind === 'place')
          expect(started, `${id} waits (${reason.message}) but starts alone`).toBe(false)
        }
      }),
      { numRuns: 100 },
    )
  })
})
