import type { Kysely, Selectable } from 'kysely'
import type { Database, NetworkEpisodeTable } from './schema.js'

/** A port's episode as it opens: what the report that opened it said. */
export interface NewNetworkEpisode {
  readonly node: string
  /** The node's leaf (its block index). */
  readonly leaf: number
  readonly device: string
  readonly port: number
  /** state | flap | physical | loss | congestion. */
  readonly kind: string
  /** degraded | failed. */
  readonly health: string
  /** Packet loss rate during the episode, 0..1 (1: the port was down). */
  readonly lossRate: number
  /** Unix seconds. */
  readonly start: number
}

/** One RDMA port's run of ill health; `end` is null while it is still open. */
export interface NetworkEpisode extends NewNetworkEpisode {
  readonly id: number
  readonly end: number | null
}

/** The network episodes the server records from the agents' port reports (issue #21). */
export class NetworkEpisodes {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens an episode; returns its id. */
  async open(e: NewNetworkEpisode): Promise<number> {
    const row = await this.db
      .insertInto('network_episodes')
      .values({
        node: e.node,
        leaf: e.leaf,
        device: e.device,
        port: e.port,
        kind: e.kind,
        health: e.health,
        loss_rate: e.lossRate,
        start_at: e.start,
        end_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  /** Closes an open episode at `end` (a closed one stays as it was). */
  async close(id: number, end: number): Promise<void> {
    await this.db
      .updateTable('network_episodes')
      .set({ end_at: end })
      .where('id', '=', id)
      .where('end_at', 'is', null)
      .execute()
  }

  /** A node's open episodes, oldest first. */
  async openOf(node: string): Promise<NetworkEpisode[]> {
    const rows = await this.db
      .selectFrom('network_episodes')
      .selectAll()
      .where('node', '=', node)
      .where('end_at', 'is', null)
      .orderBy('id')
      .execute()
    return rows.map(episodeOf)
  }

  /** Episodes that overlap `[from, to]` (open ones included), by start then id. */
  async range(from: number, to: number): Promise<NetworkEpisode[]> {
    const rows = await this.db
      .selectFrom('network_episodes')
      .selectAll()
      .where('start_at', '<=', to)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>=', from)]))
      .orderBy('start_at')
      .orderBy('id')
      .execute()
    return rows.map(episodeOf)
  }

  /** Deletes closed episodes that ended before `before`; returns how many. */
  async prune(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('network_episodes')
      .where('end_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function episodeOf(r: Selectable<NetworkEpisodeTable>): NetworkEpisode {
  return {
    id: Number(r.id),
    node: r.node,
    leaf: r.leaf,
    device: r.device,
    port: r.port,
    kind: r.kind,
    health: r.health,
    lossRate: r.loss_rate,
    start: r.start_at,
    end: r.end_at,
  }
}
