import type { BackendEvent, BackendRun } from '@zhisuan/domain'
import { Scheduler, type Tenant as SchedulerTenant } from '@zhisuan/scheduler'
import { lifecycleDefaults } from '@zhisuan/engine'
import type { JobRecord, NodeState } from '@zhisuan/store'
import { schedulerSpec } from './job-spec.js'
import { launch, requeue } from './job-writes.js'
import { restoreHold } from './launch-holds.js'
import { pageSize, specOf, submitPending, type LoopState } from './loop-state.js'
import { applyBackendEvents, applyNode, noteDrain, tellDrains } from './reconcile-inputs.js'

// After a crash, or when another process takes the lease, the loop starts again from the store:
// a new scheduler, the nodes as recorded and as the backend sees them now, the running jobs
// adopted (or relaunched, or requeued), the pending ones queued with their launch holds.

/**
 * Builds the loop's scheduler again from the store and the backend. Sets `state.scheduler` at
 * once: the caller must drop it if the rebuild throws half-way.
 * @param version the store's tenants version the scheduler is built with.
 */
export async function rebuild(state: LoopState, version: string): Promise<void> {
  const { store, backend, clock } = state.options
  const now = clock()
  state.options.log('info', 'rebuilding the scheduler from the store')
  state.tenantsVersion = version
  state.cursor = await store.lastEventId()
  const scheduler = await newScheduler(state)
  state.scheduler = scheduler
  state.reasons.clear()
  const recorded = new Map((await store.nodeStates()).map((n) => [n.name, n]))
  const drained = await restoreNodes(state, recorded, now)
  await applyBackendEvents(state, await backendNodeChanges(state, recorded, now), recorded)
  // What ended while no loop ran, first: a job that finished is not adopted, nor relaunched.
  await applyBackendEvents(state, await backend.poll())
  const runs = new Map((await backend.runs()).map((r) => [r.jobId, r]))
  for (const job of await jobsIn(state, ['running'])) {
    await adoptRunning(state, scheduler, job, runs, drained, now)
  }
  for (const orphan of runs.keys()) {
    // the backend runs something the store does not: a cancelled or finished job
    state.options.log('warn', `stopping ${orphan}: the backend runs it, the store does not`)
    await backend.cancel(orphan)
  }
  for (const job of await jobsIn(state, ['pending'])) {
    restoreHold(state, job, now)
    submitPending(state, job)
  }
}

/** A scheduler with the store's tenants and their quotas, and no jobs yet. */
async function newScheduler(state: LoopState): Promise<Scheduler> {
  const tenants: SchedulerTenant[] = (await state.options.store.listTenants()).map((t) => ({
    name: t.name,
    queues: [],
    quotas: t.quotas,
  }))
  return new Scheduler(state.options.cluster, state.options.catalog, {
    tenants,
    preemptionWindowS: lifecycleDefaults.preemptionWindowS,
    strictTenants: false,
  })
}

/** The recorded node states to the new scheduler, and the drains to the backend; the drained nodes. */
async function restoreNodes(
  state: LoopState,
  recorded: ReadonlyMap<string, NodeState>,
  now: number,
): Promise<Set<string>> {
  const drained = new Set<string>()
  // what the backend was told before is unknown: drains are said again (idempotent), resumes not
  state.drainTold.clear()
  state.drainsToTell.clear()
  for (const n of recorded.values()) {
    applyNode(state, n, now)
    noteDrain(state, n)
    if (n.adminState === 'drained') {
      drained.add(n.name)
    }
  }
  state.nodesSeenAt = now
  await tellDrains(state)
  return drained
}

/**
 * What the backend says of its nodes now: one that went down, was drained in Slurm or came
 * back while no loop ran. A healthy word does not overrule a reporting agent's verdict.
 */
async function backendNodeChanges(
  state: LoopState,
  recorded: ReadonlyMap<string, NodeState>,
  now: number,
): Promise<BackendEvent[]> {
  const { backend } = state.options
  const changed: BackendEvent[] = []
  for (const b of await backend.nodes()) {
    const known = recorded.get(b.name)
    if ((known?.health ?? 'healthy') === b.health) {
      continue
    }
    if (b.health === 'healthy' && known?.agentState === 'reporting') {
      continue
    }
    changed.push({
      kind: 'node-health',
      node: b.name,
      health: b.health,
      at: now,
      reason: b.reason ?? `the ${backend.name} backend reports it ${b.health}`,
    })
  }
  return changed
}

/**
 * A job the store says runs: adopted where it runs, relaunched when the backend does not run
 * this attempt, requeued when a node of it is down or the scheduler cannot take it. Its run is
 * taken off `runs`, which leaves the backend's runs no job claims.
 */
async function adoptRunning(
  state: LoopState,
  scheduler: Scheduler,
  job: JobRecord,
  runs: Map<string, BackendRun>,
  drained: ReadonlySet<string>,
  now: number,
): Promise<void> {
  const { backend } = state.options
  const nodes = (job.placement ?? []).map((n) => state.nodeIndex.get(n) ?? -1)
  const spec = specOf(state, job)
  const down = nodes.find((n) => scheduler.state.nodes[n]?.health === 'failed')
  if (down !== undefined) {
    await backend.cancel(job.id)
    await requeue(state, job.id, now, 'requeued', { failedNode: state.nodeNames[down] })
    return
  }
  try {
    scheduler.adopt(
      schedulerSpec(job.id, job.tenant, spec, job.createdAt, state.families),
      nodes,
      job.attemptStartedAt ?? now,
    )
  } catch (error) {
    state.options.log('warn', `cannot adopt ${job.id}; requeueing it`, { error: String(error) })
    await backend.cancel(job.id)
    await requeue(state, job.id, now, 'requeued', { reason: String(error) })
    return
  }
  const run = runs.get(job.id)
  runs.delete(job.id)
  if (run?.attempt !== job.attempt) {
    // placed in the store, never launched (or an older attempt runs): launch it now
    await backend.cancel(job.id)
    await launch(state, job, job.placement ?? [])
  }
  await evacuationsAsked(state, job, drained)
}

/**
 * An evacuation asked for a job on a drained node that no pass took yet (the feed's cursor
 * starts after it on a rebuild): queued again, so a crash between the drain and the next pass
 * loses none.
 */
async function evacuationsAsked(
  state: LoopState,
  job: JobRecord,
  drainedNodes: ReadonlySet<string>,
): Promise<void> {
  const drained = (job.placement ?? []).filter((n) => drainedNodes.has(n))
  if (drained.length === 0) {
    return
  }
  const since = job.attemptStartedAt ?? 0
  for (const e of await state.options.store.events(job.id)) {
    const node = e.detail['node']
    if (e.kind === 'evacuate' && e.at >= since && typeof node === 'string') {
      if (drained.includes(node)) {
        state.evacuations.push({ jobId: job.id, node })
      }
    }
  }
}

/** Every job in these states, read a page at a time. */
async function jobsIn(state: LoopState, states: readonly string[]): Promise<JobRecord[]> {
  const out: JobRecord[] = []
  let after: string | undefined
  for (;;) {
    const page = await state.options.store.listJobs({
      states,
      limit: pageSize,
      ...(after === undefined ? {} : { after }),
    })
    out.push(...page)
    if (page.length < pageSize) {
      return out
    }
    after = page[page.length - 1]?.id
  }
}
