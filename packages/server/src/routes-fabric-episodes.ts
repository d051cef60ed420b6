import { Type } from '@sinclair/typebox'
import { ZhisuanError } from '@zhisuan/domain'
import type { NetworkEpisode, NewNetworkEpisode } from '@zhisuan/store'
import type { FastifyInstance } from 'fastify'
import type { ServerContext } from './context.js'
import { portLoss } from './routes-fabric.js'
import { readErrorResponses } from './routes-shared.js'

// The network's history (issue #21): each RDMA port's runs of ill health, opened when a node's
// report shows the port degraded or failed and closed when a later report shows it healthy or
// leaves it out. A report without a `network` section (the agent did not sample its NICs) changes
// nothing. Exported by GET /api/v1/fabric/episodes for `zhisuan sim --loss-episodes-from`.

/** A port as a node report carries it (the agent's `NetPortHealth`; routes-agent.ts validates it). */
interface Port {
  readonly device: string
  readonly port: number
  readonly health: 'healthy' | 'degraded' | 'failed'
  readonly reason: string
  /** state, flap, physical, loss or congestion (the schema's choices). */
  readonly kind?: string
}
/** The part of a node report the episodes read. */
interface NodeReport {
  readonly network?: { readonly ports: readonly Port[] }
}

/** A port finding's episode kind: the agent's, else `state` for a failed port, `loss` otherwise. */
function kindOf(p: Port): string {
  return p.kind ?? (p.health === 'failed' ? 'state' : 'loss')
}

/**
 * What a report does to a node's open episodes: the ones to close (the port is healthy, absent,
 * or ill in another way) and the ones to open. Pure; `leaf` is the node's block.
 */
export function episodeChanges(
  node: string,
  leaf: number,
  ports: readonly Port[],
  open: readonly NetworkEpisode[],
  at: number,
): { close: number[]; open: NewNetworkEpisode[] } {
  const ill = new Map<string, Port>()
  for (const p of ports) {
    if (p.health !== 'healthy') {
      ill.set(`${p.device}/${p.port}`, p)
    }
  }
  const close: number[] = []
  const kept = new Set<string>()
  for (const e of open) {
    const key = `${e.device}/${e.port}`
    const p = ill.get(key)
    if (p !== undefined && !kept.has(key) && p.health === e.health && kindOf(p) === e.kind) {
      kept.add(key)
    } else {
      close.push(e.id)
    }
  }
  const opened = [...ill]
    .filter(([key]) => !kept.has(key))
    .map(([, p]) => {
      const health = p.health === 'failed' ? ('failed' as const) : ('degraded' as const)
      const kind = kindOf(p)
      return {
        node,
        leaf,
        device: p.device,
        port: p.port,
        kind,
        health,
        lossRate: kind === 'flap' ? 1 : portLoss(health, p.kind, p.reason),
        start: at,
      }
    })
  return { close, open: opened }
}

/** Opens and closes a node's episodes from its report (called as the report is recorded). */
export async function recordEpisodes(
  ctx: ServerContext,
  node: string,
  report: NodeReport,
  at: number,
): Promise<void> {
  if (report.network === undefined) {
    return
  }
  const leaf = ctx.reconciler.nodeList.find((n) => n.name === node)?.block ?? -1
  const open = await ctx.store.episodes.openOf(node)
  const changes = episodeChanges(node, leaf, report.network.ports, open, at)
  for (const id of changes.close) {
    await ctx.store.episodes.close(id, at)
  }
  for (const e of changes.open) {
    await ctx.store.episodes.open(e)
  }
}

const Episode = Type.Object({
  leaf: Type.Integer({ description: 'The node’s leaf: its block index' }),
  node: Type.String(),
  device: Type.String(),
  port: Type.Integer(),
  kind: Type.String({ description: 'state | flap | physical | loss | congestion' }),
  lossRate: Type.Number({ description: 'Packet loss rate during the episode, 0..1 (1: down)' }),
  start: Type.Number({ description: 'Unix seconds' }),
  end: Type.Union([Type.Number(), Type.Null()], { description: 'Unix seconds; null: still open' }),
  durationS: Type.Number({ description: 'Seconds, clipped to the window [from, to]' }),
})

/** The export's JSON format (`zhisuan sim --loss-episodes-from` reads it). */
export const EpisodeHistory = Type.Object({
  from: Type.Number({ description: 'Unix seconds: the window’s start' }),
  to: Type.Number({ description: 'Unix seconds: the window’s end' }),
  leaves: Type.Array(
    Type.Object({ leaf: Type.Integer(), nodes: Type.Integer({ description: 'Nodes in it' }) }),
  ),
  episodes: Type.Array(Episode),
})

export function fabricEpisodeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/fabric/episodes',
    {
      schema: {
        tags: ['cluster'],
        summary:
          'The network episodes the agents reported (per port: kind, loss rate, start, end) in a window, per leaf: the history `zhisuan sim --loss-episodes-from` replays (admin or viewer)',
        querystring: Type.Object({
          from: Type.Optional(Type.Number({ minimum: 0, description: 'Unix seconds (default 0)' })),
          to: Type.Optional(Type.Number({ minimum: 0, description: 'Unix seconds (default now)' })),
        }),
        response: { 200: EpisodeHistory, ...readErrorResponses },
      },
    },
    async (request) => {
      const caller = await ctx.auth(request)
      if (caller.role !== 'admin' && caller.role !== 'viewer') {
        throw new ZhisuanError('forbidden', 'this needs an admin or viewer token')
      }
      const q = request.query as { from?: number; to?: number }
      const from = q.from ?? 0
      const to = q.to ?? ctx.clock()
      if (to < from) {
        throw new ZhisuanError('invalid-input', `to (${to}) is before from (${from})`)
      }
      const episodes = await ctx.store.episodes.range(from, to)
      return {
        from,
        to,
        leaves: ctx.cluster.fabric.blocks.map((b) => ({ leaf: b.index, nodes: b.nodeCount })),
        episodes: episodes.map((e) => ({
          leaf: e.leaf,
          node: e.node,
          device: e.device,
          port: e.port,
          kind: e.kind,
          lossRate: e.lossRate,
          start: e.start,
          end: e.end,
          durationS: Math.max(0, Math.min(e.end ?? to, to) - Math.max(e.start, from)),
        })),
      }
    },
  )
}
