import { describe, expect, it } from 'vitest'
import { jobAge, jobNote, progressWords, serverSeconds } from './job-status'

describe('job status', () => {
  const at = 1_800_000_000
  it('says how long a job waits, runs or has ended, with its unit', () => {
    const job = { submittedAt: at - 240, startedAt: null, endedAt: null }
    expect(jobAge({ ...job, state: 'pending' }, at)).toBe('waiting 4 min')
    expect(jobAge({ ...job, state: 'running', startedAt: at - 3700 }, at)).toBe('running 1 h 1 min')
    expect(jobAge({ ...job, state: 'succeeded', startedAt: at - 200, endedAt: at - 42 }, at)).toBe(
      'ended 42 s ago',
    )
    expect(jobAge({ ...job, state: 'cancelled' }, at)).toBe('submitted 4 min ago')
  })

  it('gives the scheduler’s pending reason, else the job’s message', () => {
    const waiting = 'needs 9 replicas of 8 H100 accelerators in the cluster; room for 0 of them now'
    expect(
      jobNote({ reason: { kind: 'insufficient-capacity', message: waiting }, message: '' }),
    ).toBe(waiting)
    expect(jobNote({ reason: null, message: 'running on 2 nodes' })).toBe('running on 2 nodes')
    expect(jobNote({ reason: null, message: '' })).toBe('–')
  })

  it('words the twin’s progress estimate: work done, share and time left at its pace', () => {
    expect(progressWords({ doneS: 1200, totalS: 3600, remainingS: 40, speed: 60 })).toEqual({
      share: 1200 / 3600,
      done: '20 min of 1 h of work done (33%)',
      left: 'about 40 s left at the twin’s pace (60 s of work per second)',
    })
    expect(progressWords({ doneS: 3600, totalS: 3600, remainingS: 0, speed: 1 }).left).toBe(
      'the twin ends the run now',
    )
  })

  it('tells ages by the server’s clock from its Date header, else the browser’s', () => {
    expect(serverSeconds('Thu, 15 Jan 2027 08:00:00 GMT', 0)).toBe(Date.UTC(2027, 0, 15, 8) / 1000)
    expect(serverSeconds(null, 1_800_000_000_000)).toBe(1_800_000_000)
    expect(serverSeconds('not a date', 1_800_000_000_000)).toBe(1_800_000_000)
  })
})
