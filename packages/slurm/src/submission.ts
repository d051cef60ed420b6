import { ZhisuanError, type PlacedJob } from '@zhisuan/domain'
import type { SlurmJobSubmission } from './api.js'
import { compressHostlist } from './hostlist.js'
import { jobComment } from './slurm-jobs.js'

/** Quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** Where a job is submitted and what it is given (also part of `SlurmBackendOptions`). */
export interface SubmissionOptions {
  /** The partition Zhisuan's jobs go to; its nodes are the backend's nodes. */
  readonly partition: string
  /**
   * Directory for job output (`<name>-<slurm id>.out`), also the jobs' working directory. It
   * must exist on the compute nodes (on the dev cluster they are this host); the backend
   * creates it.
   */
  readonly workDir: string
  /**
   * The rendezvous address given to jobs (`MASTER_ADDR`); default the first node's name. The
   * dev cluster's nodes are all this host, so it needs `127.0.0.1`.
   */
  readonly masterAddress?: string
  /** Rendezvous port (`MASTER_PORT`); default 29500. */
  readonly masterPort?: number
  /** Extra environment for every job (PATH defaults to `/usr/local/bin:/usr/bin:/bin`). */
  readonly environment?: Readonly<Record<string, string>>
  /** Slurm time limit of an attempt, minutes; default `ceil(2 × remaining s / 60) + 10`. */
  readonly timeLimitMinutes?: (job: PlacedJob) => number
}

/** The Slurm job name of an attempt. */
export function jobName(jobId: string, attempt: number): string {
  return `zhisuan-${jobId}-${attempt}`
}

/**
 * The `POST /job/submit` body for a placed gang: one Slurm job on exactly the placement's
 * nodes (`nodelist`, `nodes` = their count), `gres=gpu:<accelerators per node>`, one task per
 * replica, no requeue by Slurm (Zhisuan restarts failed gangs itself, from a checkpoint).
 *
 * The script runs the job's `command` with `srun`, one task per replica, each with `RANK`,
 * `LOCAL_RANK`, `NODE_RANK`, `WORLD_SIZE`, `MASTER_ADDR`/`MASTER_PORT` and the `ZHISUAN_*`
 * variables (job id, attempt, checkpoint to resume from). A job without a command runs
 * `sleep <durationS - doneS>` on every node instead: the twin's notion of a job that takes a
 * known time, so the same jobs work on the dev cluster's fake nodes.
 */
export function buildSubmission(job: PlacedJob, options: SubmissionOptions): SlurmJobSubmission {
  if (!Number.isInteger(job.attempt) || job.attempt < 1) {
    throw new ZhisuanError(
      'invalid-input',
      `attempt must be a positive integer, got ${job.attempt}`,
    )
  }
  if (job.jobId === '' || /[\s\0]/.test(job.jobId)) {
    throw new ZhisuanError('invalid-input', `job id ${JSON.stringify(job.jobId)} has white space`)
  }
  if (job.nodes.length === 0) {
    throw new ZhisuanError('invalid-input', `job ${job.jobId} has no nodes`)
  }
  const perNode = new Map<string, number>()
  for (const n of job.nodes) {
    perNode.set(n, (perNode.get(n) ?? 0) + 1)
  }
  const counts = new Set(perNode.values())
  const replicasPerNode = job.nodes.length / perNode.size
  if (counts.size !== 1 || !Number.isInteger(replicasPerNode)) {
    throw new ZhisuanError(
      'invalid-input',
      `job ${job.jobId}: Slurm gives every node of a job the same GRES, so each node must ` +
        `hold the same number of replicas (got ${[...perNode].map(([n, c]) => `${n}×${c}`).join(', ')})`,
    )
  }
  const accelerators = job.acceleratorsPerReplica * replicasPerNode
  if (!Number.isInteger(accelerators) || accelerators < 0) {
    throw new ZhisuanError(
      'invalid-input',
      `job ${job.jobId}: accelerators per replica must be a whole number ≥ 0`,
    )
  }
  const nodes = [...perNode.keys()]
  const remaining = Math.max(0, job.durationS - job.doneS)
  const minutes = options.timeLimitMinutes?.(job) ?? Math.ceil((2 * remaining) / 60) + 10
  const name = jobName(job.jobId, job.attempt)
  const environment: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...options.environment,
    ZHISUAN_JOB_ID: job.jobId,
    ZHISUAN_ATTEMPT: String(job.attempt),
    ZHISUAN_TENANT: job.tenant,
    ZHISUAN_NODES: nodes.join(','),
    ZHISUAN_ACCELERATORS_PER_REPLICA: String(job.acceleratorsPerReplica),
    ZHISUAN_DONE_S: String(job.doneS),
    WORLD_SIZE: String(job.nodes.length),
    MASTER_ADDR: options.masterAddress ?? nodes[0] ?? '127.0.0.1',
    MASTER_PORT: String(options.masterPort ?? 29500),
  }
  if (job.image !== undefined) {
    environment['ZHISUAN_IMAGE'] = job.image
  }
  if (job.resumeFrom !== undefined) {
    environment['ZHISUAN_CHECKPOINT_ID'] = job.resumeFrom.checkpointId
    environment['ZHISUAN_CHECKPOINT_STEP'] = String(job.resumeFrom.step)
    environment['ZHISUAN_CHECKPOINT_LOCATIONS'] = job.resumeFrom.locations.join(',')
  }
  // The token authenticates Zhisuan to slurmrestd; in a job it would also break every srun
  // (slurmd: "authentication plugin auth/jwt not found").
  delete environment['SLURM_JWT']

  // No command: sleep for the remaining duration, the twin's model of a job, so that the same
  // placed jobs (durationS, doneS) run for the expected time on the dev cluster's fake nodes.
  const command =
    job.command !== undefined && job.command.length > 0
      ? job.command
      : ['sleep', String(Math.ceil(remaining))]
  const task =
    'export RANK=$SLURM_PROCID LOCAL_RANK=$SLURM_LOCALID NODE_RANK=$SLURM_NODEID ' +
    'ZHISUAN_RANK=$SLURM_PROCID; exec "$@"'
  const script = [
    '#!/bin/bash',
    `# Zhisuan job ${job.jobId}, attempt ${job.attempt} (tenant ${job.tenant}): ` +
      `${job.nodes.length} replica(s) on ${compressHostlist(nodes)}`,
    `exec srun --kill-on-bad-exit=1 --ntasks=${job.nodes.length} ` +
      `--ntasks-per-node=${replicasPerNode} bash -c ${shellQuote(task)} zhisuan-task ` +
      command.map(shellQuote).join(' '),
    '',
  ].join('\n')

  return {
    script,
    job: {
      name,
      comment: jobComment(job.jobId, job.attempt),
      partition: options.partition,
      nodes: nodes.length,
      nodelist: compressHostlist(nodes),
      tasks: job.nodes.length,
      tasks_per_node: replicasPerNode,
      ...(accelerators > 0 ? { gres: `gpu:${accelerators}` } : {}),
      time_limit: Math.max(1, Math.ceil(minutes)),
      no_requeue: true,
      current_working_directory: options.workDir,
      standard_output: `${options.workDir.replace(/\/+$/, '')}/%x-%j.out`,
      environment,
    },
  }
}
