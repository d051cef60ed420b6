import { describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { job, openConfig, testCluster, testScheduler } from './testing.js'
import type { Decision, PendingReason } from './types.js'

const places = (decisions: readonly Decision[]) =>
  decisions.filter((d): d is Decision & { kind: 'place' } => d.kind === 'place')
const placed = (decisions: readonly Decision[], id: string) =>
  places(decisions).find((d) => d.jobId === id)

describe('placement', () => {
  it('packs a gang into the smallest domain that holds it: node, block, pod, then fabric', () => {
    const s = testScheduler() // 2 pods × 2 blocks × 4 nodes × 8
    s.submit(job('node', { replicas: 2, acceleratorsPerReplica: 4 }))
    s.submit(job('block', { replicas: 4, submittedAt: 1 }))
    s.submit(job('pod', { replicas: 6, submittedAt: 2 }))
    const { decisions } = s.schedule(10)
    expect(placed(decisions, 'node')?.score.tier).toBe('node')
    expect(placed(decisions, 'block')?.score.tier).toBe('leaf')
    expect(placed(decisions, 'pod')?.score).toMatchObject({ tier: 'spine', blocks: [2, 3] })
  })

  it('gives each placement’s reason in named units, and nodes by their names', () => {
    const s = testScheduler() // 2 pods × 2 blocks × 4 nodes × 8: nodes h800-001 to h800-016
    s.submit(job('node', { replicas: 2, acceleratorsPerReplica: 4 }))
    s.submit(job('block', { replicas: 4, submittedAt: 1 }))
    s.submit(job('pod', { replicas: 6, submittedAt: 2 }))
    const { decisions } = s.schedule(10)
    const reason = (id: string) => placed(decisions, id)?.score.reason
    expect(reason('node')).toBe(
      'fullest block 0 (32 free accelerators), best-fit node h800-001: 8 free accelerators, 8 asked',
    )
    // a replica of 8 takes a whole node, so block 0 (one node used) has room for 3 of them
    expect(reason('block')).toBe('best-fit block 1: room for 4 replicas of 8 accelerators, 4 asked')
    expect(reason('pod')).toBe(
      'best-fit pod 1: room for 8 replicas of 8 accelerators, 6 asked; fewest blocks',
    )
    const whole = testScheduler()
    whole.submit(job('core', { replicas: 9 }))
    expect(placed(whole.schedule(0).decisions, 'core')?.score.reason).toBe(
      'spans pods: fewest pods and blocks for 9 replicas of 8 accelerators',
    )
  })

  it('fills a partly used node before touching a whole one (best fit keeps whole nodes free)', () => {
    const s = testScheduler()
    for (let i = 0; i < 8; i++) {
      s.submit(job(`small-${i}`, { acceleratorsPerReplica: 1, submittedAt: i }))
    }
    const first = s.schedule(0)
    expect(new Set(places(first.decisions).flatMap((d) => d.nodes))).toEqual(new Set([0]))
  })

  it('places all of a gang or none of it', () => {
    const s = testScheduler()
    s.submit(job('one', { acceleratorsPerReplica: 1 }))
    s.schedule(0)
    s.submit(job('big', { replicas: 16, submittedAt: 1 }))
    const { decisions, pending } = s.schedule(1)
    expect(places(decisions)).toEqual([])
    expect(pending.get('big')).toMatchObject({
      kind: 'insufficient-capacity',
      neededReplicas: 16,
      freeReplicas: 15,
    })
    expect(s.state.free.filter((f) => f === 8)).toHaveLength(15)
  })

  it('honours a required tier, and says when no domain of that tier is large enough', () => {
    const s = testScheduler()
    s.submit(job('too-big', { replicas: 5, topology: { mode: 'required', tier: 'leaf' } }))
    s.submit(
      job('fits', { replicas: 4, topology: { mode: 'required', tier: 'leaf' }, submittedAt: 1 }),
    )
    const { decisions, pending } = s.schedule(0)
    expect(placed(decisions, 'fits')?.score.tier).toBe('leaf')
    expect(pending.get('too-big')).toMatchObject({ kind: 'topology-unsatisfiable', tier: 'leaf' })
    expect(pending.get('too-big')?.message).toMatch(
      /5 replicas of 8 H800 accelerators must share one leaf block, but the largest holds 4 replicas/,
    )
  })

  it('never mixes families and checks the host architecture', () => {
    const s = testScheduler(testCluster({ ascendNodes: 4 }))
    s.submit(
      job('either', {
        replicas: 2,
        chips: { kind: 'families', families: ['Ascend910B', 'H800'], ordered: true },
        archs: ['aarch64', 'x86_64'],
      }),
    )
    s.submit(
      job('arm-only-h800', {
        chips: { kind: 'family', family: 'H800' },
        archs: ['aarch64'],
        submittedAt: 1,
      }),
    )
    s.submit(job('unknown', { chips: { kind: 'family', family: 'TPUv5' }, submittedAt: 2 }))
    const { decisions, pending } = s.schedule(0)
    expect(placed(decisions, 'either')?.family).toBe('Ascend910B')
    expect(pending.get('arm-only-h800')).toMatchObject({
      kind: 'arch-mismatch',
      wanted: ['aarch64'],
      available: ['x86_64'],
    })
    expect(pending.get('unknown')?.kind).toBe('no-such-family')
  })

  it('turns an SCU request into a family and a count', () => {
    const s = testScheduler(testCluster({ ascendNodes: 4 }))
    // 40 llm-train SCU: H800 rates ~3 per GPU → 14 GPUs → 2 replicas of 8
    s.submit(job('scu', { chips: { kind: 'scu', units: 40 }, archs: ['x86_64', 'aarch64'] }))
    const { decisions } = s.schedule(0)
    const d = placed(decisions, 'scu')
    expect(d?.family).toBe('H800')
    expect(d?.accelerators).toHaveLength(16)
  })

  it('rejects a malformed job with the field and the reason', () => {
    const s = testScheduler()
    expect(() => {
      s.submit(job('x', { replicas: 0 }))
    }).toThrow(/job x: replicas must be a positive integer, got 0/)
    expect(() => {
      s.submit(job('y', { archs: [] }))
    }).toThrow(ZhisuanError)
    s.submit(job('z'))
    expect(() => {
      s.submit(job('z'))
    }).toThrow(/already exists/)
  })
})

describe('the classic failures of peer schedulers', () => {
  it('two large gangs never deadlock by each holding part of the cluster', () => {
    const s = testScheduler()
    s.submit(job('g1', { replicas: 10, runtimeLimitS: 100 }))
    s.submit(job('g2', { replicas: 10, runtimeLimitS: 100, submittedAt: 1 }))
    const first = s.schedule(0)
    expect(places(first.decisions).map((d) => d.jobId)).toEqual(['g1'])
    // g2 holds nothing while it waits, and has a reservation for when g1 ends
    expect(first.decisions.find((d) => d.kind === 'reserve')).toMatchObject({
      jobId: 'g2',
      until: 100,
    })
    expect(s.state.free.reduce((a, b) => a + b, 0)).toBe(6 * 8)
    s.remove('g1')
    expect(placed(s.schedule(100).decisions, 'g2')).toBeDefined()
  })

  it('keeps whole nodes free against fragmentation, and explains a quota-admitted job that still waits', () => {
    const s = testScheduler(testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 2 }))
    for (let i = 0; i < 8; i++) {
      s.submit(job(`one-${i}`, { acceleratorsPerReplica: 1, submittedAt: i }))
    }
    s.submit(job('whole-node', { submittedAt: 10 }))
    const { decisions } = s.schedule(0)
    // first-fit-by-count would have spread or split; best fit left node 1 whole for the 8-GPU job
    expect(placed(decisions, 'whole-node')?.nodes).toEqual([1])
    s.submit(job('another', { submittedAt: 11 }))
    const later = s.schedule(1)
    const reason = later.pending.get('another')
    expect(reason).toMatchObject({
      kind: 'insufficient-capacity',
      neededReplicas: 1,
      freeReplicas: 0,
    })
    expect(reason?.message).toBe(
      'needs 1 replica of 8 H800 accelerators in the cluster; room for 0 of them now',
    )
  })

  it('preempts to free a whole domain for a topology-required gang, choosing the cheapest domain', () => {
    const s = testScheduler()
    // one low-priority 8-GPU job on every node of every block but different checkpoint ages
    for (let n = 0; n < 16; n++) {
      s.submit(job(`low-${n}`, { submittedAt: n }))
    }
    s.schedule(0)
    for (let n = 0; n < 16; n++) {
      // block 2 (nodes 8-11) checkpointed most recently: preempting there loses least
      s.checkpointed(`low-${n}`, n >= 8 && n < 12 ? 990 : 100)
    }
    s.submit(
      job('urgent', {
        replicas: 4,
        priority: 10,
        topology: { mode: 'required', tier: 'leaf' },
        submittedAt: 20,
      }),
    )
    const { decisions } = s.schedule(1000)
    const preempted = decisions.filter((d) => d.kind === 'preempt').map((d) => d.jobId)
    expect(preempted.sort()).toEqual(['low-10', 'low-11', 'low-8', 'low-9'])
    expect(placed(decisions, 'urgent')?.score).toMatchObject({ tier: 'leaf', blocks: [2] })
    expect(
      decisions
        .filter((d): d is Decision & { kind: 'preempt' } => d.kind === 'preempt')
        .every((d) => d.lostWorkS === 10 * 8),
    ).toBe(true)
  })

  it('tries preemption for each shape: one shape that could not preempt does not stop another', () => {
    const ascend = { kind: 'family', family: 'Ascend910B' } as const
    const s = testScheduler(
      testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 2, ascendNodes: 1 }),
      {
        ...openConfig,
        preemptionWindowS: 0,
      },
    )
    s.submit(job('top-0', { priority: 10 }))
    s.submit(job('top-1', { priority: 10 }))
    s.submit(job('low-ascend', { priority: 1, chips: ascend, archs: ['aarch64'] }))
    expect(places(s.schedule(0).decisions)).toHaveLength(3)
    // first in order: an H800 job that outranks nothing running on H800
    s.submit(job('blocked', { priority: 8, submittedAt: 1 }))
    // then an Ascend job that outranks the Ascend job: it must preempt
    s.submit(
      job('urgent-ascend', {
        priority: 7,
        submittedAt: 2,
        chips: ascend,
        archs: ['aarch64'],
      }),
    )
    const { decisions, pending } = s.schedule(10)
    expect(decisions.find((d) => d.kind === 'preempt')).toMatchObject({ jobId: 'low-ascend' })
    expect(placed(decisions, 'urgent-ascend')).toBeDefined()
    expect(pending.get('blocked')?.kind).toBe('insufficient-capacity')
  })

  it('does not preempt when the preemptor would still not fit', () => {
    const s = testScheduler()
    for (let n = 0; n < 16; n++) {
      s.submit(job(`high-${n}`, { priority: 5, submittedAt: n }))
    }
    s.schedule(0)
    s.remove('high-0')
    s.submit(job('mid', { replicas: 2, priority: 3, submittedAt: 20 }))
    const { decisions, pending } = s.schedule(10)
    expect(decisions.filter((d) => d.kind === 'preempt')).toEqual([])
    expect(pending.get('mid')?.kind).toBe('insufficient-capacity')
  })

  it('has no preempt/readmit loop: a victim is protected for the window and cannot preempt back', () => {
    const s = testScheduler(testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 2 }), {
      ...openConfig,
      preemptionWindowS: 3600,
    })
    s.submit(job('low', { replicas: 2, priority: 1 }))
    s.schedule(0)
    s.submit(job('high', { replicas: 2, priority: 5, submittedAt: 1 }))
    let preemptions = 0
    for (let t = 10; t < 2000; t += 10) {
      preemptions += s.schedule(t).decisions.filter((d) => d.kind === 'preempt').length
      if (t === 500) {
        s.remove('high')
      }
      if (t === 600) {
        s.submit(job('high-2', { replicas: 2, priority: 5, submittedAt: t }))
      }
    }
    // 'low' was preempted once; when 'high' left it came back, and 'high-2' may not take it
    // again within the hour: it waits, with a reason
    expect(preemptions).toBe(1)
    expect(s.running().map((j) => j.spec.id)).toEqual(['low'])
    expect(s.schedule(2000).pending.get('high-2')?.kind).toBe('insufficient-capacity')
  })

  it('gives every pending job a reason a person can read', () => {
    const s = testScheduler(testCluster({ ascendNodes: 2 }), {
      tenants: [
        {
          name: 'a',
          queues: ['q'],
          quotas: { 'llm-train': { guaranteed: 30, borrowingLimit: 0 } },
        },
      ],
      preemptionWindowS: 0,
      strictTenants: true,
    })
    s.submit(job('first', { tenant: 'a' }))
    s.submit(job('quota', { tenant: 'a', submittedAt: 1 }))
    s.submit(job('ceiling', { tenant: 'a', replicas: 4, submittedAt: 2 }))
    s.submit(job('stranger', { tenant: 'b' }))
    s.submit(job('arm', { tenant: 'a', archs: ['aarch64'], acceleratorsPerReplica: 1 }))
    const { pending } = s.schedule(0)
    const reasons = [...pending.values()] as PendingReason[]
    expect(reasons.length).toBeGreaterThanOrEqual(3)
    for (const reason of reasons) {
      expect(reason.message.length).toBeGreaterThan(20)
    }
    expect(pending.get('quota')?.message).toMatch(
      /tenant a uses 22.88 of 30 llm-train SCU it may hold now; this job needs 22.88 more/,
    )
    expect(pending.get('ceiling')?.message).toBe(
      'needs 91.52 llm-train SCU (32 H800 accelerators at 2.86 each), more than tenant a may ever hold: 30 (guaranteed 30 + borrowing limit 0)',
    )
  })
})

describe('quotas, borrowing and reclaim', () => {
  const tenants = [
    { name: 'a', queues: ['q'], quotas: { 'llm-train': { guaranteed: 200 } } },
    { name: 'b', queues: ['q'], quotas: { 'llm-train': { guaranteed: 200 } } },
  ]

  it('lets a tenant borrow idle guaranteed capacity and reclaims it by preemption', () => {
    const s = testScheduler(testCluster(), { tenants, preemptionWindowS: 0, strictTenants: true })
    // ~3 SCU per H800: a's 200 SCU is ~8 nodes; it asks for 12 nodes, borrowing b's idle share
    s.submit(job('a-big', { tenant: 'a', replicas: 12 }))
    const first = s.schedule(0)
    expect(placed(first.decisions, 'a-big')).toBeDefined()
    expect(s.usage('a', 'llm-train')).toBeGreaterThan(200)
    // b comes back for what it is guaranteed: a's borrowing job is preempted
    s.submit(job('b-job', { tenant: 'b', replicas: 6, submittedAt: 5 }))
    const second = s.schedule(10)
    expect(second.decisions.find((d) => d.kind === 'preempt')).toMatchObject({
      jobId: 'a-big',
      cause: 'reclaim',
      forJob: 'b-job',
    })
    expect(placed(second.decisions, 'b-job')).toBeDefined()
  })

  it('never lets a tenant go past its guarantee plus its borrowing limit', () => {
    const limited = tenants.map((t) =>
      t.name === 'a'
        ? { ...t, quotas: { 'llm-train': { guaranteed: 100, borrowingLimit: 50 } } }
        : t,
    )
    const s = testScheduler(testCluster(), {
      tenants: limited,
      preemptionWindowS: 0,
      strictTenants: true,
    })
    for (let i = 0; i < 10; i++) {
      s.submit(job(`a-${i}`, { tenant: 'a', submittedAt: i }))
    }
    const { pending } = s.schedule(0)
    expect(s.usage('a', 'llm-train')).toBeLessThanOrEqual(150)
    expect([...pending.values()].every((r) => r.kind === 'quota-exceeded')).toBe(true)
  })
})

describe('backfill, health and spares', () => {
  it('backfills a short job onto reserved nodes but holds a long one back', () => {
    const s = testScheduler(testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 4 }))
    s.submit(job('running', { replicas: 2, runtimeLimitS: 1000 }))
    s.schedule(0)
    s.submit(job('gang', { replicas: 4, submittedAt: 1, runtimeLimitS: 1000 }))
    s.submit(job('short', { replicas: 1, submittedAt: 2, runtimeLimitS: 500 }))
    s.submit(job('long', { replicas: 1, submittedAt: 3, runtimeLimitS: 5000 }))
    const { decisions, pending } = s.schedule(10)
    expect(decisions.find((d) => d.kind === 'reserve')).toMatchObject({
      jobId: 'gang',
      until: 1000,
    })
    expect(placed(decisions, 'short')).toBeDefined()
    expect(pending.get('long')).toMatchObject({
      kind: 'waiting-for-reservation',
      reservedFor: 'gang',
      until: 1000,
      // a span from this cycle (t=10), not a raw clock value
      message:
        'fits only on nodes held for gang, which can start there in 17 min (when the jobs running there reach their runtime limits); a runtime limit of its own ending before then would let it start now',
    })
  })

  it('skips unhealthy nodes and keeps spares for failure recovery', () => {
    const s = testScheduler(
      testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 2, spareNodes: 1 }),
    )
    s.setNodeHealth(0, 'draining', 0)
    s.submit(job('a'))
    s.submit(job('b', { submittedAt: 1 }))
    const { decisions, pending } = s.schedule(0)
    expect(placed(decisions, 'a')?.nodes).toEqual([1])
    expect(pending.get('b')?.kind).toBe('insufficient-capacity') // the spare (node 2) is not used
  })

  it('replaces a failed node from the spares of the same domain first, else requeues the gang', () => {
    const s = testScheduler(
      testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 2, spareNodes: 1 }),
    )
    s.submit(job('gang', { replicas: 2 }))
    s.schedule(0)
    const [replace] = s.setNodeHealth(1, 'failed', 50)
    expect(replace).toMatchObject({ kind: 'replace', jobId: 'gang', failedNode: 1, replacement: 2 })
    expect(s.running()[0]?.nodes).toEqual([0, 2])
    const [second] = s.setNodeHealth(2, 'failed', 60)
    expect(second).toMatchObject({ kind: 'replace', replacement: null })
    expect(s.pending().map((j) => j.id)).toEqual(['gang'])
    expect(s.state.free[0]).toBe(8)
  })

  it('evacuates a gang off a drained node onto healthy room, never back onto the node', () => {
    const s = testScheduler(testCluster({ pods: 1, blocksPerPod: 2, nodesPerBlock: 2 }))
    s.submit(job('gang', { replicas: 2 }))
    s.schedule(0)
    const before = s.running()[0]?.nodes ?? []
    const drained = before[1] ?? -1
    expect(() => s.evacuate('gang', drained, 10)).toThrow(
      `node ${s.state.nodes[drained]?.name} is healthy, not draining`,
    )
    expect(s.setNodeHealth(drained, 'draining', 10)).toEqual([]) // a plain drain moves nothing
    const moved = s.evacuate('gang', drained, 10)
    expect(moved).toMatchObject({ kind: 'replace', jobId: 'gang', cause: 'evacuated' })
    const after = s.running()[0]?.nodes ?? []
    expect(after).not.toContain(drained)
    expect(after).toHaveLength(2)
    expect(s.state.free[drained]).toBe(8)
    expect(s.evacuate('gang', drained, 11)).toBeUndefined() // no longer there
    expect(s.evacuate('nobody', drained, 11)).toBeUndefined()
  })

  it('requeues an evacuated gang when no healthy node has room', () => {
    const s = testScheduler(testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 2 }))
    s.submit(job('gang', { replicas: 2 }))
    s.schedule(0)
    s.setNodeHealth(0, 'draining', 5)
    expect(s.evacuate('gang', 0, 5)).toMatchObject({ replacement: null, cause: 'evacuated' })
    expect(s.pending().map((j) => j.id)).toEqual(['gang'])
    expect(s.schedule(6).pending.get('gang')?.kind).toBe('insufficient-capacity')
  })
})

describe('review regressions', () => {
  const small = () => testCluster({ pods: 1, blocksPerPod: 1, nodesPerBlock: 4 })

  it('reports each job’s own size when a smaller gang of its shape already found no room', () => {
    const s = testScheduler(small())
    s.submit(job('busy', { replicas: 3 }))
    s.schedule(0)
    s.submit(job('a', { replicas: 2, submittedAt: 1 }))
    s.submit(job('b', { replicas: 3, submittedAt: 2 }))
    const { pending } = s.schedule(1)
    expect(pending.get('a')).toMatchObject({ neededReplicas: 2, freeReplicas: 1 })
    expect(pending.get('b')).toMatchObject({ neededReplicas: 3, freeReplicas: 1 })
    expect(pending.get('b')?.message).toMatch(/needs 3 replicas of 8 H800 accelerators/)
  })

  it('reclaims a guarantee from a tenant that is not listed (all it uses is borrowed)', () => {
    const tenants = [{ name: 'a', queues: ['q'], quotas: { 'llm-train': { guaranteed: 60 } } }]
    const s = testScheduler(small(), { tenants, preemptionWindowS: 0, strictTenants: false })
    s.submit(job('x-all', { tenant: 'x', replicas: 4 }))
    s.schedule(0)
    s.submit(job('a-own', { tenant: 'a', replicas: 2, submittedAt: 1 }))
    const { decisions } = s.schedule(10)
    expect(decisions.find((d) => d.kind === 'preempt')).toMatchObject({
      jobId: 'x-all',
      cause: 'reclaim',
    })
    expect(placed(decisions, 'a-own')).toBeDefined()
  })

  it('reserves for a gang even when the jobs in its way have no runtime limit', () => {
    const s = testScheduler(small(), { ...openConfig, defaultRuntimeLimitS: 3600 })
    s.submit(job('forever', { replicas: 2 }))
    s.schedule(0)
    s.submit(job('gang', { replicas: 4, submittedAt: 1 }))
    s.submit(job('filler', { replicas: 2, submittedAt: 2 }))
    const { decisions, pending } = s.schedule(10)
    expect(decisions.find((d) => d.kind === 'reserve')).toMatchObject({
      jobId: 'gang',
      until: 3600,
    })
    // without a limit of its own the filler cannot backfill onto the reserved nodes
    expect(pending.get('filler')).toMatchObject({
      kind: 'waiting-for-reservation',
      reservedFor: 'gang',
    })
  })
})

describe('adopting running jobs (a restarted control plane)', () => {
  it('holds the adopted gang’s accelerators, so nothing is placed on them twice', () => {
    const s = testScheduler()
    const adopted = s.adopt(job('old', { replicas: 2, acceleratorsPerReplica: 8 }), [5, 6], 100)
    expect(adopted.nodes).toEqual([5, 6])
    expect(s.state.free[5]).toBe(0)
    s.submit(job('new', { replicas: 4, acceleratorsPerReplica: 8 }))
    const placed = s.schedule(200).decisions.find((d) => d.kind === 'place')
    expect(placed?.kind === 'place' ? placed.nodes : []).not.toContain(5)
    expect(placed?.kind === 'place' ? placed.nodes : []).not.toContain(6)
    // and it counts: removing it frees exactly its nodes
    s.remove('old')
    expect(s.state.free[5]).toBe(8)
  })

  it('refuses nodes whose chips are not what the job asks, naming the node', () => {
    const s = testScheduler(testCluster({ ascendNodes: 2 }))
    expect(() => s.adopt(job('h800', { replicas: 1 }), [16], 0)).toThrow(
      'job h800 cannot run on node ascend-001: its chips are not what the job asks',
    )
  })

  it('refuses nodes without room, a wrong replica count and a known id', () => {
    const s = testScheduler()
    s.adopt(job('a', { replicas: 1, acceleratorsPerReplica: 8 }), [0], 0)
    expect(() => s.adopt(job('b', { replicas: 1, acceleratorsPerReplica: 8 }), [0], 0)).toThrow(
      'node h800-001 has no room for b',
    )
    expect(() => s.state.allocate(0, 1, 0)).toThrow(
      'node h800-001 has 0 free accelerators, 1 asked',
    )
    expect(() => s.adopt(job('c', { replicas: 2, acceleratorsPerReplica: 8 }), [1], 0)).toThrow(
      ZhisuanError,
    )
    expect(() => s.adopt(job('a', { replicas: 1, acceleratorsPerReplica: 8 }), [2], 0)).toThrow(
      /already exists/,
    )
  })
})
