import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ZhisuanError } from '@zhisuan/domain'
import type { NodeHealthState } from '@zhisuan/store'
import { nodeTenant, requireAdmin } from './auth.js'
import type { ServerContext } from './context.js'
import { recordEpisodes } from './routes-fabric-episodes.js'
import { ErrorSchema } from './views.js'

const Status = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('failed')])
const Action = Type.Union(
  ['none', 'reset-device', 'drain-node', 'replace-device'].map((a) => Type.Literal(a)),
)
const Issue = Type.Object({
  status: Status,
  action: Action,
  reason: Type.String({ maxLength: 2000 }),
  source: Type.String({ maxLength: 200 }),
})
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(
  t: T,
) => Type.Union([t, Type.Null()])

/** The agent's normalized inventory, as `packages/agent` produces it (unknown fields kept). */
const Inventory = Type.Object({
  vendor: Type.String({ maxLength: 64 }),
  tool: Type.String({ maxLength: 64 }),
  driverVersion: Nullable(Type.String({ maxLength: 128 })),
  firmwareVersion: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
  devices: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0, maximum: 4096 }),
      model: Type.String({ maxLength: 256 }),
      catalogId: Nullable(Type.String({ maxLength: 128 })),
      memoryTotalMiB: Nullable(Type.Number({ minimum: 0 })),
      health: Type.Object({ status: Status, issues: Type.Array(Issue, { maxItems: 256 }) }),
    }),
    { maxItems: 256 },
  ),
})

const NetHealth = Type.Union([
  Type.Literal('healthy'),
  Type.Literal('degraded'),
  Type.Literal('failed'),
])

/** One RDMA port's health, as the agent's NIC tracker judged it (issue #21). */
const NetPort = Type.Object(
  {
    device: Type.String({ minLength: 1, maxLength: 128 }),
    port: Type.Integer({ minimum: 0, maximum: 1024 }),
    linkLayer: Type.Union([
      Type.Union(['IB', 'RoCE', 'iWARP', 'Ethernet'].map((l) => Type.Literal(l))),
      Type.Null(),
    ]),
    rateGbps: Nullable(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    health: NetHealth,
    reason: Type.String({ maxLength: 1024 }),
    kind: Type.Optional(
      Type.Union(['state', 'flap', 'physical', 'loss', 'congestion'].map((k) => Type.Literal(k))),
    ),
  },
  { additionalProperties: false },
)

/** The node's RDMA ports and their health. */
const Network = Type.Object(
  {
    ports: Type.Array(NetPort, { maxItems: 256 }),
    warnings: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 64 }),
  },
  { additionalProperties: false },
)

export const NodeReport = Type.Object({
  agentVersion: Type.Optional(Type.String({ maxLength: 64 })),
  inventories: Type.Array(Inventory, { maxItems: 32 }),
  /** Findings not tied to one tool's device list (kernel log Xids, missing tools). */
  issues: Type.Optional(Type.Array(Issue, { maxItems: 1024 })),
  /** The node's RDMA ports and their health, when the agent samples its NICs. */
  network: Type.Optional(Network),
})
export type NodeReport = Static<typeof NodeReport>

/**
 * A node's verdict from its report: failed when a device failed or a finding asks to drain the
 * node or replace a device; degraded (no new work until someone acts) when a device needs a
 * reset; healthy otherwise — findings that ask for nothing (a thermal slowdown, a corrected
 * error) are kept in the report and the reason, and the node stays in service.
 *
 * A NIC port counts as a finding of its own: a failed port (down, flapped, gone) fails the node
 * as a failed accelerator does, and its gangs move; a degraded one degrades it (no drain).
 */
export function nodeVerdict(report: NodeReport): { health: NodeHealthState; reason: string } {
  const ports = report.network?.ports ?? []
  const portIssue = (p: (typeof ports)[number]) => ({
    status: p.health === 'failed' ? ('failed' as const) : ('degraded' as const),
    action: 'none' as const,
    reason: `${p.device}/${p.port}: ${p.reason}`,
  })
  const failedPorts = ports.filter((p) => p.health === 'failed').map(portIssue)
  const degradedPorts = ports.filter((p) => p.health === 'degraded').map(portIssue)
  const issues = [
    ...(report.issues ?? []),
    ...report.inventories.flatMap((inv) =>
      inv.devices.flatMap((d) =>
        d.health.issues.map((i) => ({
          ...i,
          reason: `${inv.tool} device ${d.index}: ${i.reason}`,
        })),
      ),
    ),
  ]
  const failing = [
    ...issues.filter(
      (i) => i.status === 'failed' || i.action === 'drain-node' || i.action === 'replace-device',
    ),
    ...failedPorts,
  ]
  if (failing.length > 0) {
    return { health: 'failed', reason: failing.map((i) => i.reason).join('; ') }
  }
  const degraded = [...issues.filter((i) => i.action === 'reset-device'), ...degradedPorts]
  if (degraded.length > 0) {
    return { health: 'degraded', reason: degraded.map((i) => i.reason).join('; ') }
  }
  return {
    health: 'healthy',
    reason: issues
      .filter((i) => i.status !== 'ok')
      .map((i) => i.reason)
      .join('; '),
  }
}

export function agentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/nodes/:name/report',
    {
      schema: {
        tags: ['nodes'],
        summary: "A node's last agent report, whole (admin)",
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }),
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      requireAdmin(caller)
      const { name } = request.params as { name: string }
      const report = (await ctx.store.nodeReports()).get(name)
      if (report === undefined) {
        throw new ZhisuanError('not-found', `no agent has reported for ${name}`)
      }
      return { node: name, at: report.at, report: report.body }
    },
  )

  app.post(
    '/api/v1/nodes/:name/report',
    {
      schema: {
        tags: ['nodes'],
        summary:
          'An agent reports its node: inventories and health (a node token for that node, or an admin)',
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: NodeReport,
        response: {
          200: Type.Object({ node: Type.String(), health: Type.String(), reason: Type.String() }),
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      const { name } = request.params as { name: string }
      if (
        caller.role !== 'admin' &&
        !(caller.role === 'node' && caller.tenant === nodeTenant(name))
      ) {
        throw new ZhisuanError('forbidden', `this token may not report for node ${name}`)
      }
      if (!ctx.reconciler.nodeList.some((n) => n.name === name)) {
        throw new ZhisuanError('not-found', `no node ${name}`)
      }
      const report = request.body as NodeReport
      const { health, reason } = nodeVerdict(report)
      const before = (await ctx.store.nodeStates()).find((n) => n.name === name)
      const at = ctx.clock()
      await ctx.store.recordNodeReport(name, { at, health, reason, body: report })
      await recordEpisodes(ctx, name, report, at) // the network's history (issue #21)
      // a verdict that changes is news (audit, a loop pass); the same verdict again is a heartbeat
      if (before?.health !== health || before.agentState === 'unreachable') {
        ctx.wake()
      }
      if (health !== 'healthy' && before?.health !== health) {
        await ctx.audit(caller, `node.${health}`, name, { reason })
      }
      return { node: name, health, reason }
    },
  )
}
