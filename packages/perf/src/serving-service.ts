import { ZhisuanError, type Cluster, type Pool, type ServiceSpec } from '@zhisuan/domain'
import { chipOf } from './hardware.js'
import { clusterJobNetwork } from './job-network.js'
import { modelPreset } from './model-shape.js'
import { replicaOf, type Replica } from './serving-cost.js'
import type { EngineLimits, ServingWorkload } from './serving-load.js'
import { planServing, type ServePlan } from './serving-plan.js'

/**
 * The first working pool of a cluster that a service's chip requirement accepts, matching its
 * family, catalog id or an alias (`scu`: the first pool).
 * @throws ZhisuanError `invalid-input` naming `chip` and the pools there are; `where` names the
 * cluster in the message.
 */
export function servicePool(cluster: Cluster, spec: ServiceSpec, where = cluster.name): Pool {
  const pools = cluster.pools.filter((p) => !p.spare)
  const wanted =
    'family' in spec.chip ? [spec.chip.family] : 'anyOf' in spec.chip ? spec.chip.anyOf : []
  const matches = (p: Pool, name: string) =>
    [p.accelerator.family, p.accelerator.id, ...p.accelerator.aliases].some(
      (n) => n.toLowerCase() === name.toLowerCase(),
    )
  const pool =
    wanted.length === 0
      ? pools[0]
      : wanted.map((w) => pools.find((p) => matches(p, w))).find((p) => p !== undefined)
  if (pool === undefined) {
    const families = [...new Set(pools.map((p) => p.accelerator.family))]
    throw new ZhisuanError(
      'invalid-input',
      `chip: no pool of ${where} has ${wanted.join(' or ')} (pools: ${families.join(', ')})`,
    )
  }
  return pool
}

/** A service's replicas on a cluster: their pool, the serving plan there, and one replica. */
export interface ServicePlan {
  readonly pool: Pool
  readonly plan: ServePlan
  readonly replica: Replica
}

/**
 * Sizes a service's replicas on a cluster with the serving model (`plan serve`): the chip of
 * the first pool it accepts, tensor parallel within one node, the size with the most output per
 * accelerator within its SLO for `workload`, and what one replica then carries.
 * @throws ZhisuanError `invalid-input` naming the field: `model`, `chip`, `precision`, `slo`.
 */
export function planServiceOn(
  cluster: Cluster,
  spec: ServiceSpec,
  workload: ServingWorkload,
  limits?: EngineLimits,
  where = cluster.name,
): ServicePlan {
  let shape
  try {
    shape = modelPreset(spec.model)
  } catch (error) {
    throw new ZhisuanError('invalid-input', `model: ${(error as Error).message}`)
  }
  const pool = servicePool(cluster, spec, where)
  const net = clusterJobNetwork(cluster, pool, {
    lossRate: 0,
    retransmission: 'go-back-n',
    placement: 'packed',
  })
  // a replica stays on one node, whatever the scale-up domain
  const node = { ...net, domainGpus: pool.scaleUp.acceleratorsPerNode }
  const precision = spec.precision ?? 'bf16'
  const plan = planServing({
    shape,
    accelerator: pool.accelerator,
    net: node,
    precision,
    workload,
    slo: spec.slo,
    pricePerAcceleratorHour: 1,
    ...(limits === undefined ? {} : { limits }),
  })
  return {
    pool,
    plan,
    replica: replicaOf(shape, chipOf(pool.accelerator), node, plan.tp, precision),
  }
}
