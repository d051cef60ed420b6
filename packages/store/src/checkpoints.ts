import { ZhisuanError } from '@zhisuan/domain'
import type { Kysely } from 'kysely'
import type { CheckpointShardTable, CheckpointTable, Database } from './schema.js'

export type CheckpointState = 'pending' | 'committed' | 'failed' | 'deleted'
export type ShardState = 'expected' | 'local' | 'durable' | 'corrupt'

export interface ShardRecord {
  readonly path: string
  readonly size: number
  readonly expectedSha256: string | null
  readonly sha256: string | null
  readonly state: ShardState
  readonly location: string | null
}

/** A checkpoint of a job: its shards, and whether it counts (committed). */
export interface CheckpointRecord {
  readonly id: string
  readonly jobId: string
  readonly step: number
  readonly state: CheckpointState
  readonly tag: string | null
  readonly createdAt: number
  readonly committedAt: number | null
  readonly totalBytes: number
  readonly shards: readonly ShardRecord[]
}

/** What a job keeps: the last N committed, every K-th step, tagged ones; never the newest. */
export interface RetentionPolicy {
  readonly keepLast: number
  readonly keepEvery?: number
  readonly keepTagged: boolean
}

const shardOf = (r: CheckpointShardTable): ShardRecord => ({
  path: r.path,
  size: r.size,
  expectedSha256: r.expected_sha256,
  sha256: r.sha256,
  state: (['expected', 'local', 'durable', 'corrupt'].includes(r.state)
    ? r.state
    : 'expected') as ShardState,
  location: r.location,
})

const checkpointOf = (
  r: CheckpointTable,
  shards: readonly CheckpointShardTable[],
): CheckpointRecord => ({
  id: r.id,
  jobId: r.job_id,
  step: r.step,
  state: (['pending', 'committed', 'failed', 'deleted'].includes(r.state)
    ? r.state
    : 'failed') as CheckpointState,
  tag: r.tag,
  createdAt: r.created_at,
  committedAt: r.committed_at,
  totalBytes: r.total_bytes,
  shards: shards
    .filter((s) => s.checkpoint_id === r.id)
    .map(shardOf)
    .sort((a, b) => (a.path < b.path ? -1 : 1)),
})

/**
 * The checkpoint registry's tables. A checkpoint commits only when every shard it declared is
 * on the durable tier with a checksum that matches what the job declared (when it declared one);
 * the commit is one transaction with the shard report that completed it.
 */
export class CheckpointRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Registers a checkpoint and its expected shards; registering the same step again returns the
   * existing one (a retried call), unless its shard list differs.
   * @throws ZhisuanError `conflict` for the same step with other shards.
   */
  async register(input: {
    readonly id: string
    readonly jobId: string
    readonly step: number
    readonly tag?: string
    readonly shards: readonly {
      readonly path: string
      readonly size: number
      readonly sha256?: string
    }[]
    readonly at: number
  }): Promise<{ checkpoint: CheckpointRecord; created: boolean }> {
    const existing = await this.byStep(input.jobId, input.step)
    if (existing !== undefined) {
      const same =
        existing.shards.length === input.shards.length &&
        input.shards.every((s) =>
          existing.shards.some((e) => e.path === s.path && e.size === s.size),
        )
      if (!same) {
        throw new ZhisuanError(
          'conflict',
          `job ${input.jobId} already has a checkpoint at step ${input.step} with other shards`,
        )
      }
      return { checkpoint: existing, created: false }
    }
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('checkpoints')
        .values({
          id: input.id,
          job_id: input.jobId,
          step: input.step,
          state: 'pending',
          tag: input.tag ?? null,
          created_at: input.at,
          committed_at: null,
          total_bytes: input.shards.reduce((s, x) => s + x.size, 0),
        })
        .execute()
      if (input.shards.length > 0) {
        await tx
          .insertInto('checkpoint_shards')
          .values(
            input.shards.map((s) => ({
              checkpoint_id: input.id,
              path: s.path,
              size: s.size,
              expected_sha256: s.sha256 ?? null,
              sha256: null,
              state: 'expected',
              location: null,
              updated_at: input.at,
            })),
          )
          .execute()
      }
    })
    const created = await this.get(input.id)
    if (created === undefined) {
      throw new ZhisuanError('internal', `checkpoint ${input.id} vanished after its insert`)
    }
    return { checkpoint: created, created: true }
  }

  async get(id: string): Promise<CheckpointRecord | undefined> {
    const row = await this.db
      .selectFrom('checkpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined) {
      return undefined
    }
    const shards = await this.db
      .selectFrom('checkpoint_shards')
      .selectAll()
      .where('checkpoint_id', '=', id)
      .execute()
    return checkpointOf(row, shards)
  }

  async byStep(jobId: string, step: number): Promise<CheckpointRecord | undefined> {
    const row = await this.db
      .selectFrom('checkpoints')
      .select('id')
      .where('job_id', '=', jobId)
      .where('step', '=', step)
      .executeTakeFirst()
    return row === undefined ? undefined : this.get(row.id)
  }

  /** A job's checkpoints, newest step first (deleted ones left out). */
  async list(jobId: string): Promise<CheckpointRecord[]> {
    const rows = await this.db
      .selectFrom('checkpoints')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('state', '!=', 'deleted')
      .orderBy('step', 'desc')
      .execute()
    if (rows.length === 0) {
      return []
    }
    const shards = await this.db
      .selectFrom('checkpoint_shards')
      .selectAll()
      .where(
        'checkpoint_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute()
    return rows.map((r) => checkpointOf(r, shards))
  }

  /** The newest committed checkpoint: what a restart resumes from. */
  async latestCommitted(jobId: string): Promise<CheckpointRecord | undefined> {
    const row = await this.db
      .selectFrom('checkpoints')
      .select('id')
      .where('job_id', '=', jobId)
      .where('state', '=', 'committed')
      .orderBy('step', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row === undefined ? undefined : this.get(row.id)
  }

  /**
   * Records a shard's arrival on a tier. On the durable tier its checksum is checked against the
   * declared one (a mismatch marks it and its checkpoint corrupt/failed); the last verified shard
   * commits the checkpoint, in the same transaction.
   * @throws ZhisuanError `not-found` for an unknown checkpoint or shard, `conflict` for a
   * checkpoint that is deleted.
   */
  async reportShard(input: {
    readonly checkpointId: string
    readonly path: string
    readonly size: number
    readonly sha256: string
    readonly tier: 'local' | 'durable'
    readonly location?: string
    readonly at: number
  }): Promise<{ checkpoint: CheckpointRecord; shard: ShardRecord }> {
    await this.db.transaction().execute(async (tx) => {
      const cp = await tx
        .selectFrom('checkpoints')
        .selectAll()
        .where('id', '=', input.checkpointId)
        .executeTakeFirst()
      if (cp === undefined) {
        throw new ZhisuanError('not-found', `no checkpoint ${input.checkpointId}`)
      }
      if (cp.state === 'deleted') {
        throw new ZhisuanError('conflict', `checkpoint ${input.checkpointId} was deleted`)
      }
      const shard = await tx
        .selectFrom('checkpoint_shards')
        .selectAll()
        .where('checkpoint_id', '=', input.checkpointId)
        .where('path', '=', input.path)
        .executeTakeFirst()
      if (shard === undefined) {
        throw new ZhisuanError(
          'not-found',
          `checkpoint ${input.checkpointId} declared no shard ${input.path}`,
        )
      }
      const corrupt =
        input.size !== shard.size ||
        (shard.expected_sha256 !== null && shard.expected_sha256 !== input.sha256)
      const state: ShardState = corrupt ? 'corrupt' : input.tier === 'durable' ? 'durable' : 'local'
      // a durable, verified shard does not go back to local
      if (shard.state === 'durable' && state === 'local') {
        return
      }
      await tx
        .updateTable('checkpoint_shards')
        .set({
          sha256: input.sha256,
          state,
          location: input.location ?? shard.location,
          updated_at: input.at,
        })
        .where('checkpoint_id', '=', input.checkpointId)
        .where('path', '=', input.path)
        .execute()
      if (corrupt && cp.state === 'pending') {
        await tx
          .updateTable('checkpoints')
          .set({ state: 'failed' })
          .where('id', '=', cp.id)
          .execute()
        return
      }
      const open = await tx
        .selectFrom('checkpoint_shards')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('checkpoint_id', '=', cp.id)
        .where('state', '!=', 'durable')
        .executeTakeFirst()
      if (cp.state === 'pending' && Number(open?.n ?? 0) === 0) {
        await tx
          .updateTable('checkpoints')
          .set({ state: 'committed', committed_at: input.at })
          .where('id', '=', cp.id)
          .where('state', '=', 'pending')
          .execute()
      }
    })
    const checkpoint = await this.get(input.checkpointId)
    const shard = checkpoint?.shards.find((s) => s.path === input.path)
    if (checkpoint === undefined || shard === undefined) {
      throw new ZhisuanError('not-found', `no checkpoint ${input.checkpointId}`)
    }
    return { checkpoint, shard }
  }

  /**
   * Deletes (marks deleted) a checkpoint, unless it is the newest committed one of its job:
   * the one a restart needs.
   * @throws ZhisuanError `conflict` for that one, `not-found` for an unknown id.
   */
  async remove(id: string): Promise<CheckpointRecord> {
    const cp = await this.get(id)
    if (cp === undefined || cp.state === 'deleted') {
      throw new ZhisuanError('not-found', `no checkpoint ${id}`)
    }
    const latest = await this.latestCommitted(cp.jobId)
    if (latest?.id === id) {
      throw new ZhisuanError(
        'conflict',
        `checkpoint ${id} is the newest committed one of ${cp.jobId}: a restart needs it`,
      )
    }
    await this.db
      .updateTable('checkpoints')
      .set({ state: 'deleted' })
      .where('id', '=', id)
      .execute()
    return { ...cp, state: 'deleted' }
  }

  /**
   * Applies a retention policy: deletes committed checkpoints beyond the last `keepLast`, except
   * every `keepEvery`-th step, tagged ones when kept, and always the newest committed. Returns
   * what it deleted (their shards' locations are for the tier to free).
   */
  async collect(jobId: string, policy: RetentionPolicy): Promise<CheckpointRecord[]> {
    const committed = (await this.list(jobId)).filter((c) => c.state === 'committed')
    const doomed = committed.filter(
      (c, i) =>
        i >= Math.max(1, policy.keepLast) &&
        !(
          policy.keepEvery !== undefined &&
          policy.keepEvery > 0 &&
          c.step % policy.keepEvery === 0
        ) &&
        !(policy.keepTagged && c.tag !== null),
    )
    for (const c of doomed) {
      await this.db
        .updateTable('checkpoints')
        .set({ state: 'deleted' })
        .where('id', '=', c.id)
        .execute()
    }
    return doomed.map((c) => ({ ...c, state: 'deleted' as const }))
  }
}
