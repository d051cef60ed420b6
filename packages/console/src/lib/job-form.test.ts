import { describe, expect, it } from 'vitest'
import { emptyJobForm, issuesFor, jobBodyOf } from './job-form'

describe('the submit form', () => {
  it('sends numbers as numbers and leaves out what is blank', () => {
    expect(
      jobBodyOf({
        ...emptyJobForm,
        name: ' sft ',
        replicas: '2',
        family: 'H100',
        durationS: '600',
      }),
    ).toEqual({
      name: 'sft',
      replicas: 2,
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 600 },
    })
    expect(
      jobBodyOf({ ...emptyJobForm, name: 'x', chipKind: 'scu', scu: '16', workload: 'llm-decode' }),
    ).toMatchObject({ chip: { scu: 16, workload: 'llm-decode' }, workload: 'llm-decode' })
  })

  it('passes what is not a number to the API as typed, so its message names the field', () => {
    expect(jobBodyOf({ ...emptyJobForm, replicas: 'two' }).replicas).toBe('two')
  })

  it('finds the API’s messages for a field in body and domain paths', () => {
    const issues = [
      { path: 'body/replicas', message: 'must be >= 1' },
      { path: '/chip/family', message: 'unknown family "H200"' },
    ]
    expect(issuesFor(issues, 'replicas')).toEqual(['must be >= 1'])
    expect(issuesFor(issues, 'family')).toEqual(['unknown family "H200"'])
    expect(issuesFor(issues, 'name')).toEqual([])
  })
})
