import { describe, expect, it } from 'vitest'
import { emptyJobForm, fieldOf, jobBodyOf, messageBesides, placeIssues } from './job-form'

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

  it('finds the field an issue names in body and domain paths', () => {
    expect(fieldOf('body/replicas', 'family')).toBe('replicas')
    expect(fieldOf('/chip/family', 'family')).toBe('family')
    expect(fieldOf('body/chip', 'scu')).toBe('scu')
    expect(fieldOf('/chip/anyOf/0', 'family')).toBe('family')
    expect(fieldOf('body/twin/durationS', 'family')).toBe('durationS')
    expect(fieldOf('/topology/tier', 'family')).toBeUndefined()
  })

  it('places every issue once: duplicates dropped, at its field or in the list', () => {
    const placed = placeIssues(
      [
        { path: '/replicas', message: 'needs 160 H100 accelerators, the cluster has 64' },
        { path: '/replicas', message: 'needs 486.4 SCU, more than tenant alpha may ever hold' },
        { path: '/replicas', message: 'needs 160 H100 accelerators, the cluster has 64' },
        { path: '/topology/tier', message: 'no leaf domain holds 20 nodes' },
        { path: 'body/name', message: 'must have at least 1 character' },
      ],
      'family',
    )
    expect(placed.total).toBe(4)
    expect(placed.atFields).toEqual({
      replicas: [
        'needs 160 H100 accelerators, the cluster has 64',
        'needs 486.4 SCU, more than tenant alpha may ever hold',
      ],
      name: ['must have at least 1 character'],
    })
    expect(placed.rest).toEqual([
      { path: '/topology/tier', message: 'no leaf domain holds 20 nodes' },
    ])
  })

  it('keeps what a message says besides its issues, and drops the issues it repeats', () => {
    const issues = [
      { path: '/replicas', message: 'needs 72 H100 accelerators' },
      { path: '/chip/family', message: 'no pool has B200' },
    ]
    expect(
      messageBesides(
        'this job can never run on this cluster: /replicas: needs 72 H100 accelerators; /chip/family: no pool has B200. An admin may accept it anyway',
        issues,
      ),
    ).toBe('this job can never run on this cluster. An admin may accept it anyway')
    expect(
      messageBesides('body/replicas: must be >= 1', [
        { path: 'body/replicas', message: 'must be >= 1' },
      ]),
    ).toBe('')
    expect(messageBesides('job is running', [])).toBe('job is running')
  })
})
