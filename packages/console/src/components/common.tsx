import type { ReactNode } from 'react'
import { ApiError } from '../api/client'

/** An error answer or a failure to reach the API, said plainly. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  const message =
    error instanceof ApiError
      ? `${error.message} (${error.code}, HTTP ${error.status})`
      : error instanceof Error
        ? error.message
        : String(error)
  return (
    <div className="error" role="alert">
      <strong>{title ?? 'Something went wrong'}:</strong> {message}
      {error instanceof ApiError && error.details.length > 0 ? (
        <ul>
          {error.details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              <code>{d.path}</code> {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

/** What a page shows when there is nothing to show. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  )
}

/** A figure with its label, for the overview's tiles. */
export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint === undefined ? null : <div className="stat-hint">{hint}</div>}
    </div>
  )
}

const stateClass: Record<string, string> = {
  pending: 'badge-pending',
  running: 'badge-running',
  succeeded: 'badge-ok',
  failed: 'badge-bad',
  cancelled: 'badge-muted',
  healthy: 'badge-ok',
  active: 'badge-ok',
  drained: 'badge-warn',
  suspect: 'badge-warn',
}

/** A state as a coloured badge that also says it in words. */
export function Badge({ state }: { state: string }) {
  return <span className={`badge ${stateClass[state] ?? 'badge-muted'}`}>{state}</span>
}

/** A table column: its header, and whether it holds numbers (right-aligned). */
export type Column = string | { readonly label: string; readonly num: true }

/** A table's header row; `null` leaves a column out (one only some users see). */
export function TableHead({ columns }: { columns: readonly (Column | null)[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          c === null ? null : typeof c === 'string' ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.label} scope="col" className="num">
              {c.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  )
}
