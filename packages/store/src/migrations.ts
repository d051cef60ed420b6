import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { ZhisuanError } from '@zhisuan/domain'

export type Dialect = 'sqlite' | 'postgres'

/** The schema's migrations, in order; both dialects run the same ones. */
function migrations(dialect: Dialect): Record<string, Migration> {
  // An auto-numbered key: INTEGER PRIMARY KEY in SQLite, an identity column in PostgreSQL.
  const serial = dialect === 'sqlite' ? 'integer' : 'bigserial'
  return {
    '0001-initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('tenants')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('quotas', 'text', (c) => c.notNull())
          .addColumn('created_at', 'double precision', (c) => c.notNull())
          .addColumn('updated_at', 'double precision', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('tenant', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('created_at', 'double precision', (c) => c.notNull())
          .addColumn('revoked_at', 'double precision')
          .execute()
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('queue', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull())
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('idempotency_key', 'text')
          .addColumn('created_at', 'double precision', (c) => c.notNull())
          .addColumn('updated_at', 'double precision', (c) => c.notNull())
          .addColumn('started_at', 'double precision')
          .addColumn('ended_at', 'double precision')
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('attempt_started_at', 'double precision')
          .addColumn('restarts', 'integer', (c) => c.notNull())
          .addColumn('lost_s', 'double precision', (c) => c.notNull())
          .addColumn('done_s', 'double precision', (c) => c.notNull())
          .addColumn('placement', 'text')
          .addColumn('family', 'text')
          .addColumn('reason', 'text')
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('jobs_tenant_key')
          .on('jobs')
          .columns(['tenant', 'idempotency_key'])
          .unique()
          .execute()
        await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'id']).execute()
        await db.schema.createIndex('jobs_tenant').on('jobs').columns(['tenant', 'id']).execute()
        await db.schema
          .createTable('job_events')
          .addColumn('id', serial, (c) => c.primaryKey())
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('at', 'double precision', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('job_events_job')
          .on('job_events')
          .columns(['job_id', 'id'])
          .execute()
        await db.schema
          .createTable('node_states')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('admin_state', 'text', (c) => c.notNull())
          .addColumn('health', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'double precision', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('allocations')
          .addColumn('id', serial, (c) => c.primaryKey())
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('tenant', 'text', (c) => c.notNull())
          .addColumn('family', 'text', (c) => c.notNull())
          .addColumn('workload_class', 'text', (c) => c.notNull())
          .addColumn('accelerators', 'integer', (c) => c.notNull())
          .addColumn('scu', 'double precision', (c) => c.notNull())
          .addColumn('start_at', 'double precision', (c) => c.notNull())
          .addColumn('end_at', 'double precision')
          .execute()
        await db.schema
          .createIndex('allocations_job')
          .on('allocations')
          .columns(['job_id'])
          .execute()
        await db.schema
          .createIndex('allocations_time')
          .on('allocations')
          .columns(['start_at', 'end_at'])
          .execute()
        await db.schema
          .createTable('audit_log')
          .addColumn('id', serial, (c) => c.primaryKey())
          .addColumn('at', 'double precision', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('tenant', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'double precision', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('twin_runs')
          .addColumn('job_id', 'text', (c) => c.primaryKey())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('attempt_started_at', 'double precision')
          .addColumn('nodes', 'text', (c) => c.notNull())
          .addColumn('started_at', 'double precision', (c) => c.notNull())
          .addColumn('ends_at', 'double precision', (c) => c.notNull())
          .execute()
      },
    },
    '0002-node-agents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('node_states')
          .addColumn('agent_state', 'text', (c) => c.notNull().defaultTo('none'))
          .execute()
        await db.schema
          .alterTable('node_states')
          .addColumn('last_seen_at', 'double precision')
          .execute()
        await db.schema.alterTable('node_states').addColumn('report', 'text').execute()
      },
    },
    '0003-checkpoints': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('checkpoints')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('step', 'integer', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('tag', 'text')
          .addColumn('created_at', 'double precision', (c) => c.notNull())
          .addColumn('committed_at', 'double precision')
          .addColumn('total_bytes', 'double precision', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('checkpoints_job_step')
          .on('checkpoints')
          .columns(['job_id', 'step'])
          .unique()
          .execute()
        await db.schema
          .createTable('checkpoint_shards')
          .addColumn('checkpoint_id', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('size', 'double precision', (c) => c.notNull())
          .addColumn('expected_sha256', 'text')
          .addColumn('sha256', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('location', 'text')
          .addColumn('updated_at', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint('checkpoint_shards_pk', ['checkpoint_id', 'path'])
          .execute()
      },
    },
    // the console's utilization-over-time chart: one row per sample the leader records
    '0004-cluster-samples': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('cluster_samples')
          .addColumn('at', 'double precision', (c) => c.primaryKey())
          .addColumn('total', 'integer', (c) => c.notNull())
          .addColumn('allocated', 'integer', (c) => c.notNull())
          .addColumn('healthy', 'integer', (c) => c.notNull())
          .addColumn('pending', 'integer', (c) => c.notNull())
          .addColumn('running', 'integer', (c) => c.notNull())
          .addColumn('scu_total', 'double precision', (c) => c.notNull())
          .addColumn('scu_allocated', 'double precision', (c) => c.notNull())
          .execute()
      },
    },
    '0005-services': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('services')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('tenant', 'text', (c) => c.notNull())
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('desired', 'integer', (c) => c.notNull())
          .addColumn('load_rps', 'double precision', (c) => c.notNull())
          .addColumn('low_since', 'double precision')
          .addColumn('created_at', 'double precision', (c) => c.notNull())
          .addColumn('updated_at', 'double precision', (c) => c.notNull())
          // optimistic concurrency: a counter, not a timestamp a clock may repeat
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute()
      },
    },
    '0006-service-samples': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('service_samples')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('at', 'double precision', (c) => c.notNull())
          .addColumn('desired', 'integer', (c) => c.notNull())
          .addColumn('running', 'integer', (c) => c.notNull())
          .addColumn('load_rps', 'double precision', (c) => c.notNull())
          .addColumn('slo_attainment', 'double precision')
          .addPrimaryKeyConstraint('service_samples_pk', ['name', 'at'])
          .execute()
      },
    },
    '0007-tenant-limits': {
      async up(db: Kysely<unknown>) {
        // JSON: a tenant's own limits (max pending jobs, submissions a second, burst); null for
        // the server's defaults
        await db.schema.alterTable('tenants').addColumn('limits', 'text').execute()
        // a tenant's pending jobs, counted at each submission against its cap
        await db.schema
          .createIndex('jobs_tenant_state')
          .on('jobs')
          .columns(['tenant', 'state'])
          .execute()
      },
    },
    '0008-network-episodes': {
      async up(db: Kysely<unknown>) {
        // one RDMA port's run of ill health (issue #21): opened when a report shows it degraded
        // or failed, closed (end set) when a later report shows it healthy or absent
        await db.schema
          .createTable('network_episodes')
          .addColumn('id', serial, (c) => c.primaryKey())
          .addColumn('node', 'text', (c) => c.notNull())
          .addColumn('leaf', 'integer', (c) => c.notNull())
          .addColumn('device', 'text', (c) => c.notNull())
          .addColumn('port', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('health', 'text', (c) => c.notNull())
          .addColumn('loss_rate', 'double precision', (c) => c.notNull())
          .addColumn('start_at', 'double precision', (c) => c.notNull())
          .addColumn('end_at', 'double precision')
          .execute()
        await db.schema
          .createIndex('network_episodes_node_end')
          .on('network_episodes')
          .columns(['node', 'end_at'])
          .execute()
        await db.schema
          .createIndex('network_episodes_start')
          .on('network_episodes')
          .column('start_at')
          .execute()
      },
    },
  }
}

/**
 * Brings the database to the newest schema.
 * @throws ZhisuanError `unavailable` when a migration fails (the database is left as it was).
 */
export async function migrate(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations(dialect)) }
  const migrator = new Migrator({ db, provider })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    throw new ZhisuanError(
      'unavailable',
      `database migration failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      {
        cause: error,
      },
    )
  }
}
