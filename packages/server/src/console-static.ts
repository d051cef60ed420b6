import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'

/** Paths that are never the console's, so an unknown one answers the API's 404. */
const notConsole = /^\/(api|docs|metrics|healthz|readyz|openapi\.json)(\/|$|\?)/

/**
 * Serves the built web console (`dir` holds Vite's `index.html` and `assets/`) at `/`: files
 * as they are, and `index.html` for any other GET outside the API, so the console's own paths
 * (`/jobs/…`) load on a reload. Hashed assets are cached for good; `index.html` never.
 * Does nothing when `dir` is undefined; a `dir` without `index.html` is a broken build.
 * @throws ZhisuanError `invalid-config` when `dir` has no index.html.
 */
export async function serveConsole(app: FastifyInstance, dir: string | undefined): Promise<void> {
  if (dir === undefined) {
    return
  }
  if (!existsSync(join(dir, 'index.html'))) {
    throw new ZhisuanError(
      'invalid-config',
      `the console directory ${dir} has no index.html (run npm run build)`,
    )
  }
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    index: false,
    schemaHide: true,
    setHeaders(reply, path) {
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    if (notConsole.test(request.url)) {
      reply.callNotFound()
      return
    }
    return reply.sendFile('index.html')
  })
}
