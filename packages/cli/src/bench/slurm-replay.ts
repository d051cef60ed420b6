import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { ZhisuanError } from '@zhisuan/domain'
import { parseJobComp, type JobCompRecord } from '@zhisuan/slurm'
import type { SimJob } from '@zhisuan/sim'
import type { JobRun } from './placement-figures.js'

const run = promisify(execFile)

/** Where the dev Slurm cluster is and how to replay on it. */
export interface SlurmReplayOptions {
  /** The cluster's slurm.conf (scripts/slurm/up.sh writes `$ZHISUAN_SLURM_DIR/etc/slurm.conf`). */
  readonly conf: string
  /** Its jobcomp/filetxt log. */
  readonly jobcompLog: string
  readonly partition: string
  /** Trace seconds per wall second: ×600 runs 36 trace hours in 3.6 minutes. */
  readonly compress: number
  /** Node name → fabric index (`gpu-001` → 0). */
  readonly nodeIndex: (name: string) => number
  readonly perNode: number
  /** Called as jobs are submitted and end. */
  readonly onProgress?: (submitted: number, ended: number, total: number) => void
  /** Gives up waiting for the last job after this many wall seconds past the last submission. */
  readonly drainTimeoutS: number
}

/** The `sbatch` arguments of one job: a gang takes whole nodes, a one-node job its GPUs. */
export function sbatchArgs(
  job: SimJob,
  o: Pick<SlurmReplayOptions, 'compress' | 'partition' | 'perNode'>,
): string[] {
  const limitMin = Math.max(1, Math.ceil((job.timeLimitS ?? job.workS * 2) / o.compress / 60))
  const shape =
    job.replicas > 1
      ? [
          '-N',
          String(job.replicas),
          '--ntasks-per-node=1',
          '--exclusive',
          `--gres=gpu:${o.perNode}`,
        ]
      : ['-N', '1', '-n', '1', `--gres=gpu:${job.perReplica}`]
  return [
    '--parsable',
    '-J',
    `z-${job.id}`,
    '-p',
    o.partition,
    '-t',
    String(limitMin),
    '-o',
    '/dev/null',
    ...shape,
    '--wrap',
    `sleep ${(job.workS / o.compress).toFixed(3)}`,
  ]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * Replays a job sequence on a real Slurm, time-compressed: each job is submitted with `sbatch`
 * at its (compressed) submission time and sleeps for its compressed work; when every job has
 * ended, their placements and times are read back from the jobcomp log and given in trace
 * seconds from the sequence's first submission. Slurm's clock has one-second resolution, so
 * starts and ends are known to ±`compress` trace seconds.
 * @throws ZhisuanError `unavailable` when sbatch fails or the jobs do not all end in time.
 */
export async function slurmReplay(
  jobs: readonly SimJob[],
  o: SlurmReplayOptions,
): Promise<JobRun[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: o.conf }
  delete env['SLURM_JWT']
  const sorted = [...jobs].sort((a, b) => a.submitS - b.submitS)
  const first = sorted[0]?.submitS ?? 0
  const before = await readRecords(o.jobcompLog)
  const seen = new Set(before.map((r) => r.name))
  if (sorted.some((j) => seen.has(`z-${j.id}`))) {
    throw new ZhisuanError(
      'conflict',
      `${o.jobcompLog} already holds jobs of this sequence: start the cluster afresh`,
    )
  }
  const t0 = Date.now() / 1000 + 1
  let submitted = 0
  for (const job of sorted) {
    await sleep((t0 + (job.submitS - first) / o.compress) * 1000 - Date.now())
    try {
      await run('sbatch', sbatchArgs(job, o), { env })
    } catch (cause) {
      throw new ZhisuanError(
        'unavailable',
        `sbatch of ${job.id} failed: ${(cause as Error).message}`,
        { cause },
      )
    }
    submitted++
    if (submitted % 25 === 0) {
      o.onProgress?.(submitted, 0, sorted.length)
    }
  }
  const names = new Set(sorted.map((j) => `z-${j.id}`))
  const deadline = Date.now() + o.drainTimeoutS * 1000
  let ended: JobCompRecord[] = []
  for (;;) {
    ended = (await readRecords(o.jobcompLog)).filter((r) => names.has(r.name))
    o.onProgress?.(submitted, ended.length, sorted.length)
    if (ended.length >= sorted.length) {
      break
    }
    if (Date.now() > deadline) {
      throw new ZhisuanError(
        'unavailable',
        `${sorted.length - ended.length} of ${sorted.length} jobs had not ended ${o.drainTimeoutS} s after the last submission (squeue shows them)`,
      )
    }
    await sleep(2000)
  }
  const byName = new Map(ended.map((r) => [r.name, r]))
  return sorted.map((job) => {
    const r = byName.get(`z-${job.id}`)
    if (r === undefined || r.state !== 'COMPLETED') {
      throw new ZhisuanError('unavailable', `job ${job.id} ended ${r?.state ?? 'unseen'} in Slurm`)
    }
    const trace = (t: number) => first + (t - t0) * o.compress
    return {
      id: job.id,
      accelerators: job.replicas * job.perReplica,
      nodes: r.nodes.map(o.nodeIndex),
      submitS: job.submitS,
      startS: Math.max(job.submitS, trace(r.startedAt)),
      endS: trace(r.endedAt),
    }
  })
}

async function readRecords(path: string): Promise<JobCompRecord[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return []
  }
  return parseJobComp(text, path)
}
