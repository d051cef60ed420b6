import type { BackendEvent } from '@zhisuan/domain'
import type { Decision, NodeHealth } from '@zhisuan/scheduler'
import type { NodeState } from '@zhisuan/store'
import { applyDecisions, finishRun } from './job-writes.js'
import { pageSize, submitPending, type LoopState } from './loop-state.js'
import { degradedLeaves } from './routes-fabric.js'

// What the loop takes in each pass: the store's feed (submissions, cancels, evacuations), node
// states operators and agents wrote, and the backend's events; and the drains it tells the backend.

/** New submissions and cancellations since the last pass. */
export async function readFeed(state: LoopState): Promise<void> {
  const { store, backend } = state.options
  for (;;) {
    const events = await store.eventsAfter(
      state.cursor,
      ['submitted', 'cancelled', 'evacuate'],
      pageSize,
    )
    const submitted = await store.getJobs(
      events.filter((e) => e.kind === 'submitted').map((e) => e.jobId),
    )
    for (const e of events) {
      state.cursor = e.id
      if (e.kind === 'cancelled') {
        state.scheduler?.remove(e.jobId)
        state.reasons.delete(e.jobId)
        state.specs.delete(e.jobId)
        state.launchHolds.delete(e.jobId)
        await backend.cancel(e.jobId)
      } else if (e.kind === 'evacuate') {
        const node = e.detail['node']
        if (typeof node === 'string') {
          state.evacuations.push({ jobId: e.jobId, node })
        }
      } else {
        const job = submitted.get(e.jobId)
        if (job !== undefined) {
          submitPending(state, job)
        }
      }
    }
    if (events.length < pageSize) {
      return
    }
  }
}

/**
 * Gangs an operator asked to move off a node drained with `evacuate` (after `readNodes`, so
 * the scheduler already treats the node as draining and places nothing back there).
 */
export async function evacuate(state: LoopState): Promise<void> {
  const scheduler = state.scheduler
  const now = state.options.clock()
  for (const { jobId, node } of state.evacuations.splice(0)) {
    const index = state.nodeIndex.get(node)
    const health = index === undefined ? undefined : scheduler?.state.nodes[index]?.health
    if (scheduler === undefined || index === undefined || health !== 'draining') {
      continue // resumed (or failed) since: nothing to move, or the failure moved it
    }
    const decision = scheduler.evacuate(jobId, index, now)
    if (decision !== undefined) {
      await applyDecisions(state, [decision], now)
    }
  }
}

/** Drains and resumes operators made since the last pass. */
export async function readNodes(state: LoopState): Promise<void> {
  const now = state.options.clock()
  const changed = await state.options.store.nodeStates(state.nodesSeenAt - 1)
  state.nodesSeenAt = now
  for (const n of changed) {
    noteDrain(state, n)
    await applyDecisions(state, applyNode(state, n, now), now)
  }
}

/**
 * The leaves whose network the nodes' last reports show degraded (routes-fabric.ts has the rule),
 * for the scheduler to keep multi-node gangs off them; every pass, as node states are.
 */
export async function readFabric(state: LoopState): Promise<void> {
  const scheduler = state.scheduler
  if (scheduler !== undefined) {
    const reports = await state.options.store.nodeReports()
    scheduler.setDegradedLeaves(degradedLeaves(state.options.cluster, reports))
  }
}

/** Queues a drain or resume for the backend when the node's drain state changed. */
export function noteDrain(state: LoopState, n: NodeState): void {
  const key = n.adminState === 'drained' ? `drained:${n.reason}` : 'active'
  const told = state.drainTold.get(n.name)
  if (told === key) {
    state.drainsToTell.delete(n.name)
  } else if (told === undefined && key === 'active') {
    state.drainTold.set(n.name, key) // first sight of a node in service: nothing to say
  } else {
    state.drainsToTell.set(n.name, n)
  }
}

/**
 * Tells the backend (Slurm: `scontrol update state=drain reason=…`) of the drains and resumes
 * operators made; one that fails is logged and tried again on the next pass.
 */
export async function tellDrains(state: LoopState): Promise<void> {
  for (const [name, n] of [...state.drainsToTell]) {
    const drain = n.adminState === 'drained'
    try {
      await state.options.backend.setDrain(name, drain, n.reason)
      state.drainTold.set(name, drain ? `drained:${n.reason}` : 'active')
      state.drainsToTell.delete(name)
    } catch (error) {
      state.options.log(
        'warn',
        `cannot ${drain ? 'drain' : 'resume'} ${name} on the backend; retrying`,
        {
          error: String(error),
        },
      )
    }
  }
}

/**
 * What a node's recorded state means to the scheduler: failed (its gangs move), cordoned
 * (its agent went quiet: no new work, running gangs stay), degraded, draining, or healthy.
 * Returns the decisions the change makes (a failed node's gangs), for the caller to apply.
 */
export function applyNode(state: LoopState, n: NodeState, now: number): Decision[] {
  const index = state.nodeIndex.get(n.name)
  const scheduler = state.scheduler
  if (index === undefined || scheduler === undefined) {
    return []
  }
  const want: NodeHealth =
    n.health === 'failed'
      ? 'failed'
      : n.agentState === 'unreachable'
        ? 'cordoned'
        : n.health === 'degraded'
          ? 'degraded'
          : n.adminState === 'drained'
            ? 'draining'
            : 'healthy'
  if (scheduler.state.nodes[index]?.health === want) {
    return []
  }
  return scheduler.setNodeHealth(index, want, now)
}

/**
 * The backend's events, in order: a node's health is recorded and goes to the scheduler; a run's
 * end finishes its job.
 * @param known node states already read (a rebuild has them); else read once per batch.
 */
export async function applyBackendEvents(
  state: LoopState,
  events: readonly BackendEvent[],
  known?: Map<string, NodeState>,
): Promise<void> {
  const { store, clock } = state.options
  // read once per batch, not once per node event (a poll may carry many)
  let states = known
  for (const e of events) {
    const now = clock()
    if (e.kind === 'node-health') {
      states ??= new Map((await store.nodeStates()).map((n) => [n.name, n]))
      await nodeHealthChanged(state, e, states, now)
    } else {
      await finishRun(state, e, now)
    }
  }
}

/** Records a node's health as the backend reports it (updating `states`) and tells the scheduler. */
async function nodeHealthChanged(
  state: LoopState,
  e: BackendEvent & { kind: 'node-health' },
  states: Map<string, NodeState>,
  now: number,
): Promise<void> {
  const { store } = state.options
  const was = states.get(e.node)
  const next: NodeState = {
    name: e.node,
    adminState: was?.adminState ?? 'active',
    health: e.health,
    reason: e.reason,
    updatedAt: now,
  }
  await store.setNodeState(next)
  states.set(e.node, { ...was, ...next })
  if (e.health === 'failed') {
    state.observer?.nodeFailed()
    await store.audit({
      at: e.at,
      actor: 'backend',
      tenant: '',
      action: 'node.failed',
      target: e.node,
      detail: { reason: e.reason },
    })
  }
  const seen = was ?? { name: e.node, adminState: 'active' as const, reason: '', updatedAt: now }
  await applyDecisions(state, applyNode(state, { ...seen, health: e.health }, now), now)
}
