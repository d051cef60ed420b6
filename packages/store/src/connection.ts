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
export async function connect(url: string): Promise<Connection> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const db = new Kysely<Database>({ dialect: postgresDialect(url) })
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
  return { db: new Kysely<Database>({ dialect: sqliteDialect(url) }), dialect: 'sqlite' }
}

function postgresDialect(url: string): KyselyDialect {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 })
  return new PostgresDialect({ pool })
}

function sqliteDialect(url: string): KyselyDialect {
  const path = url.replace(/^sqlite:/, '')
  let database: SqliteDatabase.Database
  try {
    database = new SqliteDatabase(path)
  } catch (cause) {
    throw new ZhisuanError('unavailable', `cannot open SQLite file ${path}: ${String(cause)}`, {
      cause,
    })
  }
  reusePreparedStatements(database)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('busy_timeout = 5000')
  return new SqliteDialect({ database })
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
