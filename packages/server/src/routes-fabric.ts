import { Type } from '@sinclair/typebox'
import { clusterNodes, type Cluster } from '@zhisuan/domain'
import { rdmaGoodput } from '@zhisuan/perf'
import type { DegradedLeaf } from '@zhisuan/scheduler'
import { traceNetworkShare } from '@zhisuan/sim'
import type { FastifyInstance } from 'fastify'
import { sees } from './auth.js'
import type { ServerContext } from './context.js'
import { otherTenant } from './node-rows.js'
import { portsOf } from './port-reports.js'
import { readErrorResponses } from './routes-shared.js'

// The fabric's health (issue #21): per leaf (block), from the network ports the nodes' agents
// report. The rule: a leaf is degraded when any node in it reports a degraded or failed RDMA port,
// failed when every node in it reports a failed port (the leaf itself is down), healthy otherwise.

/**
 * Loss rate assumed for a port judged degraded for loss whose reason gives no percentage: an
 * ESTIMATE, 0.1% — the "0.1% packet loss can cost 50% of compute" the issue starts from, and the
 * order of loss the rate rules call degraded.
 */
export const assumedLossRate = 0.001

/**
 * Communication share of a multi-node gang's step time, assumed (the control plane has no plan of
 * the job): the twin's own default for a trace job, `traceNetworkShare` (sim, with its source).
 * A one-node gang sends nothing over the fabric.
 */
export const assumedNetworkShare = traceNetworkShare

interface PortFinding {
  readonly node: string
  readonly device: string
  readonly port: number
  readonly health: 'degraded' | 'failed'
  readonly reason: string
  readonly kind: string | undefined
  readonly lossRate: number
}

/** A leaf's health as the nodes' last reports show it. */
export interface LeafHealth {
  readonly block: number
  readonly pod: number
  readonly state: 'healthy' | 'degraded' | 'failed'
  readonly reason: string
  /** Worst packet loss rate of its ports, 0..1 (1: a port is down). */
  readonly lossRate: number
  /** Share of its reported ports that are congested, 0..1. */
  readonly congestion: number
  readonly nodes: readonly string[]
}

/**
 * A port's loss rate: 1 when failed; for a port degraded for loss (or for no kind given) the
 * percentage its reason gives, else the assumed rate; 0 for other findings (congestion, …).
 */
export function portLoss(
  health: 'degraded' | 'failed',
  kind: string | undefined,
  reason: string,
): number {
  if (health === 'failed') {
    return 1
  }
  if (kind !== undefined && kind !== 'loss') {
    return 0 // congestion, a flap or a slow link: no loss the model can price
  }
  const pct = /(\d+(?:\.\d+)?)\s*%/.exec(reason)
  if (pct?.[1] !== undefined) {
    return Math.min(0.999, Number(pct[1]) / 100)
  }
  return assumedLossRate
}

/** Every leaf's health, in block order, from the nodes' last reports. */
export function leafHealth(
  cluster: Cluster,
  reports: ReadonlyMap<string, { readonly body: unknown }>,
): LeafHealth[] {
  const fabric = cluster.fabric
  const nodes = clusterNodes(cluster)
  return fabric.blocks.map((block) => {
    const names = nodes.slice(block.firstNode, block.firstNode + block.nodeCount).map((n) => n.name)
    const findings: PortFinding[] = []
    let ports = 0
    let congested = 0
    const failedNodes = new Set<string>()
    for (const node of names) {
      for (const p of portsOf(reports.get(node)?.body)) {
        ports++
        if (p.health !== 'degraded' && p.health !== 'failed') {
          continue
        }
        if (p.kind === 'congestion') {
          congested++
        }
        if (p.health === 'failed') {
          failedNodes.add(node)
        }
        const reason = p.reason
        findings.push({
          node,
          device: p.device,
          port: p.port,
          health: p.health,
          reason,
          kind: p.kind,
          lossRate: portLoss(p.health, p.kind, reason),
        })
      }
    }
    // the first of the highest loss rates
    const worst = findings.reduce<PortFinding | undefined>(
      (w, f) => (w === undefined || f.lossRate > w.lossRate ? f : w),
      undefined,
    )
    const state =
      worst === undefined
        ? 'healthy'
        : failedNodes.size === names.length && names.length > 0
          ? 'failed'
          : 'degraded'
    const more = findings.length > 1 ? ` (+${findings.length - 1} more)` : ''
    return {
      block: block.index,
      pod: block.pod,
      state,
      reason:
        worst === undefined
          ? ''
          : `${worst.node} ${worst.device}/${worst.port} ${worst.health}: ${worst.reason}${more}`,
      lossRate: worst?.lossRate ?? 0,
      congestion: ports === 0 ? 0 : congested / ports,
      nodes: names,
    }
  })
}

/** The leaves the scheduler keeps multi-node gangs off (degraded or failed ones). */
export function degradedLeaves(
  cluster: Cluster,
  reports: ReadonlyMap<string, { readonly body: unknown }>,
): DegradedLeaf[] {
  return leafHealth(cluster, reports)
    .filter((l) => l.state !== 'healthy')
    .map((l) => ({ block: l.block, reason: l.reason, lossRate: l.lossRate }))
}

/**
 * A gang's expected step-time factor on a leaf at `lossRate` (1 = no slowdown), by the perf loss
 * model: its communication share runs at go-back-N goodput, `1 + share · (1/goodput − 1)`. Null
 * when goodput is 0 (a port down: the gang makes no progress until it moves).
 */
export function expectedSlowdown(nodes: number, lossRate: number): number | null {
  const share = nodes > 1 ? assumedNetworkShare : 0
  if (lossRate >= 1) {
    return share === 0 ? 1 : null
  }
  const goodput = rdmaGoodput(Math.max(0, lossRate), 'go-back-n')
  return goodput <= 0 ? null : 1 + share * (1 / goodput - 1)
}

const GangAffected = Type.Object({
  job: Type.String({ description: 'Job id (another tenant’s job shows as other-tenant)' }),
  nodes: Type.Integer({ description: 'Nodes the gang runs on' }),
  expectedSlowdown: Type.Union([Type.Number(), Type.Null()], {
    description:
      'Step-time factor from the go-back-N loss model at the leaf’s loss rate, assuming a 10% communication share for a multi-node gang (none for one node); null when a port is down',
  }),
})

const FabricElement = Type.Object({
  id: Type.String({ description: 'block-<index>' }),
  tier: Type.Literal('leaf'),
  pod: Type.Integer(),
  state: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('failed')]),
  reason: Type.String(),
  lossRate: Type.Number({ description: 'Worst port loss rate, 0..1' }),
  congestion: Type.Number({ description: 'Share of the leaf’s reported ports congested, 0..1' }),
  nodes: Type.Array(Type.String()),
  gangsAffected: Type.Array(GangAffected),
})

export function fabricRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/fabric',
    {
      schema: {
        tags: ['cluster'],
        summary:
          'Per leaf: network state from the nodes’ port reports, loss rate, congestion, and the running gangs on it with their expected slowdown',
        response: { 200: Type.Object({ items: Type.Array(FabricElement) }), ...readErrorResponses },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const leaves = leafHealth(ctx.cluster, await ctx.store.nodeReports())
      const running = await ctx.store.listJobs({ states: ['running'], limit: 100_000 })
      return {
        items: leaves.map((l) => {
          const here = new Set(l.nodes)
          const gangsAffected = running
            .filter((j) => (j.placement ?? []).some((n) => here.has(n)))
            .map((j) => {
              const nodes = new Set(j.placement ?? []).size
              return {
                job: sees(caller, j.tenant) ? j.id : otherTenant,
                nodes,
                expectedSlowdown: l.state === 'healthy' ? 1 : expectedSlowdown(nodes, l.lossRate),
              }
            })
          return {
            id: `block-${l.block}`,
            tier: 'leaf' as const,
            pod: l.pod,
            state: l.state,
            reason: l.reason,
            lossRate: l.lossRate,
            congestion: l.congestion,
            nodes: [...l.nodes],
            gangsAffected,
          }
        }),
      }
    },
  )
}
