import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type SyntheticEvent, type ReactNode } from 'react'
import { api, ApiError, unwrap } from '../api/client'
import type { Job } from '../api/types'
import { ErrorBox } from '../components/common'
import { counted } from '../lib/format'
import {
  emptyJobForm,
  jobBodyOf,
  messageBesides,
  placeIssues,
  type FormField,
  type JobForm,
  type PlacedIssues,
} from '../lib/job-form'

/**
 * The job submit form; the API validates, and every issue it answers shows once: next to the
 * field it names, or listed under the form.
 */
export function SubmitForm({ onSubmitted }: { onSubmitted: (job: Job) => void }) {
  const client = useQueryClient()
  const [form, setForm] = useState<JobForm>(emptyJobForm)
  const families = useQuery({
    queryKey: ['overview', 'families'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/cluster/overview', {
          params: { query: { windowS: 3600, points: 10 } },
        }),
      ),
  })
  const submit = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/jobs', { body: jobBodyOf(form) })),
    onSuccess: (job) => {
      void client.invalidateQueries({ queryKey: ['jobs'] })
      onSubmitted(job)
    },
  })
  const placed = placeIssues(
    submit.error instanceof ApiError ? submit.error.details : [],
    form.chipKind,
  )
  const issuesFor = (field: FormField) => placed.atFields[field] ?? []
  const set = (key: keyof JobForm) => (value: string) => {
    setForm({ ...form, [key]: value })
  }
  const onSubmit = (e: SyntheticEvent) => {
    e.preventDefault()
    submit.mutate()
  }
  const listId = useId()
  return (
    <form className="submit" aria-label="Submit a job" onSubmit={onSubmit} noValidate>
      <Field label="Name" issues={issuesFor('name')}>
        {(id, described) => (
          <input
            id={id}
            {...described}
            value={form.name}
            onChange={(e) => {
              set('name')(e.target.value)
            }}
          />
        )}
      </Field>
      <Field label="Queue" issues={issuesFor('queue')}>
        {(id, described) => (
          <input
            id={id}
            {...described}
            placeholder="default"
            value={form.queue}
            onChange={(e) => {
              set('queue')(e.target.value)
            }}
          />
        )}
      </Field>
      <Field label="Replicas" issues={issuesFor('replicas')}>
        {(id, described) => (
          <input
            id={id}
            {...described}
            inputMode="numeric"
            value={form.replicas}
            onChange={(e) => {
              set('replicas')(e.target.value)
            }}
          />
        )}
      </Field>
      <Field label="Accelerators per replica" issues={issuesFor('acceleratorsPerReplica')}>
        {(id, described) => (
          <input
            id={id}
            {...described}
            inputMode="numeric"
            value={form.acceleratorsPerReplica}
            onChange={(e) => {
              set('acceleratorsPerReplica')(e.target.value)
            }}
          />
        )}
      </Field>
      <fieldset>
        <legend>Chip</legend>
        <label className="inline">
          <input
            type="radio"
            name="chip"
            checked={form.chipKind === 'family'}
            onChange={() => {
              set('chipKind')('family')
            }}
          />{' '}
          a family
        </label>
        <label className="inline">
          <input
            type="radio"
            name="chip"
            checked={form.chipKind === 'scu'}
            onChange={() => {
              set('chipKind')('scu')
            }}
          />{' '}
          standard compute units
        </label>
        {form.chipKind === 'family' ? (
          <Field label="Family" issues={issuesFor('family')}>
            {(id, described) => (
              <>
                <input
                  id={id}
                  {...described}
                  list={listId}
                  value={form.family}
                  onChange={(e) => {
                    set('family')(e.target.value)
                  }}
                />
                <datalist id={listId}>
                  {(families.data?.families ?? []).map((f) => (
                    <option key={f.family} value={f.family} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
        ) : (
          <Field label="SCU" issues={issuesFor('scu')}>
            {(id, described) => (
              <input
                id={id}
                {...described}
                inputMode="decimal"
                value={form.scu}
                onChange={(e) => {
                  set('scu')(e.target.value)
                }}
              />
            )}
          </Field>
        )}
      </fieldset>
      <Field label="Workload class" issues={issuesFor('workload')}>
        {(id, described) => (
          <select
            id={id}
            {...described}
            value={form.workload}
            onChange={(e) => {
              set('workload')(e.target.value)
            }}
          >
            <option value="">llm-train (default)</option>
            <option value="llm-train">llm-train</option>
            <option value="llm-prefill">llm-prefill</option>
            <option value="llm-decode">llm-decode</option>
          </select>
        )}
      </Field>
      <Field label="Priority" issues={issuesFor('priority')}>
        {(id, described) => (
          <input
            id={id}
            {...described}
            inputMode="numeric"
            placeholder="0"
            value={form.priority}
            onChange={(e) => {
              set('priority')(e.target.value)
            }}
          />
        )}
      </Field>
      <Field label="Twin run time (s)" issues={issuesFor('durationS')}>
        {(id, described) => (
          <input
            id={id}
            {...described}
            inputMode="numeric"
            placeholder="from the performance model"
            value={form.durationS}
            onChange={(e) => {
              set('durationS')(e.target.value)
            }}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={submit.isPending}>
          {submit.isPending ? 'Submitting…' : 'Submit'}
        </button>
      </div>
      {submit.isError ? <Refusal error={submit.error} placed={placed} /> : null}
    </form>
  )
}

function Field({
  label,
  issues,
  children,
}: {
  label: string
  issues: readonly string[]
  children: (
    id: string,
    described: { 'aria-invalid'?: boolean; 'aria-describedby'?: string },
  ) => ReactNode
}) {
  const id = useId()
  const errorId = `${id}-error`
  const invalid = issues.length > 0
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, invalid ? { 'aria-invalid': true, 'aria-describedby': errorId } : {})}
      {invalid ? (
        <span id={errorId} className="field-error">
          {issues.map((issue) => (
            <span key={issue} className="field-issue">
              {issue}
            </span>
          ))}
        </span>
      ) : null}
    </div>
  )
}

/**
 * Why the API refused the job: what its message says besides its issues, how many issues there
 * are, and those no field shows, as `path: message`.
 */
function Refusal({ error, placed }: { error: unknown; placed: PlacedIssues }) {
  if (!(error instanceof ApiError)) {
    return <ErrorBox error={error} title="Cannot reach the API" />
  }
  const besides = messageBesides(error.message, error.details)
  const atFields = placed.total - placed.rest.length
  const where =
    atFields === 1
      ? 'its field'
      : Object.keys(placed.atFields).length === 1
        ? 'their field'
        : 'their fields'
  return (
    <div className="error" role="alert" data-testid="refusal">
      <strong>The API refused the job (HTTP {error.status})</strong>
      {besides === '' ? '' : `: ${besides}`}
      {placed.total === 0 ? null : (
        <p className="refusal-count">
          {counted(placed.total, 'problem', 'problems')}
          {atFields === 0
            ? ':'
            : placed.rest.length === 0
              ? `, shown next to ${where} above.`
              : `: ${atFields} next to ${where} above, and:`}
        </p>
      )}
      {placed.rest.length === 0 ? null : (
        <ul>
          {placed.rest.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
