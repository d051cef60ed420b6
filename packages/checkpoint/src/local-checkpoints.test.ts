import { mkdtempSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseManifest, scanCheckpoints } from './local-checkpoints.js'

const scratch = mkdtempSync(join(tmpdir(), 'zhisuan-local-'))
afterAll(() => rm(scratch, { recursive: true, force: true }))

const sha = 'ab'.repeat(32)

describe('reading a manifest', () => {
  it('reads step, shards with optional checksums, and a tag', () => {
    expect(
      parseManifest(
        JSON.stringify({
          step: 1200,
          tag: 'epoch-3',
          shards: [
            { path: 'model/rank-0.pt', size: 10 },
            { path: 'optim.pt', size: 0, sha256: sha.toUpperCase() },
          ],
        }),
      ),
    ).toEqual({
      step: 1200,
      tag: 'epoch-3',
      shards: [
        { path: 'model/rank-0.pt', size: 10 },
        { path: 'optim.pt', size: 0, sha256: sha },
      ],
    })
  })

  it.each([
    ['{', /not JSON/],
    ['{"shards": []}', /whole-number step/],
    ['{"step": 1.5, "shards": []}', /whole-number step/],
    ['{"step": 1, "shards": [{"path": "a"}]}', /shards\[0\]: needs a path and a whole-number size/],
    ['{"step": 1, "shards": [{"path": "../a", "size": 1}]}', /shards\[0\]\.path: "..\/a"/],
    ['{"step": 1, "shards": [{"path": "/a", "size": 1}]}', /not a plain path/],
    ['{"step": 1, "shards": [{"path": "manifest.json", "size": 1}]}', /not a plain path/],
    ['{"step": 1, "shards": [{"path": "a", "size": 1, "sha256": "xyz"}]}', /sha256: not a hex/],
    ['{"step": 1, "shards": [{"path": "a", "size": 1}, {"path": "a", "size": 2}]}', /twice/],
    ['{"step": 1, "shards": [], "tag": 3}', /tag: not a string/],
  ])('refuses %s', (text, error) => {
    expect(() => parseManifest(text)).toThrow(error)
  })
})

describe('scanning the checkpoint directory', () => {
  it('finds finished checkpoints oldest first, skips unfinished ones, names broken ones', async () => {
    const root = join(scratch, 'root')
    const write = async (dir: string, manifest?: string): Promise<void> => {
      await mkdir(join(root, dir), { recursive: true })
      if (manifest !== undefined) {
        await writeFile(join(root, dir, 'manifest.json'), manifest)
      }
    }
    await write('ckpt-b', '{"step": 300, "shards": []}')
    await write('ckpt-a', '{"step": 200, "shards": []}')
    await write('ckpt-c')
    await write('ckpt-d', '{"step": ')
    await writeFile(join(root, 'stray-file'), '')
    const found = await scanCheckpoints(root)
    expect(found.map((c) => [c.kind, c.dir])).toEqual([
      ['invalid', 'ckpt-d'],
      ['finished', 'ckpt-a'],
      ['finished', 'ckpt-b'],
    ])
  })

  it('finds nothing in a directory that does not exist yet', async () => {
    expect(await scanCheckpoints(join(scratch, 'nope'))).toEqual([])
  })
})
