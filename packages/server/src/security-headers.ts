import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'

/**
 * The Content-Security-Policy of the console's pages (and, with one hash more, `docsPolicy` of
 * the API docs): both load only the server's own files. No inline script or style element and no
 * event-handler attribute runs (`'unsafe-inline'` nowhere, and no `'unsafe-eval'`), so markup
 * that slips into a page runs nothing. Style *attributes* written as markup are refused too;
 * React's `style={{…}}` props are not markup but CSSOM writes (`element.style.height = …`), which
 * CSP does not govern, so the console keeps them. `data:` images are the console's empty favicon
 * and swagger-ui's icons, which its stylesheet embeds. `connect-src 'self'`: the page's
 * requests, the token in sessionStorage on them, reach this origin only.
 */
export const pagePolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * The one inline style swagger-ui renders: the `<style>` of its logo's SVG in the docs' top bar
 * (swagger-ui 5). It is allowed by its hash, so no other inline style is.
 */
export const swaggerLogoStyle =
  '.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}'

/** `pagePolicy` for the API docs: the same, with swagger-ui's logo style allowed by hash. */
export const docsPolicy = pagePolicy.replace(
  "style-src 'self'",
  `style-src 'self' 'sha256-${createHash('sha256').update(swaggerLogoStyle).digest('base64')}'`,
)

/** The policy of everything else (JSON, metrics, scripts, images): a document of none of them. */
export const resourcePolicy = "default-src 'none'; frame-ancestors 'none'"

/** Headers every answer carries, whatever it is. */
const everyAnswer: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

/**
 * Sets the security headers on every answer that goes through the app's hooks — pages, static
 * files, the API, its errors and its 404s: `nosniff`, no referrer, no framing, a strict CSP and
 * a COOP of `same-origin` on HTML (`pagePolicy`, `docsPolicy` under /docs), a deny-all CSP on
 * anything else with a body (`resourcePolicy`), and
 * `Cache-Control: no-store` on the API, whose answers are one tenant's (a new token among them)
 * and must stay out of every cache. A route that sets its own Cache-Control keeps it.
 * Call it before any plugin or route is registered, so every encapsulated one inherits it.
 * (Errors Fastify answers itself before routing, through `frameworkErrors`, skip all hooks.)
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    setSecurityHeaders(request, reply)
    done(null, payload)
  })
}

/**
 * Sets on `reply` the headers `securityHeaders` sets, for an answer sent where no hook runs
 * (Fastify's `frameworkErrors`).
 */
export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(everyAnswer)
  const type = reply.getHeader('content-type')
  if (typeof type === 'string' && type.startsWith('text/html')) {
    const docs = /^\/docs(\/|$|\?)/.test(request.url)
    reply.header('content-security-policy', docs ? docsPolicy : pagePolicy)
    reply.header('cross-origin-opener-policy', 'same-origin')
  } else if (type !== undefined) {
    // (no type, no policy: a 304 has none, and the browser lays the headers of a 304 over the
    // page it revalidates — a deny-all policy there blanked the cached console)
    reply.header('content-security-policy', resourcePolicy)
  }
  if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) {
    reply.header('cache-control', 'no-store')
  }
}

/**
 * Log paths whose values are credentials, censored wherever a logger would write them: the
 * bearer token and cookies a request carries and cookies an answer sets. Fastify's own request
 * serializer leaves headers out; this holds if a serializer or a log call ever puts them in.
 */
export const redactedLogPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
]

/**
 * `logger` with `redactedLogPaths` censored (beside any paths it redacts already); `false`
 * and `undefined` stay off.
 * @example Fastify({ logger: withRedaction({ level: 'info' }) })
 */
export function withRedaction(
  logger: FastifyServerOptions['logger'],
): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) {
    return false
  }
  const options = logger === true ? {} : logger
  const own = Array.isArray(options.redact) ? { paths: options.redact } : options.redact
  return {
    ...options,
    redact: {
      censor: '[redacted]',
      ...own,
      paths: [...(own?.paths ?? []), ...redactedLogPaths],
    },
  }
}
