import type { BackendEvent, PlacedJob } from '@zhisuan/domain'
import type { Decision, RunningJob } from '@zhisuan/scheduler'
import type { JobRecord, Transition } from '@zhisuan/store'
import {
  acceleratorsOf,
  attemptWorkKept,
  checkpointPlanOf,
  resumeOf,
  startDelayOf,
} from './job-accounts.js'
import { holdLaunch, launchFailedReason } from './launch-holds.js'
import { specOf, submitPending, type LoopState } from './loop-state.js'
import { requeueWords, resumeDetail, resumePointOf, resumeWords } from './restart-words.js'

// The one place the loop changes jobs: each change is one store transition with its events, then
// what the backend must do about it.

/** Carries the scheduler's decisions out, in its order: to the store, then to the backend. */
export async function applyDecisions(
  state: LoopState,
  decisions: readonly Decision[],
  now: number,
): Promise<void> {
  for (const d of decisions) {
    switch (d.kind) {
      case 'place':
        await place(state, d, now)
        break
      case 'preempt':
        await state.options.backend.cancel(d.jobId)
        await requeue(state, d.jobId, now, 'preempted', { forJob: d.forJob, cause: d.cause })
        break
      case 'replace':
        await replace(state, d, now)
        break
      case 'reserve':
        break
    }
  }
}

/** The gang the scheduler runs under this id, if any. */
function gangOf(state: LoopState, jobId: string): RunningJob | undefined {
  return state.scheduler?.running().find((r) => r.spec.id === jobId)
}

/** Node names of node indices (an index the cluster lacks keeps its number). */
function namesOf(state: LoopState, nodes: readonly number[]): string[] {
  return nodes.map((n) => state.nodeNames[n] ?? String(n))
}

async function place(
  state: LoopState,
  d: Decision & { kind: 'place' },
  now: number,
): Promise<void> {
  const { store } = state.options
  const gang = gangOf(state, d.jobId)
  const job = await store.getJob(d.jobId)
  if (gang === undefined || job === undefined) {
    state.scheduler?.remove(d.jobId)
    return
  }
  const nodes = namesOf(state, d.nodes)
  const resume = job.attempt > 0 ? await resumeOf(state, job.id) : undefined
  const placed = await store.transition(job.id, placedChange(job, d, gang, nodes, resume, now))
  state.reasons.delete(job.id)
  if (placed === undefined) {
    // cancelled while the scheduler was deciding
    state.scheduler?.remove(job.id)
    return
  }
  await launch(state, placed, nodes)
}

/** A pending job starts its next attempt on `nodes`, and its allocation opens. */
function placedChange(
  job: JobRecord,
  d: Decision & { kind: 'place' },
  gang: RunningJob,
  nodes: readonly string[],
  resume: PlacedJob['resumeFrom'],
  now: number,
): Transition {
  return {
    from: ['pending'],
    patch: {
      state: 'running',
      attempt: job.attempt + 1,
      attempt_started_at: now,
      started_at: job.startedAt ?? now,
      placement: JSON.stringify(nodes),
      family: d.family,
      reason: null,
      message: `running on ${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'}: ${d.score.reason}`,
      updated_at: now,
    },
    events: [
      {
        at: now,
        kind: 'placed',
        detail: {
          attempt: job.attempt + 1,
          nodes,
          tier: d.score.tier,
          ...(resume === undefined ? {} : { resumeFrom: resume.checkpointId, step: resume.step }),
        },
      },
    ],
    openAllocation: {
      family: d.family,
      workloadClass: gang.spec.workloadClass ?? 'llm-train',
      accelerators: d.accelerators.length,
      scu: gang.scu,
      startAt: now,
    },
  }
}

/**
 * Asks the backend to run the job's current attempt on `nodes`, from its newest checkpoint. A
 * refusal puts the job back in the queue under a launch hold (launch-holds.ts).
 */
export async function launch(
  state: LoopState,
  job: JobRecord,
  nodes: readonly string[],
): Promise<void> {
  const spec = specOf(state, job)
  const resumeFrom = await resumeOf(state, job.id)
  try {
    await state.options.backend.launch({
      jobId: job.id,
      attempt: job.attempt,
      tenant: job.tenant,
      nodes,
      acceleratorsPerReplica: spec.body.acceleratorsPerReplica,
      ...(spec.body.image === undefined ? {} : { image: spec.body.image }),
      ...(spec.body.command === undefined ? {} : { command: spec.body.command }),
      durationS: spec.durationS,
      doneS: job.doneS,
      startDelayS: startDelayOf(state, job),
      ...(spec.body.checkpoint?.intervalS === undefined
        ? {}
        : { checkpoint: checkpointPlanOf(state, job) }),
      ...(resumeFrom === undefined ? {} : { resumeFrom }),
    })
    state.launchHolds.delete(job.id)
  } catch (error) {
    await launchRefused(state, job.id, error)
  }
}

/** Back to pending under a launch hold, with a pending reason that says when it is tried next. */
async function launchRefused(state: LoopState, jobId: string, error: unknown): Promise<void> {
  const now = state.options.clock()
  const { failures, waitS } = holdLaunch(state, jobId, now)
  const text = error instanceof Error ? error.message : String(error)
  state.options.log('warn', `launch of ${jobId} failed; trying again in ${waitS} s`, {
    error: text,
    failures,
  })
  state.scheduler?.remove(jobId)
  await requeue(state, jobId, now, 'launch-failed', { error: text, retryInS: waitS }, false)
  const reason = launchFailedReason(failures, waitS, text, now)
  const json = JSON.stringify(reason)
  state.reasons.set(jobId, json)
  await state.options.store.setPendingReasons(
    [{ id: jobId, reason: json, message: reason.message }],
    now,
  )
}

/** Back to pending (preempted, or its node failed with no replacement, or its launch failed). */
export async function requeue(
  state: LoopState,
  id: string,
  now: number,
  kind: string,
  detail: Record<string, unknown>,
  /** False for a launch the backend refused: it never ran, so no restart and nothing lost. */
  ran = true,
): Promise<void> {
  const { store } = state.options
  const job = await store.getJob(id)
  if (job?.state !== 'running') {
    return
  }
  const { keptS, sinceCheckpointS } = ran
    ? await attemptWorkKept(state, job, now)
    : { keptS: 0, sinceCheckpointS: 0 }
  const accelerators = acceleratorsOf(state, job)
  const resume = await resumePointOf(state, job, keptS)
  const requeued = await store.transition(id, {
    from: ['running'],
    patch: {
      state: 'pending',
      placement: null,
      restarts: job.restarts + (ran ? 1 : 0),
      lost_s: job.lostS + sinceCheckpointS * accelerators,
      done_s: job.doneS + keptS,
      message: `back in the queue: ${requeueWords(kind, detail)}; it starts again ${resumeWords(resume)}`,
      updated_at: now,
    },
    events: [
      {
        at: now,
        kind,
        detail: {
          ...detail,
          attempt: job.attempt,
          lostS: sinceCheckpointS * accelerators,
          ...resumeDetail(resume),
        },
      },
    ],
    closeAllocationAt: now,
  })
  if (requeued !== undefined) {
    submitPending(state, requeued)
  }
}

/** A gang lost a node: restart it on the replacement from what it kept, or requeue it. */
async function replace(
  state: LoopState,
  d: Decision & { kind: 'replace' },
  now: number,
): Promise<void> {
  const { store, backend } = state.options
  await backend.cancel(d.jobId)
  const cause = d.cause ?? 'failed'
  const from = state.nodeNames[d.failedNode] ?? String(d.failedNode)
  const lostNode = cause === 'failed' ? { failedNode: from } : { drainedNode: from, cause }
  if (d.replacement === null) {
    await requeue(state, d.jobId, now, 'requeued', lostNode)
    return
  }
  const job = await store.getJob(d.jobId)
  const gang = gangOf(state, d.jobId)
  if (job?.state !== 'running' || gang === undefined) {
    return
  }
  const { keptS, sinceCheckpointS } = await attemptWorkKept(state, job, now)
  const lost = sinceCheckpointS * acceleratorsOf(state, job)
  const nodes = namesOf(state, gang.nodes)
  const resume = await resumePointOf(state, job, keptS)
  const restarted = await store.transition(job.id, {
    from: ['running'],
    patch: {
      attempt: job.attempt + 1,
      attempt_started_at: now,
      placement: JSON.stringify(nodes),
      restarts: job.restarts + 1,
      lost_s: job.lostS + lost,
      done_s: job.doneS + keptS,
      message: `restarted ${resumeWords(resume)} after ${from} ${cause === 'failed' ? 'failed' : 'was drained (evacuate)'}`,
      updated_at: now,
    },
    events: [
      {
        at: now,
        kind: 'restarted',
        detail: {
          attempt: job.attempt + 1,
          ...lostNode,
          replacement: state.nodeNames[d.replacement],
          tier: d.tier,
          lostS: lost,
          ...resumeDetail(resume),
        },
      },
    ],
  })
  if (restarted !== undefined) {
    await launch(state, restarted, nodes)
  }
}

/**
 * The backend says a run ended: the job succeeds or fails, and its allocation closes. An end of
 * an attempt the loop already moved on from changes nothing.
 */
export async function finishRun(
  state: LoopState,
  e: BackendEvent & { kind: 'job-finished' },
  now: number,
): Promise<void> {
  const { store } = state.options
  const job = await store.getJob(e.jobId)
  if (job?.state !== 'running' || job.attempt !== e.attempt) {
    return // an attempt the loop already moved on from
  }
  if (!e.ok && e.restartable === true) {
    await restartInPlace(state, job, e, now)
    return
  }
  state.scheduler?.remove(job.id)
  state.specs.delete(job.id)
  await store.transition(job.id, {
    from: ['running'],
    patch: {
      state: e.ok ? 'succeeded' : 'failed',
      ended_at: e.at,
      updated_at: now,
      message: e.message,
    },
    events: [
      {
        at: e.at,
        kind: e.ok ? 'succeeded' : 'failed',
        detail: { attempt: e.attempt, message: e.message },
      },
    ],
    closeAllocationAt: e.at,
  })
}

/**
 * A run failed in a way a restart cures (a software fault; its nodes stay in service): the job
 * keeps its placement and starts its next attempt there from what it kept, as the
 * simulator restarts a gang in place.
 */
async function restartInPlace(
  state: LoopState,
  job: JobRecord,
  e: BackendEvent & { kind: 'job-finished' },
  now: number,
): Promise<void> {
  const { keptS, sinceCheckpointS } = await attemptWorkKept(state, job, e.at)
  const lost = sinceCheckpointS * acceleratorsOf(state, job)
  const nodes = job.placement ?? []
  const resume = await resumePointOf(state, job, keptS)
  const restarted = await state.options.store.transition(job.id, {
    from: ['running'],
    patch: {
      attempt: job.attempt + 1,
      attempt_started_at: now,
      restarts: job.restarts + 1,
      lost_s: job.lostS + lost,
      done_s: job.doneS + keptS,
      message: `restarted in place ${resumeWords(resume)} after a software fault: ${e.message}`,
      updated_at: now,
    },
    events: [
      {
        at: e.at,
        kind: 'restarted',
        detail: {
          attempt: job.attempt + 1,
          cause: 'software-fault',
          message: e.message,
          lostS: lost,
          ...resumeDetail(resume),
        },
      },
    ],
  })
  if (restarted !== undefined) {
    await launch(state, restarted, nodes)
  }
}
