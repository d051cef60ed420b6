import { ZhisuanError, clusterNodes, type Cluster } from '@zhisuan/domain'
import type { SimJob } from '@zhisuan/sim'
import { parseSacct } from '@zhisuan/slurm'
import type { JobRun } from './bench/placement-figures.js'

/**
 * An operator's own Slurm history (`sacct --parsable2 --allocations`) as a twin workload: each
 * allocation that ran and ended becomes a job of the same GPUs on the same number of nodes,
 * submitted when it was, needing the time it ran, with its limit; beside it, what Slurm did —
 * its nodes (NodeList, mapped to the cluster file's node names) and its start.
 */
export interface SacctReplay {
  readonly jobs: SimJob[]
  /** Slurm's runs of the same jobs, in the cluster's node indices. */
  readonly slurm: JobRun[]
  /** Allocations left out, by reason, for the operator to see. */
  readonly skipped: ReadonlyMap<string, number>
}

/** Whether a file's first line is a `sacct --parsable2` header (not a normalized CSV trace). */
export function looksLikeSacct(text: string): boolean {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? ''
  return first.includes('|') && first.split('|').includes('JobID')
}

/**
 * Turns sacct records into twin jobs and Slurm's runs on `cluster`. With `timeScale` > 1 every
 * time and limit is stretched by it about the first submission: a history recorded from a
 * time-compressed replay (as the placement bench's, ×600) read back in trace seconds.
 * @throws ZhisuanError `invalid-input` naming the file and line of an allocation on a node the
 * cluster file does not have, or with GPUs that do not split evenly over its nodes.
 */
export function sacctReplay(
  text: string,
  source: string,
  cluster: Cluster,
  timeScale = 1,
): SacctReplay {
  const names = clusterNodes(cluster).map((n) => n.name)
  const index = new Map(names.map((n, i) => [n, i]))
  const jobs: SimJob[] = []
  const slurm: JobRun[] = []
  const skipped = new Map<string, number>()
  const skip = (why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1)
  const records = parseSacct(text, source)
  // (a loop: a month of a busy cluster is more records than a spread argument list may hold)
  let first = Number.POSITIVE_INFINITY
  for (const r of records) {
    first = Math.min(first, r.submittedAt)
  }
  const at = (t: number) => first + (t - first) * timeScale
  for (const r of records) {
    if (r.startedAt === undefined) {
      skip('never started')
      continue
    }
    if (r.endedAt === undefined) {
      skip('still running')
      continue
    }
    if (r.gpus === 0) {
      skip('no GPUs')
      continue
    }
    const line = `${source}:${r.line}`
    if (r.gpus % r.nodeCount !== 0) {
      skip('GPUs not the same on every node')
      continue
    }
    const nodes = r.nodes.map((name) => {
      const i = index.get(name)
      if (i === undefined) {
        throw new ZhisuanError(
          'invalid-input',
          `${line}: NodeList: ${name} is not a node of cluster ${cluster.name} (its nodes are ${names[0] ?? ''}…${names.at(-1) ?? ''}); give the cluster file these jobs ran on`,
        )
      }
      return i
    })
    const submitS = at(r.submittedAt)
    const startS = at(r.startedAt)
    const endS = at(r.endedAt)
    jobs.push({
      id: r.jobId,
      tenant: r.account === '' ? 'default' : r.account,
      submitS,
      workS: Math.max(1, endS - startS),
      replicas: r.nodeCount,
      perReplica: r.gpus / r.nodeCount,
      ...(r.timeLimitS === undefined ? {} : { timeLimitS: r.timeLimitS * timeScale }),
    })
    slurm.push({ id: r.jobId, accelerators: r.gpus, nodes, submitS, startS, endS })
  }
  if (jobs.length === 0) {
    throw new ZhisuanError(
      'invalid-input',
      `${source}: no allocation that ran, ended and held GPUs (${[...skipped].map(([why, n]) => `${n} ${why}`).join(', ') || 'none at all'})`,
    )
  }
  jobs.sort((a, b) => a.submitS - b.submitS || (a.id < b.id ? -1 : 1))
  return { jobs, slurm, skipped }
}
