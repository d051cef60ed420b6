import { chmodSync, closeSync, existsSync, openSync } from 'node:fs'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, sql, type Dialect as KyselyDialect } from 'kysely'
import pg from 'pg'
import { ZhisuanError } from '@zhisuan/domain'
import type { Dialect } from './migrations.js'
import type { Database } from './schema.js'

/** An open database: the Kysely instance and the SQL dialect it speaks. */
export interface Connection {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
}

/**
 * Connects to `postgres://…` (or `postgresql://…`) for PostgreSQL, else to a SQLite file path
 * (`sqlite:` prefix optional; `:memory:` for a throwaway one). The only place that chooses a
 * dialect: everything after it speaks Kysely.
 * @throws ZhisuanError `unavailable` when the SQLite file cannot be opened or PostgreSQL
 * cannot be reached.
 */
export async function connect(url: string, durability: Durability = 'full'): Promise<Connection> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const db = new Kysely<Database>({ dialect: postgresDialect(url, durability) })
    try {
      await sql`select 1`.execute(db)
    } catch (cause) {
      await db.destroy()
      throw new ZhisuanError(
        'unavailable',
        `cannot reach PostgreSQL at ${redact(url)}: ${String(cause)}`,
        {
          cause,
        },
      )
    }
    return { db, dialect: 'postgres' }
  }
  return {
    db: new Kysely<Database>({ dialect: sqliteDialect(url, durability) }),
    dialect: 'sqlite',
  }
}

/**
 * What an acknowledged write survives.
 * - `full` (the default): a crash of the process, the kernel or the power. Each commit waits
 *   for the disk: SQLite `synchronous=FULL` (in WAL mode, the log is synced at every commit),
 *   PostgreSQL `synchronous_commit=on`. Submissions arriving together share one commit (the
 *   group commit in `job-submissions.ts`), so the wait is paid per batch, not per job.
 * - `normal`: a crash of the process (kill -9) loses nothing, but a kernel or power failure may
 *   lose the last commits acknowledged: SQLite `synchronous=NORMAL` (the log synced at
 *   checkpoints only), PostgreSQL `synchronous_commit=off` (the WAL flushed within
 *   3 × `wal_writer_delay`, 600 ms by default). Neither corrupts the database.
 */
export type Durability = 'full' | 'normal'

/** Milliseconds the server may run one statement; a client waits a little longer for its answer. */
const statementTimeoutMs = 30_000

function postgresDialect(url: string, durability: Durability): KyselyDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    // A server that stops answering (a cut network) must not hold a request or the loop for
    // ever: the server ends a long statement, and the client gives up on a silent one.
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 5000,
    idle_in_transaction_session_timeout: 2 * statementTimeoutMs,
    keepAlive: true,
    // with `full`, a 2xx means committed and flushed: say so whatever the server's default
    options: `-c synchronous_commit=${durability === 'full' ? 'on' : 'off'}`,
  })
  // A connection the server drops (a restart, a failover) is an 'error' on the pool when idle,
  // on its client when in use; with no listener either would end the process. The query in
  // flight fails with it (the API answers 503), and the pool opens another connection next time.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => {
    client.on('error', () => undefined)
    endOnQueryTimeout(client)
  })
  return new PostgresDialect({ pool })
}

/**
 * A query that timed out may still be running, or its answer may never come: the connection is
 * ended (pg then destroys its socket) so that the pool drops it instead of handing the next
 * caller a connection stuck behind it, or inside the timed-out query's transaction.
 */
function endOnQueryTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  Object.assign(client, {
    query: (...args: unknown[]) => {
      const result = query(...args)
      if (!(result instanceof Promise)) {
        return result
      }
      return result.catch((error: unknown) => {
        if (error instanceof Error && error.message === 'Query read timeout') {
          client.end().catch(() => undefined)
        }
        throw error
      })
    },
  })
}

function sqliteDialect(url: string, durability: Durability): KyselyDialect {
  const path = url.replace(/^sqlite:/, '')
  let database: SqliteDatabase.Database
  try {
    ownerOnly(path)
    database = new SqliteDatabase(path)
  } catch (cause) {
    throw new ZhisuanError('unavailable', `cannot open SQLite file ${path}: ${String(cause)}`, {
      cause,
    })
  }
  reusePreparedStatements(database)
  database.pragma('journal_mode = WAL')
  database.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
  database.pragma('busy_timeout = 5000')
  return new SqliteDialect({ database })
}

/**
 * Makes the database file readable by its owner only (0600), whatever the directory's mode or
 * the umask, before SQLite opens it: SQLite creates the `-wal` and `-shm` files with the mode of
 * the database file, so they follow. Files already there (an older store) are narrowed too.
 */
function ownerOnly(path: string): void {
  if (path === ':memory:' || path === '') {
    return
  }
  closeSync(openSync(path, 'a', 0o600))
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    if (existsSync(`${path}${suffix}`)) {
      chmodSync(`${path}${suffix}`, 0o600)
    }
  }
}

/**
 * Kysely prepares every statement anew; better-sqlite3's statements can be reused, and
 * preparing was a tenth of a request's time: keep the recent ones.
 */
function reusePreparedStatements(database: SqliteDatabase.Database): void {
  const prepare = database.prepare.bind(database)
  const statements = new Map<string, ReturnType<typeof prepare>>()
  database.prepare = ((source: string) => {
    let statement = statements.get(source)
    if (statement === undefined) {
      statement = prepare(source)
      if (statements.size >= 512) {
        statements.clear()
      }
      statements.set(source, statement)
    }
    return statement
  }) as typeof database.prepare
}

/** A connection string without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@')
}
