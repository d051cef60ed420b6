// The tables the API commands print (`jobs`, `nodes`, `checkpoint list`): which columns show by
// default so a table fits 100 columns, and which only `--wide` adds.
import { formatBytes } from '../numbers.js'
import { columnTable, type Column } from '../table.js'

/** A job as `GET /api/v1/jobs` answers it (the fields the CLI shows). */
export interface JobView {
  id: string
  name: string
  tenant: string
  state: string
  replicas: number
  acceleratorsPerReplica: number
  family: string | null
  attempt: number
  restarts: number
  nodes: string[] | null
  message: string
}

/** A node as `GET /api/v1/nodes` answers it (the fields the CLI shows). */
export interface NodeView {
  name: string
  family: string
  accelerators: number
  health: string
  adminState: string
  reason: string
  jobs: string[]
}

/** A checkpoint as `GET /api/v1/jobs/:id/checkpoints` answers it. */
export interface CheckpointView {
  id: string
  step: number
  state: string
  totalBytes: number
  committedAt: number | null
}

const jobColumns: readonly Column<JobView>[] = [
  { head: 'id', cell: (j) => j.id, minWidth: Infinity },
  { head: 'name', cell: (j) => j.name, minWidth: 20 },
  { head: 'tenant', cell: (j) => j.tenant, wide: true },
  { head: 'state', cell: (j) => j.state },
  { head: 'gang', cell: (j) => `${j.replicas}×${j.acceleratorsPerReplica}` },
  { head: 'family', cell: (j) => j.family ?? '—', wide: true },
  { head: 'attempt', cell: (j) => j.attempt, wide: true },
  { head: 'restarts', cell: (j) => j.restarts },
  { head: 'nodes', cell: (j) => j.nodes?.join(' ') ?? '—', wide: true },
  { head: 'message', cell: (j) => j.message },
]

/** `zhisuan jobs`: id, name, state, gang, restarts and message; `--wide` adds tenant, family, attempt, nodes. */
export function jobsTable(jobs: readonly JobView[], wide: boolean): string {
  return columnTable(jobColumns, jobs, wide)
}

const nodeColumns: readonly Column<NodeView>[] = [
  { head: 'node', cell: (n) => n.name, minWidth: Infinity },
  { head: 'family', cell: (n) => n.family, wide: true },
  { head: 'accelerators', cell: (n) => n.accelerators, wide: true },
  {
    head: 'state',
    cell: (n) => (n.adminState === 'active' ? n.health : `${n.health}, ${n.adminState}`),
  },
  { head: 'health', cell: (n) => n.health, wide: true },
  { head: 'admin', cell: (n) => n.adminState, wide: true },
  {
    head: 'jobs',
    // a cut id is of no use: the first whole, and how many more (--wide lists them all)
    cell: (n, wide) =>
      wide || n.jobs.length < 2 ? n.jobs.join(' ') : `${n.jobs[0] ?? ''} +${n.jobs.length - 1}`,
    minWidth: Infinity,
  },
  { head: 'reason', cell: (n) => n.reason },
]

/**
 * `zhisuan nodes`: node, state (health, and the admin state unless active), jobs and reason;
 * `--wide` adds family, accelerators, health and admin apart, every job of a node, whole reasons.
 */
export function nodesTable(nodes: readonly NodeView[], wide: boolean): string {
  return columnTable(nodeColumns, nodes, wide)
}

const checkpointColumns: readonly Column<CheckpointView>[] = [
  { head: 'id', cell: (c) => c.id, minWidth: Infinity },
  { head: 'step', cell: (c) => c.step },
  { head: 'state', cell: (c) => c.state },
  { head: 'size', cell: (c) => formatBytes(c.totalBytes) },
  { head: 'bytes', cell: (c) => c.totalBytes, wide: true },
  {
    head: 'committed (UTC)',
    cell: (c) =>
      c.committedAt === null
        ? '—'
        : new Date(c.committedAt * 1000).toISOString().replace('T', ' ').slice(0, 19),
  },
]

/** `zhisuan checkpoint list`: a sentence when the job has none, else a table. */
export function checkpointsTable(
  job: string,
  checkpoints: readonly CheckpointView[],
  wide: boolean,
): string {
  return checkpoints.length === 0
    ? `no checkpoints registered for job ${job}`
    : columnTable(checkpointColumns, checkpoints, wide)
}
