import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useContext, useState, type SyntheticEvent } from 'react'
import { api, ApiError, session, unwrap } from './api/client'
import type { Whoami } from './api/types'
import { ErrorBox } from './components/common'

/** Who is signed in, and what they may do. */
export interface Me extends Whoami {
  readonly isAdmin: boolean
  /** Whether the token may change anything (not a viewer). */
  readonly canWrite: boolean
  readonly signOut: () => void
}

const MeContext = createContext<Me | null>(null)

export function useMe(): Me {
  const me = useContext(MeContext)
  if (me === null) {
    throw new Error('useMe outside a signed-in console')
  }
  return me
}

/** Shows the sign-in form until a token the API accepts is given, then its children. */
export function SessionGate({ children }: { children: React.ReactNode }) {
  const client = useQueryClient()
  const [token, setToken] = useState(session.get())
  const whoami = useQuery({
    queryKey: ['whoami', token],
    enabled: token !== null,
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/whoami')),
  })
  const signOut = () => {
    session.clear()
    client.clear()
    setToken(null)
  }
  if (token === null || whoami.isError) {
    return (
      <SignIn
        error={whoami.isError ? whoami.error : undefined}
        onToken={(t) => {
          session.set(t)
          setToken(t)
        }}
      />
    )
  }
  if (whoami.data === undefined) {
    return (
      <p className="loading" role="status">
        Checking the token…
      </p>
    )
  }
  const me: Me = {
    ...whoami.data,
    isAdmin: whoami.data.role === 'admin',
    canWrite: whoami.data.role === 'admin' || whoami.data.role === 'member',
    signOut,
  }
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>
}

function SignIn({ error, onToken }: { error: unknown; onToken: (token: string) => void }) {
  const [value, setValue] = useState('')
  const submit = (e: SyntheticEvent) => {
    e.preventDefault()
    if (value.trim() !== '') {
      onToken(value.trim())
    }
  }
  return (
    <main className="signin">
      <h1>Zhisuan console</h1>
      <p>
        Sign in with an API token. The first admin token is in <code>.zhisuan/admin-token</code>{' '}
        where <code>zhisuan up</code> runs; an admin issues others (<code>POST /api/v1/tokens</code>
        ). The token stays in this tab only.
      </p>
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={value}
          onChange={(e) => {
            setValue(e.target.value)
          }}
          required
        />
        <button type="submit">Sign in</button>
      </form>
      {error === undefined ? null : (
        <ErrorBox
          title="Cannot sign in"
          error={
            error instanceof ApiError && error.status === 401
              ? new Error('the token is unknown or revoked')
              : error
          }
        />
      )}
    </main>
  )
}
