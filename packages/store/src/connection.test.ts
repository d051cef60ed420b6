// The SQLite store's files are its owner's only (issue #19), whatever the directory or umask.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Store } from './store.js'

const dir = mkdtempSync(join(tmpdir(), 'zhisuan-mode-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const mode = (path: string) => statSync(path).mode & 0o777

describe('the SQLite files', () => {
  it('are 0600 in a world-writable directory under a lax umask, -wal and -shm too', async () => {
    chmodSync(dir, 0o777)
    const umask = process.umask(0o000)
    try {
      const file = join(dir, 'new.db')
      const store = await Store.open(file)
      await store.createTenant({ name: 'x', quotas: {} }, 1)
      for (const suffix of ['', '-wal', '-shm']) {
        expect(mode(`${file}${suffix}`), suffix).toBe(0o600)
      }
      await store.close()
    } finally {
      process.umask(umask)
    }
  })

  it('narrows the files of an older store to 0600', async () => {
    const file = join(dir, 'old.db')
    const first = await Store.open(file)
    await first.close()
    chmodSync(file, 0o644)
    writeFileSync(`${file}-wal`, '')
    chmodSync(`${file}-wal`, 0o666)
    const store = await Store.open(file)
    expect(mode(file)).toBe(0o600)
    expect(mode(`${file}-wal`)).toBe(0o600)
    await store.close()
  })
})
