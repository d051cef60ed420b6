import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema.generated'

const tokenKey = 'zhisuan.token'

/** The signed-in token, kept for this browser tab only. */
export const session = {
  get: (): string | null => sessionStorage.getItem(tokenKey),
  set: (token: string): void => {
    sessionStorage.setItem(tokenKey, token)
  },
  clear: (): void => {
    sessionStorage.removeItem(tokenKey)
  },
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.get()
    if (token !== null) {
      request.headers.set('authorization', `Bearer ${token}`)
    }
    return request
  },
}

/** The typed client of the control plane's API (types generated from its OpenAPI document). */
export const api = createClient<paths>({ baseUrl: window.location.origin })
api.use(bearer)

/** One problem with a field the API named. */
export interface Issue {
  readonly path: string
  readonly message: string
}

/** An error answer of the API, with its code and field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly Issue[],
  ) {
    super(message)
  }
}

/** The data of an answer, or its error thrown as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) {
    return result.data
  }
  const body = result.error as
    { error?: { code?: string; message?: string; details?: Issue[] } } | undefined
  throw new ApiError(
    result.response.status,
    body?.error?.code ?? 'http-error',
    body?.error?.message ?? `${result.response.status} ${result.response.statusText}`,
    body?.error?.details ?? [],
  )
}
