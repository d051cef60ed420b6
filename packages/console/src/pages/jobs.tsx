import { useQueries } from '@tanstack/react-query'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef, useState } from 'react'
import { api, unwrap } from '../api/client'
import { jobStates, type Job } from '../api/types'
import { Badge, Empty, ErrorBox, Loading } from '../components/common'
import { counted, dateTime } from '../lib/format'
import {
  acceleratorsOf,
  filtersFromSearch,
  filtersToSearch,
  pageQuery,
  pageSize,
  pagesCovering,
  type JobFilters,
} from '../lib/job-filters'
import { jobAge, jobNote, serverSeconds } from '../lib/job-status'
import { navigate } from '../router'
import { useMe } from '../session'
import { SubmitForm } from './submit-form'

/** Jobs with filters, virtualized rows, and the submit form. */
export function JobsPage({ search }: { search: string }) {
  const me = useMe()
  const filters = filtersFromSearch(search)
  const [submitting, setSubmitting] = useState(false)
  const setFilter = (key: keyof JobFilters, value: string) => {
    navigate(
      `/jobs${filtersToSearch({ ...filters, [key]: value === '' ? undefined : value })}`,
      true,
    )
  }
  return (
    <section aria-labelledby="jobs-title">
      <div className="page-head">
        <h1 id="jobs-title">Jobs</h1>
        {me.canWrite ? (
          <button
            type="button"
            aria-expanded={submitting}
            onClick={() => {
              setSubmitting(!submitting)
            }}
          >
            {submitting ? 'Close the form' : 'Submit a job'}
          </button>
        ) : (
          <p className="note" data-testid="read-only">
            Read-only: a {me.role} token cannot submit or cancel jobs.
          </p>
        )}
      </div>
      {submitting && me.canWrite ? (
        <SubmitForm
          onSubmitted={(job) => {
            navigate(`/jobs/${encodeURIComponent(job.id)}`)
          }}
        />
      ) : null}
      <form
        className="filters"
        aria-label="Filter jobs"
        onSubmit={(e) => {
          e.preventDefault()
        }}
      >
        <label>
          State
          <select
            value={filters.state ?? ''}
            onChange={(e) => {
              setFilter('state', e.target.value)
            }}
          >
            <option value="">any</option>
            {jobStates.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {me.isAdmin ? (
          <TextFilter
            label="Tenant"
            value={filters.tenant}
            onChange={(v) => {
              setFilter('tenant', v)
            }}
          />
        ) : null}
        <TextFilter
          label="Queue"
          value={filters.queue}
          onChange={(v) => {
            setFilter('queue', v)
          }}
        />
        <TextFilter
          label="Family"
          value={filters.family}
          onChange={(v) => {
            setFilter('family', v)
          }}
        />
      </form>
      <JobList key={filtersToSearch(filters)} filters={filters} />
    </section>
  )
}

/** A text filter applied when the user stops typing (Enter or leaving the field). */
function TextFilter({
  label,
  value,
  onChange,
}: {
  label: string
  value: string | undefined
  onChange: (value: string) => void
}) {
  const [text, setText] = useState(value ?? '')
  useEffect(() => {
    setText(value ?? '')
  }, [value])
  return (
    <label>
      {label}
      <input
        type="search"
        value={text}
        onChange={(e) => {
          setText(e.target.value)
        }}
        onBlur={() => {
          onChange(text.trim())
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            onChange(text.trim())
          }
        }}
      />
    </label>
  )
}

const rowHeight = 36

/**
 * The rows that match, virtualized: the scroll height is the API's count of them, and only the
 * pages under the visible rows are fetched (by offset) and kept live, so the end of 100k jobs is
 * one request away and the DOM holds a screenful of rows.
 */
function JobList({ filters }: { filters: JobFilters }) {
  const [total, setTotal] = useState<number | undefined>(undefined)
  const scroller = useRef<HTMLDivElement>(null)
  const virtual = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  })
  const items = virtual.getVirtualItems()
  const pages = pagesCovering(items[0]?.index ?? 0, items[items.length - 1]?.index ?? -1)
  const results = useQueries({
    queries: pages.map((page) => ({
      queryKey: ['jobs', filters.state, filters.tenant, filters.queue, filters.family, page],
      queryFn: async () => {
        const answer = await api.GET('/api/v1/jobs', {
          params: { query: pageQuery(filters, page) },
        })
        // ages by the server's clock when it answered (a job's times are the server's)
        return {
          ...unwrap(answer),
          at: serverSeconds(answer.response.headers.get('date'), Date.now()),
        }
      },
      refetchInterval: 5000,
    })),
  })
  // the count the freshest page came with: jobs arrive and change state while one scrolls
  let fresh: { total?: number; at: number } | undefined
  for (const r of results) {
    if (r.data !== undefined && (fresh === undefined || r.dataUpdatedAt > fresh.at)) {
      fresh = {
        ...(r.data.total === undefined ? {} : { total: r.data.total }),
        at: r.dataUpdatedAt,
      }
    }
  }
  const freshTotal = fresh?.total
  useEffect(() => {
    if (freshTotal !== undefined) {
      setTotal(freshTotal)
    }
  }, [freshTotal])
  const failed = results.find((r) => r.isError)
  if (failed !== undefined) {
    return <ErrorBox error={failed.error} title="Cannot list jobs" />
  }
  if (total === undefined) {
    return <Loading what="jobs" />
  }
  if (total === 0) {
    return <Empty>No jobs match these filters.</Empty>
  }
  const jobAt = (index: number): { job: Job; at: number } | undefined => {
    const data = results[pages.indexOf(Math.floor(index / pageSize))]?.data
    const job = data?.items[index % pageSize]
    return data === undefined || job === undefined ? undefined : { job, at: data.at }
  }
  return (
    <div className="job-table" role="table" aria-label="Jobs" aria-rowcount={total + 1}>
      <div className="job-row job-head" role="row" aria-rowindex={1}>
        {[
          'Name',
          'Id',
          'Tenant',
          'Queue',
          'State',
          'Family',
          'Accelerators',
          'Submitted',
          'Age',
          'Reason',
        ].map((h) => (
          <span key={h} role="columnheader">
            {h}
          </span>
        ))}
      </div>
      <div
        ref={scroller}
        className="job-scroll"
        role="rowgroup"
        tabIndex={0}
        aria-label="Job rows (scroll)"
      >
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = jobAt(item.index)
            return row === undefined ? (
              <div
                key={item.key}
                className="job-row job-placeholder"
                role="row"
                aria-rowindex={item.index + 2}
                aria-busy="true"
                style={{
                  position: 'absolute',
                  top: item.start,
                  left: 0,
                  right: 0,
                  height: rowHeight,
                }}
              >
                <span role="cell">loading…</span>
              </div>
            ) : (
              <JobRow
                key={item.key}
                job={row.job}
                at={row.at}
                index={item.index}
                top={item.start}
              />
            )
          })}
        </div>
      </div>
      <p className="table-foot" role="status">
        {counted(total, 'job', 'jobs')}
      </p>
    </div>
  )
}

function JobRow({ job, at, index, top }: { job: Job; at: number; index: number; top: number }) {
  const note = jobNote(job)
  const open = () => {
    navigate(`/jobs/${encodeURIComponent(job.id)}`)
  }
  return (
    <div
      className="job-row"
      role="row"
      aria-rowindex={index + 2}
      tabIndex={0}
      data-job={job.id}
      style={{ position: 'absolute', top, left: 0, right: 0, height: rowHeight }}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          open()
        }
      }}
    >
      <span role="cell">
        <a
          href={`/jobs/${encodeURIComponent(job.id)}`}
          onClick={(e) => {
            e.preventDefault()
          }}
          tabIndex={-1}
        >
          {job.name}
        </a>
      </span>
      <span role="cell" className="mono">
        {job.id}
      </span>
      <span role="cell">{job.tenant}</span>
      <span role="cell">{job.queue}</span>
      <span role="cell">
        <Badge state={job.state} />
      </span>
      <span role="cell">{job.family ?? '–'}</span>
      <span role="cell" className="num">
        {acceleratorsOf(job)}
      </span>
      <span role="cell">{dateTime(job.submittedAt)}</span>
      <span role="cell" className="age">
        {jobAge(job, at)}
      </span>
      <span role="cell" className="reason" title={note}>
        {note}
      </span>
    </div>
  )
}
