import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { appFixture, type AppFixture } from './testing.js'
import { nearestName } from '@zhisuan/domain'
import { choiceWords, errorWords, fieldPath, gotText, unionShapeWords } from './validation-words.js'

describe('the words for one problem', () => {
  it('names a field as a JSON pointer in the body, ?name in the query and {name} in the path', () => {
    expect(fieldPath('body', ['chip', 'family'])).toBe('/chip/family')
    expect(fieldPath('body', ['env', 'a/b'])).toBe('/env/a~1b')
    expect(fieldPath('body', [])).toBe('body')
    expect(fieldPath('querystring', ['state'])).toBe('?state')
    expect(fieldPath('params', ['id'])).toBe('{id}')
  })

  it('echoes at most 40 characters of a value, however large or deep', () => {
    expect(gotText('runing')).toBe('"runing"')
    expect(gotText({ familly: 'H100' })).toBe('{"familly":"H100"}')
    expect(gotText('x'.repeat(1_000_000))).toBe(`"${'x'.repeat(38)}…`)
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) {
      deep = [deep]
    }
    expect(gotText(deep)).toBe('[[[[[…]]]]]')
    const wide = gotText(Array.from({ length: 1_000_000 }, (_, i) => i))
    expect(wide).toHaveLength(40)
    expect(wide.endsWith('…')).toBe(true)
  })

  it('suggests a name only when one is close', () => {
    expect(nearestName('runing', ['pending', 'running', 'failed'])).toBe('running')
    expect(nearestName('replica', ['name', 'replicas'])).toBe('replicas')
    expect(nearestName('FAMILY', ['family', 'anyOf'])).toBe('family')
    expect(nearestName('zzz', ['name', 'replicas'])).toBeUndefined()
    expect(nearestName('a', ['ab', 'cd'])).toBe('ab')
  })

  it('lists each choice once, what came and what was probably meant', () => {
    expect(choiceWords(['node', 'leaf', 'node'], 'noe')).toBe(
      'must be one of node, leaf; got "noe" (did you mean node?)',
    )
    expect(choiceWords(['anyway'], 'yes')).toBe('must be "anyway"; got "yes"')
    expect(choiceWords([2, 3], 4)).toBe('must be one of 2, 3; got 4')
  })

  it('says bounds, lengths and types in words', () => {
    const at = (keyword: string, params: Record<string, unknown>, data: unknown) =>
      errorWords({ keyword, instancePath: '/x', schemaPath: '#', params, data }).message
    expect(at('type', { type: 'integer' }, '2')).toBe('must be an integer; got "2"')
    expect(at('type', { type: 'string,null' }, 5)).toBe('must be a string or null; got 5')
    expect(at('maximum', { limit: 64, comparison: '<=' }, 65)).toBe('must be at most 64; got 65')
    expect(at('exclusiveMinimum', { limit: 0 }, 0)).toBe('must be more than 0; got 0')
    expect(at('maxLength', { limit: 128 }, 'é'.repeat(129))).toBe(
      'must be at most 128 characters; got 129',
    )
    expect(at('minLength', { limit: 1 }, '')).toBe('must not be empty')
    expect(at('maxItems', { limit: 2 }, [1, 2, 3])).toBe('must have at most 2 items; got 3')
  })

  it('names a union by the fields each of its shapes requires', () => {
    const object = (name: string) => ({ type: 'object', required: [name] })
    expect(unionShapeWords([object('family'), object('anyOf'), object('scu')])).toBe(
      'one of {family}, {anyOf}, {scu}',
    )
    expect(unionShapeWords([{ type: 'string' }, { type: 'null' }])).toBe('a string or null')
  })
})

describe('the answers of the API to bad input', () => {
  let db: StoreFixture
  let fx: AppFixture
  const send = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await fx.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${fx.adminToken}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    expect(r.statusCode).toBe(400)
    return r.json<{ error: { code: string; message: string; details: unknown[] } }>().error
  }
  const job = { name: 'sft', acceleratorsPerReplica: 8, chip: { family: 'H100' } }

  beforeAll(async () => {
    const sqlite = testDialects().find((d) => d.name === 'sqlite')
    if (sqlite === undefined) {
      throw new Error('no sqlite dialect')
    }
    db = await sqlite.open()
    fx = await appFixture(db.store)
  })
  afterAll(async () => {
    await fx.close()
    await db.close()
  })

  it('lists the choices of a misspelt state once, with the one meant', async () => {
    expect(await send('GET', '/api/v1/jobs?state=runing')).toEqual({
      code: 'invalid-input',
      message:
        'invalid request: ?state: must be one of pending, running, succeeded, failed, cancelled; got "runing" (did you mean running?)',
      details: [
        {
          path: '?state',
          message:
            'must be one of pending, running, succeeded, failed, cancelled; got "runing" (did you mean running?)',
        },
      ],
    })
  })

  it('lists every problem of the body and the query string at once, each in words', async () => {
    const body = { ...job, replica: 2, replicas: 'two', chip: { familly: 'H100' } }
    const error = await send('POST', '/api/v1/jobs?admit=anyways', body)
    expect(error.details).toEqual([
      { path: '/replica', message: 'unknown field; did you mean replicas?' },
      { path: '/replicas', message: 'must be an integer; got "two"' },
      { path: '/chip', message: 'must be one of {family}, {anyOf}, {scu}; got {"familly":"H100"}' },
      { path: '/chip/familly', message: 'unknown field; did you mean family?' },
      { path: '?admit', message: 'must be "anyway"; got "anyways" (did you mean anyway?)' },
    ])
    expect(error.message).toBe(
      'invalid request: /replica: unknown field; did you mean replicas?; /replicas: must be an integer; got "two"; /chip: must be one of {family}, {anyOf}, {scu}; got {"familly":"H100"}; /chip/familly: unknown field; did you mean family?; ?admit: must be "anyway"; got "anyways" (did you mean anyway?)',
    )
  })

  it('names the allowed fields when an unknown one is like none of them', async () => {
    const error = await send('POST', '/api/v1/tokens', { tenant: 'alpha', role: 'member', zz: 1 })
    expect(error.details).toEqual([
      { path: '/zz', message: 'unknown field; allowed: tenant, role, label' },
    ])
  })

  it('gives only the problems of the shape a union value evidently meant', async () => {
    const error = await send('POST', '/api/v1/jobs', {
      ...job,
      chip: { scu: 100, workload: 'llm-trian' },
    })
    expect(error.details).toEqual([
      {
        path: '/chip/workload',
        message:
          'must be one of llm-train, llm-prefill, llm-decode; got "llm-trian" (did you mean llm-train?)',
      },
    ])
  })

  it('says what the body must be when it is not even an object', async () => {
    const error = await send('POST', '/api/v1/jobs', [1, 2])
    expect(error.details).toEqual([{ path: 'body', message: 'must be an object; got [1,2]' }])
  })

  it('lists 20 problems of a body built to fail thousands of times, and counts the rest', async () => {
    const error = await send('POST', '/api/v1/jobs', { ...job, command: Array(5000).fill({}) })
    expect(error.details).toHaveLength(20)
    expect(error.details[0]).toEqual({
      path: '/command',
      message: 'must have at most 256 items; got 5000',
    })
    expect(error.details[1]).toEqual({ path: '/command/0', message: 'must be a string; got {}' })
    expect(error.message).toMatch(/; and 4981 more$/)
  })
})
