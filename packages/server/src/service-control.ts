import {
  ZhisuanError,
  defaultServicePriority,
  replicaBoundsProblem,
  type Cluster,
  type ServiceSpec,
} from '@zhisuan/domain'
import { nextReplicas, wantedReplicas } from '@zhisuan/engine'
import { azureConversationWorkload, planServiceOn } from '@zhisuan/perf'
import type { ServiceRecord } from '@zhisuan/store'
import type { Caller } from './auth.js'
import type { ServerContext } from './context.js'
import { admitJob } from './job-admission.js'
import { resolveJob, type JobBody } from './job-spec.js'
import { newJobId } from './routes-jobs.js'

/** A service's body and what creation resolved for it. */
export interface StoredService {
  readonly body: ServiceSpec
  /** The chip family its replicas run on, their size and their capacity within the SLO. */
  readonly family: string
  readonly tp: number
  readonly capacityRps: number
}

/** A replica runs until it is stopped: the twin runs it for the longest a job may run. */
const replicaDurationS = 366 * 86_400

/**
 * Sizes a service's replicas with the serving model (`plan serve`): the chip of the first pool
 * it accepts, the tensor-parallel size within a node that gives the most output per
 * accelerator within its SLO, for the lengths of Azure's conversation service (it is told nothing
 * about its own traffic), and what one replica then carries.
 * @throws ZhisuanError `invalid-input` naming the field: an unknown model, a chip the cluster
 * lacks, a precision the chip lacks, an SLO no replica meets, replicas out of order.
 */
export function planService(body: ServiceSpec, cluster: Cluster): StoredService {
  const bounds = replicaBoundsProblem(body)
  if (bounds !== undefined) {
    throw new ZhisuanError('invalid-input', bounds)
  }
  const { pool, plan } = planServiceOn(
    cluster,
    body,
    azureConversationWorkload,
    undefined,
    'this cluster',
  )
  return {
    body,
    family: pool.accelerator.family,
    tp: plan.tp,
    capacityRps: plan.maxRatePerReplica,
  }
}

/** The job body of one replica: a gang of TP accelerators on one node, in `llm-decode`. */
function replicaBody(service: StoredService, index: number): JobBody {
  return {
    name: `${service.body.name}.r${index}`,
    acceleratorsPerReplica: service.tp,
    chip: { family: service.family },
    workload: 'llm-decode',
    priority: Math.min(1000, service.body.priority ?? defaultServicePriority),
    topology: { mode: 'required', tier: 'node' },
    twin: { durationS: replicaDurationS },
  }
}

/**
 * Brings a service's replica jobs to its desired count: submits the missing ones (quota and
 * feasibility checked as any job's; the first refused stops it, and says why), cancels the extra
 * ones — pending first, then the newest. The replicas are the tenant's live jobs named
 * `NAME.rK`, found in the jobs table, so a replica made by a request that then lost a race is
 * still counted (and cancelled if it is one too many), never orphaned.
 */
export async function reconcileService(
  ctx: ServerContext,
  caller: Caller,
  record: ServiceRecord,
  now: number,
): Promise<{ record: ServiceRecord; refused: string[] }> {
  const service = record.spec as StoredService
  const found = await ctx.store.services.liveReplicas(record.tenant, record.name)
  let alive = found.map((j) => j.id)
  const state = new Map(found.map((j) => [j.id, j.state]))
  const tenant = await ctx.store.getTenant(record.tenant)
  let made = found.reduce((m, j) => Math.max(m, Number(/\.r(\d+)$/.exec(j.name)?.[1] ?? 0)), 0)
  const refused: string[] = []
  while (alive.length < record.desired && refused.length === 0) {
    made += 1
    const body = replicaBody(service, made)
    const spec = resolveJob(body, ctx.cluster, ctx.catalog)
    try {
      admitJob(
        body,
        spec,
        { name: record.tenant, quota: tenant?.quotas[spec.workloadClass] },
        ctx.cluster,
        ctx.catalog,
        false,
      )
    } catch (error) {
      // the replicas made so far stay; the answer says why no more were
      refused.push((error as Error).message)
      break
    }
    const id = newJobId(now)
    await ctx.store.insertJob(
      {
        id,
        tenant: record.tenant,
        name: body.name,
        queue: 'default',
        priority: body.priority ?? 0,
        spec,
        createdAt: now,
      },
      {
        at: now,
        actor: caller.tokenId,
        tenant: record.tenant,
        action: 'service.replica.submit',
        target: id,
        detail: { service: record.name },
      },
    )
    alive = [...alive, id]
    state.set(id, 'pending')
  }
  if (alive.length > record.desired) {
    const byAge = [...alive].reverse()
    const order = [
      ...byAge.filter((id) => state.get(id) !== 'running'),
      ...byAge.filter((id) => state.get(id) === 'running'),
    ]
    for (const id of order.slice(0, alive.length - record.desired)) {
      await ctx.store.transition(id, {
        from: ['pending', 'running'],
        patch: {
          state: 'cancelled',
          ended_at: now,
          updated_at: now,
          message: 'service scaled down',
        },
        events: [
          { at: now, kind: 'cancelled', detail: { by: caller.tokenId, service: record.name } },
        ],
        closeAllocationAt: now,
      })
      alive = alive.filter((x) => x !== id)
    }
  }
  ctx.wake()
  return { record: { ...record, updatedAt: now }, refused }
}

/**
 * Checks that one replica of a service could ever run for its tenant (cluster and quota
 * ceiling), as a job submission is checked.
 * @throws ZhisuanError as `admitJob` does (422, each reason naming its field).
 */
export async function admitReplica(
  ctx: ServerContext,
  service: StoredService,
  tenant: string,
): Promise<void> {
  const body = replicaBody(service, 1)
  const spec = resolveJob(body, ctx.cluster, ctx.catalog)
  const record = await ctx.store.getTenant(tenant)
  admitJob(
    body,
    spec,
    { name: tenant, quota: record?.quotas[spec.workloadClass] },
    ctx.cluster,
    ctx.catalog,
    false,
  )
}

/**
 * The autoscaler on a reported load: the replicas it wants from the serving model's capacity
 * (80% of it), added at once, removed one at a time after 5 minutes of lower load.
 */
export function autoscale(record: ServiceRecord, loadRps: number, now: number): ServiceRecord {
  const service = record.spec as StoredService
  const wanted = wantedReplicas(loadRps, service.capacityRps, {
    min: service.body.minReplicas,
    max: service.body.maxReplicas,
  })
  const next = nextReplicas(record.desired, wanted, record.lowSince, now)
  return { ...record, desired: next.replicas, lowSince: next.lowSince, loadRps }
}
