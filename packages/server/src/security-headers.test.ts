import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Store } from '@zhisuan/store'
import { systemTenant } from './auth.js'
import { docsPolicy, pagePolicy, resourcePolicy, swaggerLogoStyle } from './security-headers.js'
import { appFixture } from './testing.js'

/** An app serving a stand-in console build, with an admin token; closes its store too. */
async function securedApp(logger?: FastifyServerOptions['logger']) {
  const dir = await mkdtemp(join(tmpdir(), 'zhisuan-headers-'))
  await mkdir(join(dir, 'assets'))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Zhisuan</title>')
  await writeFile(join(dir, 'assets', 'app-abc.js'), 'console.log(1)')
  const store = await Store.open(':memory:')
  const fx = await appFixture(store, undefined, {}, undefined, {
    consoleDir: dir,
    ...(logger === undefined ? {} : { logger }),
  })
  return {
    app: fx.app,
    adminToken: fx.adminToken,
    async close() {
      await fx.close()
      await store.close()
    },
  }
}

type Fixture = Awaited<ReturnType<typeof securedApp>>

/** Requests that reach every kind of answer: pages, docs, static files, the API and its errors. */
function everyKindOfAnswer(fx: Fixture) {
  const bearer = { authorization: `Bearer ${fx.adminToken}` }
  return {
    'the console at /': { url: '/' },
    'a console route': { url: '/jobs/job-1?tab=events' },
    'a console asset': { url: '/assets/app-abc.js' },
    'the API docs': { url: '/docs' },
    'the API docs with a slash': { url: '/docs/' },
    'a docs stylesheet': { url: '/docs/static/swagger-ui.css' },
    'the docs’ OAuth page': { url: '/docs/static/oauth2-redirect.html' },
    'the docs’ OpenAPI': { url: '/docs/json' },
    'an API list': { url: '/api/v1/jobs', headers: bearer },
    'a 401': { url: '/api/v1/jobs' },
    'a 404 in the API': { url: '/api/v1/no-such-route', headers: bearer },
    'a 404 of another method': { method: 'DELETE' as const, url: '/docs' },
    'a 400 from validation': {
      method: 'POST' as const,
      url: '/api/v1/tokens',
      headers: bearer,
      payload: { tenant: '', role: 'emperor' },
    },
    'the metrics': { url: '/metrics' },
    'the health check': { url: '/healthz' },
  }
}

describe('security headers', () => {
  let fx: Fixture
  beforeAll(async () => {
    fx = await securedApp()
  })
  afterAll(async () => {
    await fx.close()
  })

  it('forbid sniffing, referrers and framing on every kind of answer, errors too', async () => {
    for (const [what, request] of Object.entries(everyKindOfAnswer(fx))) {
      const r = await fx.app.inject(request)
      expect(r.statusCode, what).toBeLessThan(500)
      expect(r.headers['x-content-type-options'], what).toBe('nosniff')
      expect(r.headers['referrer-policy'], what).toBe('no-referrer')
      expect(r.headers['x-frame-options'], what).toBe('DENY')
      expect(r.headers['content-security-policy'], what).toContain("frame-ancestors 'none'")
    }
    expect((await fx.app.inject({ url: '/api/v1/no-such-route' })).statusCode).toBe(404)
    expect((await fx.app.inject(everyKindOfAnswer(fx)['a 400 from validation'])).statusCode).toBe(
      400,
    )
    // a malformed %-escape is answered by Fastify before any hook runs (frameworkErrors)
    const badUrl = await fx.app.inject({ url: '/api/v1/jobs/%zz' })
    expect(badUrl.statusCode).toBe(400)
    expect(badUrl.headers['x-content-type-options']).toBe('nosniff')
    expect(badUrl.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })

  it('give every HTML page, the console’s and the docs’, the strict policy and COOP', async () => {
    const pages = {
      '/': pagePolicy,
      '/jobs/job-1': pagePolicy,
      '/topology?job=x': pagePolicy,
      '/docs': docsPolicy,
      '/docs/': docsPolicy,
      '/docs/static/oauth2-redirect.html': docsPolicy,
    }
    for (const [url, policy] of Object.entries(pages)) {
      const r = await fx.app.inject({ url })
      expect(r.headers['content-type'], url).toMatch(/^text\/html/)
      expect(r.headers['content-security-policy'], url).toBe(policy)
      expect(r.headers['cross-origin-opener-policy'], url).toBe('same-origin')
    }
    expect(pagePolicy).not.toMatch(/unsafe-|\*|https?:/)
    expect(docsPolicy).not.toMatch(/unsafe-|\*|https?:/)
    // the docs differ by one hash, of swagger-ui's logo style, and by nothing else
    expect(docsPolicy.replace(/ 'sha256-[A-Za-z0-9+/]+=*'/, '')).toBe(pagePolicy)
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(pagePolicy.split('; ')).toContain(directive)
    }
  })

  it('give anything but HTML a policy that allows nothing', async () => {
    for (const url of ['/api/v1/jobs', '/docs/json', '/docs/static/swagger-ui.css', '/healthz']) {
      const r = await fx.app.inject({ url })
      expect(r.headers['content-type'], url).not.toMatch(/^text\/html/)
      expect(r.headers['content-security-policy'], url).toBe(resourcePolicy)
      expect(r.headers['cross-origin-opener-policy'], url).toBeUndefined()
    }
  })

  it('allow by hash the one inline style swagger-ui renders, as this swagger-ui writes it', async () => {
    const ui = dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui'))
    const preset = await readFile(join(ui, 'static', 'swagger-ui-standalone-preset.js'), 'utf8')
    expect(preset).toContain(`createElement("style",null,"${swaggerLogoStyle}")`)
    // RL3ie…: the hash Chromium names when it refuses that style
    expect(docsPolicy).toContain(
      "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
    )
  })

  it('leave the policy of a revalidated page alone: a 304 carries none', async () => {
    const page = await fx.app.inject({ url: '/' })
    const etag = page.headers['etag']
    expect(etag).toBeDefined()
    const again = await fx.app.inject({ url: '/', headers: { 'if-none-match': String(etag) } })
    expect(again.statusCode).toBe(304)
    expect(again.headers['content-security-policy']).toBeUndefined()
    expect(again.headers['x-content-type-options']).toBe('nosniff')
  })

  it('serve docs that run under the policy: no inline script or style in their HTML', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/oauth2-redirect.html']) {
      const html = (await fx.app.inject({ url })).body
      expect(html, url).toMatch(/<script src=/)
      // a script without src, or with a body (swagger-ui's tags hold one space)
      expect(html, url).not.toMatch(/<script(?![^>]*\bsrc=)|<script[^>]*>(?!\s*<\/script>)/)
      expect(html, url).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    }
  })

  it('keep API answers out of every cache, a new token above all', async () => {
    const headers = { authorization: `Bearer ${fx.adminToken}` }
    const issued = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers,
      payload: { tenant: systemTenant, role: 'viewer' },
    })
    expect(issued.statusCode).toBe(201)
    expect(issued.json<{ token: string }>().token).toMatch(/^zs_/)
    expect(issued.headers['cache-control']).toBe('no-store')
    for (const url of ['/api/v1/jobs', '/api/v1/tokens', '/api/v1/no-such-route']) {
      expect((await fx.app.inject({ url, headers })).headers['cache-control'], url).toBe('no-store')
    }
    // the console's own caching stands: its page revalidated, its hashed assets kept
    expect((await fx.app.inject({ url: '/' })).headers['cache-control']).toBe('no-cache')
    const asset = await fx.app.inject({ url: '/assets/app-abc.js' })
    expect(asset.headers['cache-control']).toContain('immutable')
  })
})

/** A logger at `level` that writes into `lines`. */
function capturedLogger(
  lines: string[],
  level: string,
  extra: Partial<Exclude<FastifyServerOptions['logger'], boolean | undefined>> = {},
): FastifyServerOptions['logger'] {
  return {
    level,
    stream: {
      write(line: string) {
        lines.push(line)
      },
    },
    ...extra,
  }
}

/**
 * Sends requests that carry credentials every way the API sees them — a live token, a token it
 * issues, an unknown one, a malformed header, a cookie, a refused body — and gives the secrets.
 */
async function sendCredentials(app: FastifyInstance, adminToken: string): Promise<string[]> {
  const admin = { authorization: `Bearer ${adminToken}` }
  const issued = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: admin,
    payload: { tenant: systemTenant, role: 'viewer', label: 'log test' },
  })
  const token = issued.json<{ token: string }>().token
  expect(token).toMatch(/^zs_/)
  const unknown = 'zs_unknown-token-0123456789abcdefghij'
  const cookie = 'session-cookie-value-0123456789'
  const answers = await Promise.all([
    app.inject({ url: '/api/v1/jobs', headers: { authorization: `Bearer ${token}` } }),
    app.inject({ url: '/api/v1/jobs', headers: { authorization: `Bearer ${unknown}` } }),
    app.inject({ url: '/api/v1/jobs', headers: { authorization: `Bearer ${unknown} extra` } }),
    app.inject({ url: '/', headers: { ...admin, cookie: `zs=${cookie}` } }),
    app.inject({ url: '/api/v1/no-such-route', headers: admin }),
    app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: admin,
      payload: { tenant: systemTenant, role: 'emperor' },
    }),
  ])
  expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 401, 200, 404, 400])
  return [adminToken, token, unknown, cookie]
}

describe('the log', () => {
  it('holds no token or cookie at the most verbose level, though it logs each request', async () => {
    const lines: string[] = []
    const fx = await securedApp(capturedLogger(lines, 'trace'))
    const secrets = await sendCredentials(fx.app, fx.adminToken)
    await fx.close()
    const log = lines.join('')
    // the capture is real: every request was logged, with its URL
    expect(log).toContain('"url":"/api/v1/tokens"')
    expect(log).toContain('"url":"/api/v1/no-such-route"')
    for (const secret of secrets) {
      expect(log).not.toContain(secret)
    }
    expect(log).not.toMatch(/bearer\s+zs_/i)
  })

  it('censors the credentials even where a serializer logs every request header', async () => {
    const lines: string[] = []
    const logger = capturedLogger(lines, 'info', {
      serializers: {
        req: (request: { method: string; url: string; headers: unknown }) => ({
          method: request.method,
          url: request.url,
          headers: request.headers,
        }),
      },
    })
    const fx = await securedApp(logger)
    const secrets = await sendCredentials(fx.app, fx.adminToken)
    await fx.close()
    const log = lines.join('')
    // the headers are there (the user agent light-my-request sends), the credentials are not
    expect(log).toContain('"user-agent":"lightMyRequest"')
    expect(log).toContain('"authorization":"[redacted]"')
    expect(log).toContain('"cookie":"[redacted]"')
    for (const secret of secrets) {
      expect(log).not.toContain(secret)
    }
  })
})
