import type { FastifyError, FastifyInstance } from 'fastify'
import { ZhisuanError, type ErrorCode } from '@zhisuan/domain'

/** The one table from error codes to HTTP statuses. */
export const statusOf: Readonly<Record<ErrorCode, number>> = {
  'invalid-input': 400,
  'invalid-config': 422,
  'not-found': 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  internal: 500,
}

/** The one error shape every endpoint answers with. */
export interface ErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly details: readonly { readonly path: string; readonly message: string }[]
  }
}

const codeOfStatus = (status: number): string =>
  status === 400
    ? 'invalid-input'
    : status === 401
      ? 'unauthorized'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'not-found'
          : status === 409
            ? 'conflict'
            : status === 413
              ? 'payload-too-large'
              : status === 415
                ? 'unsupported-media-type'
                : status === 422
                  ? 'invalid-config'
                  : status === 429
                    ? 'too-many-requests'
                    : 'invalid-input'

/**
 * Answers every error in one shape: our errors by the table, Fastify's validation errors as 400
 * with the field path, its other client errors with their own status, anything else as 500
 * (logged; bad input never gets there).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ZhisuanError, request, reply) => {
    if (error instanceof ZhisuanError) {
      const status = statusOf[error.code]
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed')
      }
      const body: ErrorBody = {
        error: {
          code: error.code,
          message: error.message,
          details: error.issues.map((i) => ({ path: i.path, message: i.message })),
        },
      }
      return reply.status(status).send(body)
    }
    if (error.validation !== undefined) {
      const details = error.validation.map((v) => ({
        path: `${error.validationContext ?? 'body'}${v.instancePath === '' ? '' : v.instancePath}`,
        message: v.message ?? 'is invalid',
      }))
      const body: ErrorBody = {
        error: {
          code: 'invalid-input',
          message: details.map((d) => `${d.path}: ${d.message}`).join('; '),
          details,
        },
      }
      return reply.status(400).send(body)
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const body: ErrorBody = {
        error: { code: codeOfStatus(status), message: error.message, details: [] },
      }
      return reply.status(status).send(body)
    }
    request.log.error({ err: error }, 'request failed')
    const body: ErrorBody = {
      error: { code: 'internal', message: 'internal error; see the server log', details: [] },
    }
    return reply.status(500).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: {
        code: 'not-found',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
        details: [],
      },
    }
    return reply.status(404).send(body)
  })
}
