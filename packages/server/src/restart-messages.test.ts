import { afterEach, describe, expect, it } from 'vitest'
import { Store } from '@zhisuan/store'
import { requeueWords, resumeWords } from './restart-words.js'
import { appFixture, type AppFixture } from './testing.js'

interface Seen {
  readonly message: string
  readonly events: readonly { kind: string; detail: Record<string, unknown> }[]
}

describe('what a restarted or requeued job says', () => {
  let fx: AppFixture
  let store: Store
  let member: string

  const inject = async (method: 'GET' | 'POST', url: string, payload?: object) =>
    (
      await fx.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${member}` },
        ...(payload === undefined ? {} : { payload }),
      })
    ).json<Record<string, unknown>>()

  /** Submits a one-node, 1,000 s job (with what `over` adds) and runs it; its id and node. */
  const running = async (over: Record<string, unknown> = {}) => {
    const { id } = (await inject('POST', '/api/v1/jobs', {
      name: 'j',
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 1000 },
      ...over,
    })) as { id: string }
    await fx.reconciler.pass()
    const job = (await inject('GET', `/api/v1/jobs/${id}`)) as { state: string; nodes: string[] }
    expect(job.state).toBe('running')
    return { id, node: job.nodes[0] ?? '' }
  }

  const seen = async (id: string): Promise<Seen> => ({
    message: (await inject('GET', `/api/v1/jobs/${id}`))['message'] as string,
    events: (await inject('GET', `/api/v1/jobs/${id}/events`))['items'] as Seen['events'],
  })

  const start = async (speed?: number) => {
    store = await Store.open(':memory:')
    fx = await appFixture(store, undefined, speed === undefined ? {} : { speed })
    member = await fx.token('system', 'member')
  }
  afterEach(async () => {
    await fx.close()
    await store.close()
  })

  it('restarts a job with no checkpoint from the start, and says so', async () => {
    await start()
    const { id, node } = await running()
    fx.advance(150)
    await fx.twin.failNode(node, 'XID 79')
    await fx.reconciler.pass()
    const { message, events } = await seen(id)
    expect(message).toBe(`restarted from the start (no checkpoint yet) after ${node} failed`)
    expect(events.at(-1)).toMatchObject({
      kind: 'restarted',
      detail: { resumeFrom: null, doneS: 0, lostS: 150 * 8 },
    })
  })

  it('counts kept and lost work at the twin’s speed, not in wall seconds', async () => {
    await start(10) // 10 s of work per wall second
    const { id, node } = await running({ checkpoint: { intervalS: 60 } })
    // 150 s of work: 2 periods of 60 s kept; the last 30 s of work, 3 wall s on 8 accelerators, lost
    fx.advance(15)
    await fx.twin.faultNode(node, 'NCCL timeout')
    await fx.reconciler.pass()
    const { message, events } = await seen(id)
    expect(message).toMatch(/^restarted in place at 120 of 1,000 s of work /)
    expect(events.at(-1)).toMatchObject({
      kind: 'restarted',
      detail: { resumeFrom: null, doneS: 120, lostS: 3 * 8 },
    })
    // the overview's ETTR of running jobs: 24 accelerator-s lost of 8 × 15 held
    const summary = await inject('GET', '/api/v1/cluster/summary')
    expect(summary['ettrRunning']).toBeCloseTo(1 - 24 / 120, 9)
  })

  it('names the checkpoint it restarts from, and its step', async () => {
    await start()
    const { id, node } = await running({ checkpoint: { intervalS: 60 } })
    fx.advance(100)
    const checkpoints = store.checkpoints
    await checkpoints.register({
      id: 'ck-1',
      jobId: id,
      step: 1200,
      shards: [{ path: 'rank-0.pt', size: 10 }],
      at: fx.now(),
    })
    await checkpoints.reportShard({
      checkpointId: 'ck-1',
      path: 'rank-0.pt',
      size: 10,
      sha256: 'a'.repeat(64),
      tier: 'durable',
      at: fx.now(),
    })
    fx.advance(50)
    await fx.twin.failNode(node, 'XID 79')
    await fx.reconciler.pass()
    const { message, events } = await seen(id)
    expect(message).toBe(`restarted from checkpoint ck-1 (step 1,200) after ${node} failed`)
    expect(events.at(-1)).toMatchObject({
      kind: 'restarted',
      detail: { resumeFrom: 'ck-1', step: 1200, doneS: 100 },
    })
  })

  it('says how much work the twin’s checkpoint policy kept when the registry has none', async () => {
    await start()
    const { id, node } = await running({ checkpoint: { intervalS: 60 } })
    fx.advance(150) // 2 periods of 60 s kept
    await fx.twin.faultNode(node, 'NCCL timeout')
    await fx.reconciler.pass()
    const { message, events } = await seen(id)
    expect(message).toMatch(
      /^restarted in place at 120 of 1,000 s of work \(kept by its checkpoints every 60 s; none is in the checkpoint registry\) after a software fault: /,
    )
    expect(events.at(-1)).toMatchObject({
      kind: 'restarted',
      detail: { cause: 'software-fault', resumeFrom: null, doneS: 120 },
    })
  })

  it('records where a job sent back to the queue will start again', async () => {
    await start()
    // eight one-node jobs fill the eight nodes: a failed node has no replacement
    const jobs = []
    for (let i = 0; i < 8; i++) {
      jobs.push(await running())
    }
    const [first] = jobs
    if (first === undefined) {
      throw new Error('no job')
    }
    fx.advance(30)
    await fx.twin.failNode(first.node, 'XID 79')
    await fx.reconciler.pass()
    const requeued = (await seen(first.id)).events.at(-1)
    expect(requeued).toMatchObject({
      kind: 'requeued',
      detail: { failedNode: first.node, resumeFrom: null, doneS: 0 },
    })
    // the same pass gives the pending job its reason as its message; the requeue's own words:
    expect(requeueWords('requeued', { failedNode: first.node })).toBe(
      `node ${first.node} failed and no replacement is free`,
    )
  })
  it('words a requeue by its cause', () => {
    expect(requeueWords('preempted', { forJob: 'j-9', cause: 'priority' })).toBe(
      'preempted for j-9 (priority)',
    )
    expect(requeueWords('requeued', { drainedNode: 'h100-003', cause: 'evacuated' })).toBe(
      'node h100-003 was drained (evacuate) and no replacement is free',
    )
    expect(requeueWords('launch-failed', { error: 'partition down', retryInS: 30 })).toBe(
      'the backend refused its launch: partition down',
    )
    expect(
      resumeWords({
        checkpoint: { checkpointId: 'ck-2', step: 40, locations: [] },
        doneS: 300,
        durationS: 600,
        intervalS: 60,
      }),
    ).toBe('from checkpoint ck-2 (step 40)')
  })
})
