import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, ApiError, unwrap } from '../api/client'
import type { Job, JobEvent } from '../api/types'
import { Badge, Empty, ErrorBox, Loading, TableHead } from '../components/common'
import { eventWords, type EventJob } from '../lib/event-words'
import { acceleratorHours, counted, dateTime, duration } from '../lib/format'
import { acceleratorsOf } from '../lib/job-filters'
import { progressWords, type JobProgress } from '../lib/job-status'
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
          {counted(j.replicas, 'replica', 'replicas')} ×{' '}
          {counted(j.acceleratorsPerReplica, 'accelerator', 'accelerators')} ={' '}
          {counted(acceleratorsOf(j), 'accelerator', 'accelerators')}
          {j.family === null ? '' : ` of ${j.family}`}
        </dd>
        <dt>Priority</dt>
        <dd>{j.priority}</dd>
        <dt>Run time on the twin</dt>
        <dd>
          {duration(j.durationS)} of work (
          {durationSourceWords[j.durationSource] ?? j.durationSource})
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
        {/* a pending job's message is its reason, which the box below says */}
        {j.state === 'pending' ? null : (
          <>
            <dt>Message</dt>
            <dd>{j.message === '' ? '–' : j.message}</dd>
          </>
        )}
      </dl>
      {j.state === 'pending' ? <WhyPending job={j} /> : null}
      {j.progress === null || j.progress === undefined ? null : <Progress progress={j.progress} />}
      <Placement job={j} />
      <h2>State timeline</h2>
      {events.isError ? <ErrorBox error={events.error} title="Cannot load the events" /> : null}
      {events.data === undefined ? null : (
        <Timeline
          events={events.data.items}
          job={{ accelerators: acceleratorsOf(j), durationS: j.durationS }}
        />
      )}
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

/** Where a job's twin run time came from, in words. */
const durationSourceWords: Record<string, string> = {
  hint: 'as submitted',
  'performance-model': 'from the performance model',
  'runtime-limit': 'its time limit',
  default: 'the default; the job gave no hint',
}

/** Why a pending job waits: the scheduler's reason, which the job's own answer carries. */
function WhyPending({ job }: { job: { reason?: unknown; message: string } }) {
  const reason = job.reason as { kind?: string; message?: string } | null | undefined
  const kind = reason?.kind
  return (
    <div className="why" role="status" data-testid="why">
      <h2>Why pending</h2>
      <p>
        {reason?.message ??
          (job.message === '' ? 'Waiting for the scheduler’s next pass.' : job.message)}
      </p>
      {kind === undefined ? null : (
        <p className="why-kind">
          In short: {pendingKindWords[kind] ?? kind} <span className="mono">({kind})</span>
        </p>
      )}
    </div>
  )
}

/** The scheduler's pending reasons in short. */
const pendingKindWords: Record<string, string> = {
  'quota-exceeded': 'it would take its tenant past the quota it may hold now',
  'insufficient-capacity': 'not enough free accelerators now',
  'topology-unsatisfiable': 'no fabric domain of the tier it asks for can hold it now',
  'exceeds-cluster': 'larger than the whole cluster; it waits until the cluster grows',
  'exceeds-quota-ceiling': 'larger than its tenant may ever hold (guarantee + borrowing limit)',
  'waiting-for-reservation': 'it fits only on nodes held for another job that starts there first',
  'waiting-for-placement':
    'it fits now only across a higher network tier than it needs, and waits a while for a better place',
  'arch-mismatch': 'no pool has the CPU architecture it asks for',
  'no-such-family': 'no pool has the chip family it asks for',
  'invalid-request': 'the scheduler cannot read its request',
  'launch-failed': 'the backend refused its launch; it is tried again',
}

/** A running job's work done and time left, as the twin estimates them. */
function Progress({ progress }: { progress: JobProgress }) {
  const words = progressWords(progress)
  return (
    <div className="progress-box" data-testid="progress">
      <h2>Progress (the twin’s estimate)</h2>
      <progress max={1} value={words.share} aria-label={`work done: ${words.done}`} />
      <p>
        {words.done}; {words.left}.
      </p>
      <p className="note">
        The twin runs the job’s work at its speed: this is its schedule, not a measurement.
      </p>
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
          : `${counted(span.nodes, 'node', 'nodes')} in ${counted(span.blocks, 'block', 'blocks')} and ${counted(span.pods, 'pod', 'pods')}; traffic crosses the ${span.tier} tier. `}
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

function Timeline({ events, job }: { events: readonly JobEvent[]; job: EventJob }) {
  if (events.length === 0) {
    return <Empty>No events yet.</Empty>
  }
  const start = events[0]?.at ?? 0
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e, i) => {
        const words = eventWords(e.kind, e.detail, job)
        return (
          <li key={`${e.at}-${i}`}>
            <span className="t">+{duration(e.at - start)}</span> <Badge state={e.kind} />{' '}
            <span className="when">{dateTime(e.at)}</span>{' '}
            {words === '' ? null : <span className="detail">{words}</span>}
          </li>
        )
      })}
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
