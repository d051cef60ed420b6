// The store suites' set-up, shared: a `.case.ts` (as the domain's shared suites), so it is kept
// out of dist by this package's tsconfig, since it imports vitest.
import { afterAll, beforeAll, describe } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { testDialects, type StoreFixture } from './testing.js'

/**
 * Runs `suite` once per test dialect (SQLite always, PostgreSQL when
 * `ZHISUAN_TEST_POSTGRES_URL` is set) as `<title> on <dialect>`, against a store opened before
 * its tests and closed after them. `fx` stands for that store from the first test on.
 */
export function describeOnEachDialect(title: string, suite: (fx: StoreFixture) => void): void {
  describe.each(testDialects().map((d) => [d.name, d] as const))(
    `${title} on %s`,
    (_name, dialect) => {
      let opened: StoreFixture | undefined
      beforeAll(async () => {
        opened = await dialect.open()
      })
      afterAll(async () => {
        await opened?.close()
      })
      const current = (): StoreFixture => {
        if (opened === undefined) {
          throw new ZhisuanError('internal', `${title}: the store is opened before the tests`)
        }
        return opened
      }
      suite({
        get store() {
          return current().store
        },
        get url() {
          return current().url
        },
        close: () => current().close(),
      })
    },
  )
}
