import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { serveConsole } from './console-static.js'

async function consoleApp() {
  const dir = await mkdtemp(join(tmpdir(), 'zhisuan-console-'))
  await mkdir(join(dir, 'assets'))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Zhisuan</title>')
  await writeFile(join(dir, 'assets', 'app-abc.js'), 'console.log(1)')
  const app = Fastify()
  app.get('/api/v1/ping', () => ({ ok: true }))
  await serveConsole(app, dir)
  return app
}

describe('serving the console', () => {
  it('serves index.html at / and at the console’s own paths, assets cached for good', async () => {
    const app = await consoleApp()
    for (const url of ['/', '/jobs', '/jobs/job-1?tab=events']) {
      const r = await app.inject({ url })
      expect(r.statusCode).toBe(200)
      expect(r.body).toContain('<title>Zhisuan</title>')
      expect(r.headers['cache-control']).toBe('no-cache')
    }
    const asset = await app.inject({ url: '/assets/app-abc.js' })
    expect(asset.body).toBe('console.log(1)')
    expect(asset.headers['cache-control']).toContain('immutable')
    expect((await app.inject({ url: '/api/v1/ping' })).json()).toEqual({ ok: true })
    await app.close()
  })

  it('answers 404, not the console, for unknown API paths', async () => {
    const app = await consoleApp()
    expect((await app.inject({ url: '/api/v1/nothing' })).statusCode).toBe(404)
    expect((await app.inject({ url: '/metrics/x' })).statusCode).toBe(404)
    await app.close()
  })

  it('refuses a console directory without index.html', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-console-'))
    await expect(serveConsole(Fastify(), dir)).rejects.toMatchObject({ code: 'invalid-config' })
  })
})
