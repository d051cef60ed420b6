import { Type } from '@sinclair/typebox'
import { standardComputeUnits } from '@zhisuan/perf'
import type { ServerContext } from './context.js'
import { ErrorSchema } from './views.js'

/** The error answers a read of the whole cluster declares (cluster, topology, fabric). */
export const readErrorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema }

/** The error answers the tenant, token, node, drain, usage and audit routes declare. */
export const errorResponses = { ...readErrorResponses, 404: ErrorSchema, 409: ErrorSchema }

/** A node as the node list shows it and a drain or resume answers it. */
export const NodeView = Type.Object({
  name: Type.String(),
  family: Type.String(),
  accelerators: Type.Integer(),
  block: Type.Integer({ description: 'Leaf block (rail block) of the fabric' }),
  pod: Type.Integer({ description: 'Spine pod of the fabric' }),
  health: Type.String(),
  adminState: Type.String(),
  reason: Type.String(),
  jobs: Type.Array(Type.String()),
  scu: Type.Number({
    description:
      "llm-train standard compute units: of the devices the agent reported, else of the cluster file's pool",
  }),
  agent: Type.Object({
    state: Type.String({ description: 'none, reporting or unreachable' }),
    lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
  }),
  devices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      model: Type.String(),
      catalogId: Type.Union([Type.String(), Type.Null()]),
      driverVersion: Type.Union([Type.String(), Type.Null()]),
      health: Type.String(),
    }),
    { description: "What the node's agent last reported" },
  ),
})

const scuCache = new Map<string, number>()

/** A node's llm-train SCU: its reported devices' catalog entries, else its pool's chips. */
export function nodeScu(
  ctx: ServerContext,
  n: { family: string; accelerators: number; devices: readonly { catalogId: string | null }[] },
): number {
  const of = (id: string) => {
    let v = scuCache.get(id)
    if (v === undefined) {
      const a = ctx.catalog.accelerators.find((x) => x.id === id)
      v = a === undefined ? 0 : standardComputeUnits(ctx.catalog, a)['llm-train']
      scuCache.set(id, v)
    }
    return v
  }
  if (n.devices.length > 0) {
    return (
      Math.round(
        n.devices.reduce((s, d) => s + (d.catalogId === null ? 0 : of(d.catalogId)), 0) * 100,
      ) / 100
    )
  }
  const pool = ctx.cluster.pools.find((p) => p.accelerator.family === n.family)
  return pool === undefined ? 0 : Math.round(of(pool.accelerator.id) * n.accelerators * 100) / 100
}
