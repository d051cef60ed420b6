import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, ApiError, unwrap } from '../api/client'
import type { Job, JobEvent } from '../api/types'
import { Badge, Empty, ErrorBox, Loading, TableHead } from '../components/common'
import { acceleratorHours, dateTime, duration } from '../lib/format'
import { acceleratorsOf } from '../lib/job-filters'
import { spanOf } from '../lib/topology-model'
import { Link } from '../router'
import { useMe } from '../session'

/** One job: state timeline, events, placement, why pending, restarts, checkpoints. */
export function JobDetailPage({ id }: { id: string }) {
  const path = { params: { path: { id } } }
  const job = useQuery({
    queryKey: ['job', id],
    refetchInterval: 2000,
    queryFn: async () => unwrap(await api.GET('/api/v1/jobs/{id}', path)),
  })
  const events = useQuery({
    queryKey: ['job', id, 'events'],
    refetchInterval: 2000,
    enabled: job.data !== undefined,
    queryFn: async () => unwrap(await api.GET('/api/v1/jobs/{id}/events', path)),
  })
  const checkpoints = useQuery({
    queryKey: ['job', id, 'checkpoints'],
    refetchInterval: 5000,
    enabled: job.data !== undefined,
    queryFn: async () => unwrap(await api.GET('/api/v1/jobs/{id}/checkpoints', path)),
  })
  if (job.isError) {
    return (
      <section>
        <h1>Job {id}</h1>
        {job.error instanceof ApiError && job.error.status === 404 ? (
          <p className="error" role="alert">
            No job <code>{id}</code> that this token may see.{' '}
            <Link href="/jobs">Back to the jobs</Link>
          </p>
        ) : (
          <ErrorBox error={job.error} title="Cannot load the job" />
        )}
      </section>
    )
  }
  if (job.data === undefined) {
    return <Loading what={`job ${id}`} />
  }
  const j = job.data
  return (
    <section aria-labelledby="job-title">
      <div className="page-head">
        <h1 id="job-title">
          {j.name} <Badge state={j.state} />
        </h1>
        <CancelButton job={j} />
      </div>
      <p className="mono">{j.id}</p>
      <dl className="facts">
        <dt>Tenant / queue</dt>
        <dd>
          {j.tenant} / {j.queue}
        </dd>
        <dt>Gang</dt>
        <dd>
          {j.replicas} × {j.acceleratorsPerReplica} = {acceleratorsOf(j)} accelerators{' '}
          {j.family === null ? '' : `of ${j.family}`}
        </dd>
        <dt>Priority</dt>
        <dd>{j.priority}</dd>
        <dt>Run time on the twin</dt>
        <dd>
          {duration(j.durationS)} ({j.durationSource})
        </dd>
        <dt>Submitted / started / ended</dt>
        <dd>
          {dateTime(j.submittedAt)} / {dateTime(j.startedAt)} / {dateTime(j.endedAt)}
        </dd>
        <dt>Launches / restarts</dt>
        <dd data-testid="restarts">
          {j.attempt} / {j.restarts}
        </dd>
        <dt>Lost time</dt>
        <dd>{acceleratorHours(j.lostAcceleratorSeconds)}</dd>
        <dt>Message</dt>
        <dd>{j.message === '' ? '–' : j.message}</dd>
      </dl>
      {j.state === 'pending' ? <WhyPending job={j} /> : null}
      <Placement job={j} />
      <h2>State timeline</h2>
      {events.isError ? <ErrorBox error={events.error} title="Cannot load the events" /> : null}
      {events.data === undefined ? null : <Timeline events={events.data.items} />}
      <h2>Checkpoints</h2>
      {checkpoints.isError ? (
        <ErrorBox error={checkpoints.error} title="Cannot load checkpoints" />
      ) : null}
      {checkpoints.data === undefined ? null : checkpoints.data.items.length === 0 ? (
        <Empty>No checkpoints registered; a restart begins from the start.</Empty>
      ) : (
        <table>
          <TableHead
            columns={['Step', 'State', 'Tag', 'Committed', { label: 'Size (GB)', num: true }]}
          />
          <tbody>
            {checkpoints.data.items.map((c) => (
              <tr key={c.id}>
                <td>{c.step}</td>
                <td>
                  <Badge state={c.state} />
                </td>
                <td>{c.tag ?? '–'}</td>
                <td>{dateTime(c.committedAt)}</td>
                <td className="num">{(c.totalBytes / 1e9).toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function WhyPending({ job }: { job: Job }) {
  const reason = job.reason as { kind?: string; message?: string } | null
  return (
    <div className="why" role="status">
      <h2>Why pending</h2>
      <p>
        {reason?.message ??
          (job.message === '' ? 'Waiting for the scheduler’s next pass.' : job.message)}
      </p>
      {reason === null ? null : (
        <details>
          <summary>The scheduler’s reason ({reason.kind ?? 'structured'})</summary>
          <pre>{JSON.stringify(reason, null, 2)}</pre>
        </details>
      )}
    </div>
  )
}

function Placement({ job }: { job: Job }) {
  const topology = useQuery({
    queryKey: ['topology'],
    enabled: job.nodes !== null,
    queryFn: async () => unwrap(await api.GET('/api/v1/cluster/topology')),
  })
  if (job.nodes === null) {
    return null
  }
  const span = topology.data === undefined ? undefined : spanOf(topology.data.nodes, job.nodes)
  const where = new Map(topology.data?.nodes.map((n) => [n.name, n]))
  return (
    <>
      <h2>Placement</h2>
      <p>
        {span === undefined
          ? null
          : `${span.nodes} nodes in ${span.blocks} blocks and ${span.pods} pods; traffic crosses the ${span.tier} tier. `}
        {job.state === 'running' ? (
          <Link href={`/topology?job=${encodeURIComponent(job.id)}`}>Show it on the map</Link>
        ) : null}
      </p>
      <ul className="placement" data-testid="placement">
        {job.nodes.map((n, i) => (
          <li key={`${n}-${i}`}>
            replica {i}: <strong>{n}</strong>
            {where.get(n) === undefined
              ? ''
              : ` (pod ${where.get(n)?.pod}, block ${where.get(n)?.block})`}
          </li>
        ))}
      </ul>
    </>
  )
}

function Timeline({ events }: { events: readonly JobEvent[] }) {
  if (events.length === 0) {
    return <Empty>No events yet.</Empty>
  }
  const start = events[0]?.at ?? 0
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e, i) => (
        <li key={`${e.at}-${i}`}>
          <span className="t">+{duration(e.at - start)}</span> <Badge state={e.kind} />{' '}
          <span className="when">{dateTime(e.at)}</span>{' '}
          {e.detail === null ||
          e.detail === undefined ||
          Object.keys(e.detail).length === 0 ? null : (
            <code className="detail">{JSON.stringify(e.detail)}</code>
          )}
        </li>
      ))}
    </ol>
  )
}

function CancelButton({ job }: { job: Job }) {
  const me = useMe()
  const client = useQueryClient()
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/api/v1/jobs/{id}', { params: { path: { id: job.id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['job', job.id] }),
  })
  if (!me.canWrite || (job.state !== 'pending' && job.state !== 'running')) {
    return null
  }
  return (
    <div>
      <button
        type="button"
        className="danger"
        disabled={cancel.isPending}
        onClick={() => {
          if (window.confirm(`Cancel ${job.name}? Its work since the last checkpoint is lost.`)) {
            cancel.mutate()
          }
        }}
      >
        Cancel job
      </button>
      {cancel.isError ? <ErrorBox error={cancel.error} title="Cannot cancel" /> : null}
    </div>
  )
}
