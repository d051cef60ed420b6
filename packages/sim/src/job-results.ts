import { clusterNodes, type Cluster } from '@zhisuan/domain'
import type { JobAccount } from '@zhisuan/engine'

/** One job's result, as `zhisuan sim --jobs-out` writes it and report.json carries it. */
export interface JobResultRow {
  readonly job_id: string
  readonly tenant: string
  readonly accelerators: number
  /** Node names of its latest placement, separated by spaces (one per node, fabric order). */
  readonly nodes: string
  readonly submit_s: number
  /** First start; empty when it never started. */
  readonly start_s: number | null
  /** End of its last run; empty when it did not finish. */
  readonly end_s: number | null
  readonly state: 'pending' | 'running' | 'finished'
  /** The highest fabric tier any of its placements spanned; empty before its first. */
  readonly tier: string | null
  readonly restarts: number
  readonly lost_accelerator_s: number
  /** Wall seconds its runs lost to uplinks shared with other gangs. */
  readonly contention_s: number
  /** First start less submission; empty when it never started. */
  readonly wait_s: number | null
}

/** The CSV columns, in order. */
export const jobResultColumns = [
  'job_id',
  'tenant',
  'accelerators',
  'nodes',
  'submit_s',
  'start_s',
  'end_s',
  'state',
  'tier',
  'restarts',
  'lost_accelerator_s',
  'contention_s',
  'wait_s',
] as const satisfies readonly (keyof JobResultRow)[]

const round3 = (x: number) => Math.round(x * 1000) / 1000

/** The engine's accounts as rows, in submission order. */
export function jobResultRows(cluster: Cluster, accounts: readonly JobAccount[]): JobResultRow[] {
  const names = clusterNodes(cluster).map((n) => n.name)
  return accounts.map((a) => ({
    job_id: a.id,
    tenant: a.tenant,
    accelerators: a.accelerators,
    nodes: [...new Set(a.nodes)]
      .sort((x, y) => x - y)
      .map((n) => names[n] ?? String(n))
      .join(' '),
    submit_s: round3(a.submitS),
    start_s: a.firstStartS === undefined ? null : round3(a.firstStartS),
    end_s: a.endS === undefined ? null : round3(a.endS),
    state: a.state,
    tier: a.tier,
    restarts: a.restarts,
    lost_accelerator_s: round3(a.lostAcceleratorS),
    contention_s: round3(a.contentionS),
    wait_s: a.firstStartS === undefined ? null : round3(a.firstStartS - a.submitS),
  }))
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** Rows as CSV text with a header line, each line ending in a newline. */
export function jobResultsCsv(rows: readonly JobResultRow[]): string {
  const lines = [jobResultColumns.join(',')]
  for (const row of rows) {
    lines.push(jobResultColumns.map((c) => field(row[c])).join(','))
  }
  return `${lines.join('\n')}\n`
}
