// Input is taken as sent: every coercion the hardening review found (issue #19) is a 400 naming
// the field, invalid text is refused where it is, and what Node or Fastify refuse before a route
// (an over-long URL or header block, a body over the limit) answers in the one error shape.
import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDialects, type StoreFixture } from '@zhisuan/store/testing'
import { parseJsonBody, textProblem } from './strict-input.js'
import { appFixture, type AppFixture } from './testing.js'

interface Answer {
  readonly id?: string
  readonly error?: {
    readonly code: string
    readonly message: string
    readonly details: readonly { readonly path: string; readonly message: string }[]
  }
}

const job = {
  name: 'strict',
  replicas: 1,
  acceleratorsPerReplica: 8,
  chip: { family: 'H100' },
  twin: { durationS: 60 },
}

describe('strict input over HTTP', () => {
  let db: StoreFixture
  let fx: AppFixture
  let member: string
  const post = async (payload: string | Buffer, url = '/api/v1/jobs') => {
    const r = await fx.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      payload,
    })
    return { status: r.statusCode, body: r.json<Answer>() }
  }

  beforeAll(async () => {
    const sqlite = testDialects().find((d) => d.name === 'sqlite')
    if (sqlite === undefined) {
      throw new Error('no SQLite dialect')
    }
    db = await sqlite.open()
    fx = await appFixture(db.store)
    const tenant = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: { authorization: `Bearer ${fx.adminToken}` },
      payload: { name: 'strict' },
    })
    expect(tenant.statusCode).toBe(201)
    member = await fx.token('strict', 'member')
  })
  afterAll(async () => {
    await fx.close()
    await db.close()
  })

  it('takes the job as sent', async () => {
    expect((await post(JSON.stringify(job))).status).toBe(201)
  })

  it.each([
    ['/priority', { priority: true }],
    ['/priority', { priority: null }],
    ['/twin/durationS', { twin: { durationS: '0x10' } }],
    ['/twin/durationS', { twin: { durationS: '16' } }],
    ['/replicas', { replicas: [2] }],
    ['/replicas', { replicas: null }],
    ['/replicas', { replicas: '2' }],
    ['/name', { name: ['abc'] }],
    ['/name', { name: null }],
    ['/name', { name: 5 }],
    ['/acceleratorsPerReplica', { acceleratorsPerReplica: false }],
    ['/env/a b', { env: { 'a b': 'x'.repeat(5000) } }],
    ['/env/X', { env: { X: 5 } }],
  ])('refuses a coercible %s with 400 naming it (%j)', async (path, over) => {
    const r = await post(JSON.stringify({ ...job, ...over }))
    expect(r.status).toBe(400)
    expect(r.body.error?.code).toBe('invalid-input')
    expect(r.body.error?.details.map((d) => d.path)).toContain(path)
    const listed = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jobs?limit=500',
      headers: { authorization: `Bearer ${member}` },
    })
    expect(
      listed.json<{ items: { name: string }[] }>().items.every((j) => j.name === 'strict'),
    ).toBe(true)
  })

  it('refuses invalid UTF-8 naming the field and the byte', async () => {
    const text = JSON.stringify({ ...job, name: 'ab#cd' })
    const bytes = Buffer.from(text, 'utf8')
    bytes[bytes.indexOf('#')] = 0xff
    const r = await post(bytes)
    expect(r.status).toBe(400)
    expect(r.body.error?.details).toEqual([
      { path: '/name', message: `is not valid UTF-8 (byte 0xff at offset ${text.indexOf('#')})` },
    ])
  })

  it('refuses a lone surrogate in a body field, a key, or the query string', async () => {
    const lone = await post(JSON.stringify(job).replace('"strict"', '"a\\ud800b"'))
    expect(lone.status).toBe(400)
    expect(lone.body.error?.details[0]?.path).toBe('/name')
    expect(lone.body.error?.message).toMatch(/lone UTF-16 surrogate/)
    const key = await post('{"name":"x","\\udc00":1}')
    expect(key.status).toBe(400)
    expect(key.body.error?.details[0]?.path).toBe('/\udc00')
    const query = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/jobs?name=${encodeURIComponent('a')}%ED%A0%80`,
      headers: { authorization: `Bearer ${member}` },
    })
    expect(query.statusCode).toBe(400)
    expect(query.json<Answer>().error?.details[0]?.path).toBe('?name')
  })

  it('names a prototype key for what it is, not "not valid JSON"', async () => {
    for (const [payload, path] of [
      ['{"__proto__":{"admin":true},"name":"a"}', '/__proto__'],
      ['{"name":"a","chip":{"__proto__":{"family":"H100"}}}', '/chip/__proto__'],
      ['{"constructor":{"prototype":{"admin":true}},"name":"a"}', '/constructor'],
    ] as const) {
      const r = await post(payload)
      expect(r.status).toBe(400)
      expect(r.body.error?.details[0]?.path).toBe(path)
      expect(r.body.error?.message).toMatch(/reserved name/)
      expect(r.body.error?.message).not.toMatch(/not valid JSON/)
    }
  })

  it('still reads numbers and repeated choices from the query string', async () => {
    const r = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jobs?limit=2&state=pending&withTotal=true',
      headers: { authorization: `Bearer ${member}` },
    })
    expect(r.statusCode).toBe(200)
  })

  it('answers a body over the limit, a long URL and long headers in the one error shape', async () => {
    const big = await post(JSON.stringify({ ...job, name: 'x'.repeat(1024 * 1024) }))
    expect(big.status).toBe(413)
    expect(big.body.error?.code).toBe('payload-too-large')
    const long = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/jobs?name=${'a'.repeat(9000)}`,
      headers: { authorization: `Bearer ${member}` },
    })
    expect(long.statusCode).toBe(414)
    expect(long.json<Answer>().error?.code).toBe('uri-too-long')
    // Node refuses a request line and headers over 16 KiB before Fastify sees it: only a real
    // socket shows what the client gets
    await fx.app.listen({ port: 0, host: '127.0.0.1' })
    const address = fx.app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const raw = await new Promise<string>((resolve, reject) => {
      let got = ''
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /api/v1/jobs?name=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
      })
      socket.on('data', (chunk) => (got += chunk.toString()))
      socket.on('close', () => {
        resolve(got)
      })
      socket.on('error', reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 431 /)
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Answer
    expect(body.error?.code).toBe('headers-too-large')
    expect(body.error?.details).toEqual([])
  })
})

describe('parseJsonBody', () => {
  it('gives back what JSON.parse gives for any well-formed document without reserved keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value)
        fc.pre(textProblem(JSON.parse(text)) === undefined)
        expect(parseJsonBody(Buffer.from(text, 'utf8'))).toEqual(JSON.parse(text))
      }),
      { seed: 19, numRuns: 500 },
    )
  })

  it('finds every lone surrogate, wherever it sits', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0xd800, max: 0xdfff }), (value, code) => {
        fc.pre(textProblem(value) === undefined)
        const lone = String.fromCharCode(code)
        const wrapped = { deep: [{ value }, `x${lone}y`] }
        expect(textProblem(wrapped)?.at).toEqual(['deep', '1'])
      }),
      { seed: 19, numRuns: 300 },
    )
  })
})
