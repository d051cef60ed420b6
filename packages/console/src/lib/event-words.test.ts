import { describe, expect, it } from 'vitest'
import { eventWords } from './event-words'

const job = { accelerators: 16, durationS: 3600 }

describe('eventWords', () => {
  it('says a restart’s cause, replacement, lost work with its units and where it resumes', () => {
    const words = eventWords(
      'restarted',
      {
        attempt: 2,
        drainedNode: 'h100-002',
        cause: 'drained',
        replacement: 'h100-005',
        tier: 'leaf',
        lostS: 347.3759994506836,
        resumeFrom: 'ck-7',
        step: 1200,
        doneS: 600,
      },
      job,
    )
    expect(words).toBe(
      'attempt 2 after node h100-002 was drained (evacuate); on replacement h100-005; crossing the leaf tier; lost 22 s of run time on 16 accelerators (5 min 47 s of accelerator time); resumes from checkpoint ck-7 (step 1,200)',
    )
  })

  it('says a placement’s nodes, the first three and how many more past four', () => {
    expect(
      eventWords('placed', { attempt: 1, nodes: ['h100-001', 'h100-002'], tier: 'leaf' }, job),
    ).toBe('attempt 1 on 2 nodes: h100-001, h100-002; crossing the leaf tier')
    const many = Array.from({ length: 6 }, (_, i) => `n-${i}`)
    expect(eventWords('placed', { nodes: many, tier: 'node' }, job)).toBe(
      'on 6 nodes: n-0, n-1, n-2 and 3 more; inside one node',
    )
  })

  it('says where a requeued job starts again: kept work, or the start without a checkpoint', () => {
    expect(
      eventWords(
        'requeued',
        { failedNode: 'h100-003', attempt: 1, lostS: 0, resumeFrom: null, doneS: 1800 },
        job,
      ),
    ).toBe(
      'back in the queue: node h100-003 failed and no replacement is free; ended attempt 1; lost no work; starts again at 30 min of its 1 h of work (kept by its checkpoint policy)',
    )
    expect(
      eventWords(
        'preempted',
        { forJob: 'job-9', cause: 'quota', lostS: 160, resumeFrom: null, doneS: 0 },
        job,
      ),
    ).toBe(
      'preempted for job-9 (quota); lost 10 s of run time on 16 accelerators (2 min 40 s of accelerator time); starts again from the start (no checkpoint yet)',
    )
  })

  it('words a refused launch, an end, a cancel and a checkpoint without braces', () => {
    expect(
      eventWords('launch-failed', { error: 'no such partition', retryInS: 30, lostS: 0 }, job),
    ).toBe('the backend refused the launch: no such partition; tried again in 30 s; lost no work')
    expect(eventWords('succeeded', { attempt: 2, message: 'finished' }, job)).toBe(
      'attempt 2; finished',
    )
    expect(eventWords('cancelled', { by: 'tok-1' }, job)).toBe('by token tok-1')
    expect(eventWords('submitted', {}, job)).toBe('')
    expect(
      eventWords(
        'checkpoint-committed',
        { checkpoint: 'ck-2', step: 2000, collected: ['ck-0'] },
        job,
      ),
    ).toBe('checkpoint ck-2 committed at step 2,000; removed 1 older checkpoint: ck-0')
  })

  it('writes an unknown event’s detail as words, never as JSON', () => {
    const words = eventWords(
      'something-new',
      { share: 0.12345, nodes: ['a', 'b'], inner: { k: 1 } },
      job,
    )
    expect(words).toBe('share 0.12; nodes a, b; inner k 1')
    expect(words).not.toMatch(/[{}"]/)
  })
})
