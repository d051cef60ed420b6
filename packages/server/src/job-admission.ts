import { ZhisuanError, type Catalog, type Cluster, type ValidationIssue } from '@zhisuan/domain'
import { workloadClasses } from '@zhisuan/perf'
import {
  canEverRun,
  clusterLimits,
  type ClusterLimits,
  type PendingReason,
  type Quota,
} from '@zhisuan/scheduler'
import type { Tenant } from '@zhisuan/store'
import { clusterFamilies, schedulerSpec, type JobBody, type StoredSpec } from './job-spec.js'

/** How an admin accepts a job that cannot run on the cluster as it is: `POST /api/v1/jobs?admit=anyway`. */
export const admitAnyway = 'anyway'

const limitsByCluster = new WeakMap<Cluster, ClusterLimits>()

/** The cluster's limits, counted once per cluster (the file does not change while serving). */
export function limitsOf(cluster: Cluster, catalog: Catalog): ClusterLimits {
  let limits = limitsByCluster.get(cluster)
  if (limits === undefined) {
    limits = clusterLimits(cluster, catalog)
    limitsByCluster.set(cluster, limits)
  }
  return limits
}

/** The field of the body a reason is about, as a JSON pointer. */
function pathOf(reason: PendingReason, body: JobBody): string {
  const amount = 'scu' in body.chip ? '/chip/scu' : '/replicas'
  switch (reason.kind) {
    case 'no-such-family':
      return 'family' in body.chip ? '/chip/family' : 'anyOf' in body.chip ? '/chip/anyOf' : '/chip'
    case 'arch-mismatch':
      return '/archs'
    case 'invalid-request':
      return '/acceleratorsPerReplica'
    case 'topology-unsatisfiable':
      return '/topology/tier'
    case 'exceeds-cluster':
    case 'exceeds-quota-ceiling':
    case 'quota-exceeded':
    case 'insufficient-capacity':
    case 'waiting-for-reservation':
    case 'waiting-for-placement':
      return amount
  }
}

/**
 * Checks that a job could ever run on the cluster and within its tenant's quota ceiling (see
 * `canEverRun`); returns what is wrong as warnings when an admin admits it anyway, else none.
 * @throws ZhisuanError `invalid-config` (422), one issue per reason with the field it is
 * about, when the job can never run and `anyway` is false.
 */
export function admitJob(
  body: JobBody,
  spec: StoredSpec,
  tenant: { readonly name: string; readonly quota: Quota | undefined },
  cluster: Cluster,
  catalog: Catalog,
  anyway: boolean,
): string[] {
  const job = schedulerSpec('(new)', tenant.name, spec, 0, clusterFamilies(cluster))
  const verdict = canEverRun(job, limitsOf(cluster, catalog), tenant.quota)
  if (verdict.ok) {
    return []
  }
  const issues: ValidationIssue[] = verdict.reasons.map((r) => ({
    path: pathOf(r, body),
    message: r.message,
  }))
  if (anyway) {
    return issues.map(
      (i) => `${i.path}: ${i.message}; admitted anyway: it waits until the cluster or quota grows`,
    )
  }
  throw new ZhisuanError(
    'invalid-config',
    `this job can never run on this cluster: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}. An admin may accept it anyway for a cluster that will grow (?admit=${admitAnyway}, zhisuan submit --admit-anyway)`,
    { issues },
  )
}

/**
 * Warnings for quotas whose guarantee is more than the whole cluster has in that class: the
 * tenant is promised what it can never get.
 */
export function quotaWarnings(
  quotas: Tenant['quotas'],
  cluster: Cluster,
  catalog: Catalog,
): string[] {
  const { scu } = limitsOf(cluster, catalog)
  const warnings: string[] = []
  for (const cls of workloadClasses) {
    const guaranteed = quotas[cls]?.guaranteed
    if (guaranteed !== undefined && guaranteed > scu[cls] + 1e-9) {
      const have = Math.round(scu[cls] * 100) / 100
      warnings.push(
        `/quotas/${cls}/guaranteed: ${guaranteed} SCU is more than the cluster has in ${cls} (${have} SCU, every node counted); the guarantee can never be met`,
      )
    }
  }
  return warnings
}
