import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { ZhisuanError } from '@zhisuan/domain'
import { Store } from './store.js'

/** A store for one test, and how to throw it away. */
export interface StoreFixture {
  readonly store: Store
  /** The URL the store was opened with (for a second process on the same database). */
  readonly url: string
  close(): Promise<void>
}

/** A dialect the store suites run on. */
export interface TestDialect {
  readonly name: 'sqlite' | 'postgres'
  open(): Promise<StoreFixture>
}

/**
 * The PostgreSQL server the integration suites use: `ZHISUAN_TEST_POSTGRES_URL` (a role that
 * may create databases). Undefined when the suite is not switched on.
 */
export function postgresUrl(): string | undefined {
  const url = process.env['ZHISUAN_TEST_POSTGRES_URL']
  return url === undefined || url === '' ? undefined : url
}

/** A fresh PostgreSQL database on the test server, dropped on close. */
export async function freshPostgres(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `zhisuan_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 })
  try {
    await admin.connect()
    await admin.query(`create database ${name}`)
  } catch (cause) {
    await admin.end().catch(() => undefined)
    // switched on but unreachable: fail, never skip
    throw new ZhisuanError(
      'unavailable',
      `ZHISUAN_TEST_POSTGRES_URL is set but PostgreSQL cannot be used: ${String(cause)}`,
      { cause },
    )
  }
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl })
      await c.connect()
      // A closed pool's sockets may still be closing: `with (force)` would terminate them, and
      // a client that hears "terminating connection" after its pool let go of it throws an
      // unhandled error into whatever test runs next. Wait (≤ 5 s) for them to go first.
      for (let waited = 0; waited < 5000; waited += 50) {
        const open = await c.query<{ n: string }>(
          'select count(*) as n from pg_stat_activity where datname = $1',
          [name],
        )
        if (Number(open.rows[0]?.n ?? 0) === 0) {
          break
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

/** SQLite always; PostgreSQL too when `ZHISUAN_TEST_POSTGRES_URL` is set. */
export function testDialects(): TestDialect[] {
  const dialects: TestDialect[] = [
    {
      name: 'sqlite',
      async open() {
        const store = await Store.open(':memory:')
        return { store, url: ':memory:', close: () => store.close() }
      },
    },
  ]
  const server = postgresUrl()
  if (server !== undefined) {
    dialects.push({
      name: 'postgres',
      async open() {
        const db = await freshPostgres(server)
        const store = await Store.open(db.url)
        return {
          store,
          url: db.url,
          async close() {
            await store.close()
            await db.drop()
          },
        }
      },
    })
  }
  return dialects
}
