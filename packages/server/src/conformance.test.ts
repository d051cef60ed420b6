import { afterAll, describe, expect, it } from 'vitest'
import { clusterNodes } from '@zhisuan/domain'
import { createRng, simulate, type ScriptedNodeEvent, type SimJob } from '@zhisuan/sim'
import { Store } from '@zhisuan/store'
import { appFixture, labCluster } from './testing.js'

/**
 * One engine in three worlds, tested: one seeded workload with a node failure and its repair,
 * two software faults (the gangs there restart in place), a drain that evacuates and a resume,
 * and a high-priority job that preempts, run through the
 * simulator and through the control plane (API, store, reconcile loop) on the twin backend with
 * a fake clock. Both must give the same jobs the same nodes at the same times, with the same
 * restarts. The server passes once a minute; the simulator answers each change at the next
 * pass (a cycle grid of one minute), so a cycle in either world sees the same state. Twice: with
 * no restart delay or checkpoint stall, and with the twin's cluster model (a 2-minute restart,
 * 30 s per checkpoint) in both worlds, where runs end between passes.
 */

/** The cluster model both worlds run. */
interface Model {
  readonly name: string
  readonly restartS: number
  readonly stallS: number
  /** Extra seconds of work per job, off the minute grid when not 0. */
  readonly jitterS: number
}

const models: readonly Model[] = [
  { name: 'no restart delay, no stall', restartS: 0, stallS: 0, jitterS: 0 },
  { name: 'restart delay and checkpoint stalls', restartS: 120, stallS: 30, jitterS: 17 },
]

const step = 60
const repairS = 3600
const cluster = labCluster()
const names = clusterNodes(cluster).map((n) => n.name)

interface Outcome {
  readonly nodes: string
  readonly start: number | null
  readonly end: number | null
  readonly restarts: number
}

/** A seeded workload: whole-node gangs of 1, 2 or 4 nodes, and one urgent job that preempts. */
function workload(seed: number, model: Model): { jobs: SimJob[]; script: ScriptedNodeEvent[] } {
  const stream = createRng(seed).stream('conformance')
  const jobs: SimJob[] = []
  let t = 0
  for (let i = 0; i < 14; i++) {
    t += step * (1 + stream.below(6))
    jobs.push({
      id: `job-${String(i).padStart(2, '0')}`,
      tenant: 'system',
      submitS: t,
      workS: step * (20 + stream.below(60)) + model.jitterS * stream.below(3),
      replicas: [1, 2, 4][stream.below(3)] ?? 1,
      perReplica: 8,
    })
  }
  // an urgent gang of the whole cluster, while everything above still runs or waits
  jobs.push({
    id: 'urgent',
    tenant: 'system',
    submitS: 40 * step,
    workS: 10 * step,
    replicas: 8,
    perReplica: 8,
    priority: 10,
  })
  const script: ScriptedNodeEvent[] = [
    { t: 15 * step, node: 2, kind: 'fail' },
    { t: 15 * step + repairS, node: 2, kind: 'repair' },
    { t: 25 * step, node: 5, kind: 'drain', evacuate: true },
    { t: 33 * step, node: 0, kind: 'fault' },
    { t: 90 * step, node: 6, kind: 'fault' },
    { t: 70 * step, node: 5, kind: 'resume' },
  ]
  return { jobs, script }
}

function simulated(jobs: readonly SimJob[], script: readonly ScriptedNodeEvent[], model: Model) {
  const result = simulate(cluster, jobs, {
    seed: 1,
    policy: 'zhisuan',
    failures: null,
    checkpoint: { intervalS: 600, stallS: model.stallS, restartS: model.restartS },
    cycleS: step,
    cycleGrid: true,
    nodeEvents: script,
    jobResults: true,
  })
  const outcome = new Map<string, Outcome>()
  for (const a of result.accounts ?? []) {
    outcome.set(a.id, {
      nodes: [...new Set(a.nodes.map((n) => names[n] ?? String(n)))].sort().join(' '),
      start: a.firstStartS ?? null,
      end: a.endS ?? null,
      restarts: a.restarts,
    })
  }
  return outcome
}

async function served(
  store: Store,
  jobs: readonly SimJob[],
  script: readonly ScriptedNodeEvent[],
  model: Model,
): Promise<Map<string, Outcome>> {
  const fx = await appFixture(
    store,
    cluster,
    { repairS },
    { restartS: model.restartS, checkpointStallS: model.stallS },
  )
  const t0 = fx.now()
  const member = await fx.token('system', 'member')
  const call = (token: string, method: 'POST' | 'GET', url: string, payload?: object) =>
    fx.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    })
  const ids = new Map<string, string>()
  for (let k = 0; k < 2000; k++) {
    const now = k * step
    for (const j of jobs.filter((x) => x.submitS === now)) {
      const r = await call(member, 'POST', '/api/v1/jobs', {
        name: j.id,
        replicas: j.replicas,
        acceleratorsPerReplica: j.perReplica,
        chip: { family: 'H100' },
        priority: j.priority ?? 0,
        checkpoint: { intervalS: 600 },
        twin: { durationS: j.workS },
      })
      expect(r.statusCode).toBe(201)
      ids.set(j.id, r.json<{ id: string }>().id)
    }
    for (const e of script.filter((x) => x.t === now)) {
      const name = names[e.node] ?? ''
      if (e.kind === 'fail') {
        await fx.twin.failNode(name, 'scripted failure')
      } else if (e.kind === 'fault') {
        await fx.twin.faultNode(name, 'scripted software fault')
      } else if (e.kind === 'drain' || e.kind === 'resume') {
        const body = e.kind === 'drain' ? { reason: 'maintenance', evacuate: e.evacuate } : {}
        const r = await call(fx.adminToken, 'POST', `/api/v1/nodes/${name}/${e.kind}`, body)
        expect(r.statusCode).toBeLessThan(300)
      } // a repair is the twin's own, repairS after the failure
    }
    await fx.reconciler.pass()
    const records = await store.getJobs([...ids.values()])
    if (ids.size === jobs.length && [...records.values()].every((r) => r.state === 'succeeded')) {
      break
    }
    fx.advance(step)
  }
  const outcome = new Map<string, Outcome>()
  const records = await store.getJobs([...ids.values()])
  for (const [name, id] of ids) {
    const r = records.get(id)
    outcome.set(name, {
      nodes: [...new Set(r?.placement ?? [])].sort().join(' '),
      start: r?.startedAt === undefined || r.startedAt === null ? null : r.startedAt - t0,
      end: r?.endedAt === undefined || r.endedAt === null ? null : r.endedAt - t0,
      restarts: r?.restarts ?? -1,
    })
  }
  await fx.close()
  return outcome
}

describe('one engine in three worlds', () => {
  const stores: Store[] = []
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
  })

  const cases = models.flatMap((model) => [1, 2, 3].map((seed) => ({ model, seed })))
  it.each(cases)(
    'the simulator and the twin-backed server agree job by job ($model.name, seed $seed: a failure, software faults, an evacuating drain, a preemption)',
    async ({ model, seed }) => {
      const { jobs, script } = workload(seed, model)
      const sim = simulated(jobs, script, model)
      const store = await Store.open(':memory:')
      stores.push(store)
      const server = await served(store, jobs, script, model)
      expect(Object.fromEntries(server)).toEqual(Object.fromEntries(sim))
      // the workload exercised what it is meant to
      expect([...sim.values()].some((o) => o.restarts > 0)).toBe(true)
      expect(sim.get('urgent')?.end).not.toBeNull()
    },
  )
})
