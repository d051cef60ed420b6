import { ZhisuanError } from '@zhisuan/domain'
import type { JobSpec } from './types.js'

const fail = (job: JobSpec, field: string, why: string): never => {
  throw new ZhisuanError('invalid-input', `job ${job.id || '(no id)'}: ${field} ${why}`)
}

const positiveInteger = (x: number) => Number.isInteger(x) && x >= 1

/**
 * Checks a job spec's fields.
 * @throws ZhisuanError `invalid-input` naming the field and the reason.
 */
export function checkJobSpec(job: JobSpec): void {
  if (typeof job.id !== 'string' || job.id.length === 0 || job.id.length > 200) {
    fail(job, 'id', 'must be a non-empty string of at most 200 characters')
  }
  if (job.tenant.length === 0 || job.queue.length === 0) {
    fail(job, 'tenant/queue', 'must not be empty')
  }
  if (!Number.isFinite(job.priority)) {
    fail(job, 'priority', `must be a finite number, got ${job.priority}`)
  }
  if (!positiveInteger(job.replicas)) {
    fail(job, 'replicas', `must be a positive integer, got ${job.replicas}`)
  }
  if (!positiveInteger(job.acceleratorsPerReplica)) {
    fail(
      job,
      'acceleratorsPerReplica',
      `must be a positive integer, got ${job.acceleratorsPerReplica}`,
    )
  }
  // Specs arrive from JSON: check the values, not only the types.
  const archs: readonly string[] = job.archs
  if (archs.length === 0 || archs.some((a) => a !== 'x86_64' && a !== 'aarch64')) {
    fail(job, 'archs', `must list x86_64 and/or aarch64, got ${JSON.stringify(job.archs)}`)
  }
  const chips = job.chips
  if (chips.kind === 'family' && chips.family.length === 0) {
    fail(job, 'chips.family', 'must not be empty')
  }
  if (chips.kind === 'families' && chips.families.length === 0) {
    fail(job, 'chips.families', 'must list at least one family')
  }
  if (chips.kind === 'scu' && !(chips.units > 0 && Number.isFinite(chips.units))) {
    fail(job, 'chips.units', `must be a positive number of SCU, got ${chips.units}`)
  }
  if (job.runtimeLimitS !== undefined && !(job.runtimeLimitS > 0)) {
    fail(job, 'runtimeLimitS', `must be positive, got ${job.runtimeLimitS}`)
  }
  if (job.minRuntimeS !== undefined && !(job.minRuntimeS >= 0)) {
    fail(job, 'minRuntimeS', `must be ≥ 0, got ${job.minRuntimeS}`)
  }
  const maxWait = job.topology?.maxWaitS
  if (maxWait !== undefined) {
    if (job.topology?.mode !== 'preferred') {
      fail(
        job,
        'topology.maxWaitS',
        'applies to a preferred topology only (required never starts above its tier)',
      )
    }
    if (!(maxWait >= 0 && Number.isFinite(maxWait))) {
      fail(job, 'topology.maxWaitS', `must be a number of seconds ≥ 0, got ${maxWait}`)
    }
  }
  if (!Number.isFinite(job.submittedAt)) {
    fail(job, 'submittedAt', 'must be a finite time')
  }
}
