// An uploader killed mid-PutObject leaves, in s3rver, the bytes that had arrived as an object;
// S3 would keep nothing. These tests build that leftover on purpose and show that nothing
// takes an object's existence (or its size) for a shard being durable: only the registry says
// what is, and it hears of a shard only after the tier read it back whole.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import type { RegistryClient } from './registry-client.js'
import type { S3Tier } from './s3-tier.js'
import {
  leaveKilledPut,
  patterned,
  s3rverForTests,
  sha256Hex,
  tierOn,
} from './s3rver.test-support.js'
import { MemoryRegistry } from './testing.js'
import { Uploader } from './uploader.js'
import type { UploaderEvent } from './uploader-types.js'

const mib = 1024 * 1024
const { scratch, directory, s3 } = s3rverForTests('zhisuan-s3-killed-')

const prefix = 'ckpt/'
const s3Tier = (): S3Tier => tierOn(s3, prefix, 5 * mib)

/** Where the uploader puts a shard: `<job>/step-<step>/<path>`, under the tier's prefix. */
const keyOf = (step: number, path: string): string => `job-1/step-${step}/${path}`

/** Shard files, then the manifest with their sizes and SHA-256s, as a training job writes them. */
async function writeCheckpoint(root: string, step: number, shards: Record<string, Buffer>) {
  const dir = join(root, `ckpt-${step}`)
  await mkdir(dir, { recursive: true })
  for (const [path, bytes] of Object.entries(shards)) {
    await writeFile(join(dir, path), bytes)
  }
  const declared = Object.entries(shards).map(([path, bytes]) => ({
    path,
    size: bytes.length,
    sha256: sha256Hex(bytes),
  }))
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ step, shards: declared }))
  return declared
}

/**
 * What a restarted job would resume from: the registry's newest committed checkpoint, each
 * shard fetched from the location the registry holds and hashed. `intact` says whether every
 * shard holds what the registry recorded.
 */
async function restore(registry: RegistryClient, tier: S3Tier) {
  const latest = await registry.latest('job-1')
  if (latest === undefined) {
    return undefined
  }
  const shards = await Promise.all(
    latest.shards.map(async (shard) => {
      const location = /^s3:\/\/[^/]+\/(.+)$/.exec(shard.location ?? '')?.[1] ?? ''
      const got = await tier.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: location }))
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? [])
      return { path: shard.path, intact: sha256Hex(bytes) === shard.sha256 }
    }),
  )
  return { step: latest.step, intact: shards.every((s) => s.intact), shards }
}

const uploader = (root: string, registry: RegistryClient, events: UploaderEvent[] = []) =>
  new Uploader({
    jobId: 'job-1',
    root,
    registry,
    tier: s3Tier(),
    backoff: { baseMs: 5, maxMs: 40 },
    onEvent: (e) => events.push(e),
  })

describe('a partial object a killed uploader left in the bucket', () => {
  it('is never registered nor restored from: the next uploader sends the shard again', async () => {
    const root = join(scratch, 'local')
    const registry = new MemoryRegistry()
    await writeCheckpoint(root, 100, { 'rank-0.pt': patterned(4096, 1) })
    await uploader(root, registry).pass()
    expect((await restore(registry, s3Tier()))?.step).toBe(100)

    // Step 200, as the killed uploader left it: registered, its small shard reported durable,
    // and of the two big ones only what s3rver had taken when the process died.
    const big = patterned(7 * mib + 11, 2)
    const optim = patterned(3 * mib, 3)
    const shards = { 'rank-0.pt': patterned(4096, 4), 'big.pt': big, 'optim.pt': optim }
    const declared = await writeCheckpoint(root, 200, shards)
    const record = await registry.register('job-1', { step: 200, shards: declared })
    const small = shards['rank-0.pt']
    const { location } = await s3Tier().put(keyOf(200, 'rank-0.pt'), Readable.from([small]), 4096)
    await registry.reportShard('job-1', record.id, {
      path: 'rank-0.pt',
      size: small.length,
      sha256: sha256Hex(small),
      tier: 'durable',
      location,
    })
    // A body cut off mid-way, as s3rver keeps it …
    await leaveKilledPut(
      directory,
      s3.bucket,
      prefix + keyOf(200, 'big.pt'),
      big.subarray(0, 2 * mib),
    )
    // … and one of the full size whose last mebibyte never came (a server that allocates the
    // object first would leave that): neither existence nor size may pass for durable.
    const torn = Buffer.concat([optim.subarray(0, 2 * mib), Buffer.alloc(mib)])
    await leaveKilledPut(directory, s3.bucket, prefix + keyOf(200, 'optim.pt'), torn)
    expect(await s3Tier().exists(keyOf(200, 'big.pt'))).toEqual({ size: 2 * mib })
    expect(await s3Tier().exists(keyOf(200, 'optim.pt'))).toEqual({ size: optim.length })

    // Nothing resumes from them: step 100 stays the newest committed checkpoint.
    const pending = (await registry.list('job-1')).find((c) => c.step === 200)
    expect(pending?.state).toBe('pending')
    expect(pending?.shards.filter((s) => s.state === 'durable').map((s) => s.path)).toEqual([
      'rank-0.pt',
    ])
    expect(await restore(registry, s3Tier())).toMatchObject({ step: 100, intact: true })

    // The restarted uploader sends both again, whole, and only then is step 200 committed.
    const events: UploaderEvent[] = []
    const restarted = uploader(root, registry, events)
    await restarted.pass()
    expect(restarted.stats()).toMatchObject({ shardsSkipped: 2, shardsDurable: 2, committed: 1 })
    const durable = events.filter((e) => e.kind === 'shard-durable').map((e) => e.path)
    expect(durable.sort()).toEqual(['big.pt', 'optim.pt'])
    const reported = registry.reports.filter((r) => r.checkpointId === record.id)
    expect(reported.map((r) => [r.body.path, r.body.sha256])).toEqual(
      expect.arrayContaining([
        ['big.pt', sha256Hex(big)],
        ['optim.pt', sha256Hex(optim)],
      ]),
    )
    expect(await restore(registry, s3Tier())).toEqual({
      step: 200,
      intact: true,
      shards: expect.arrayContaining([
        { path: 'big.pt', intact: true },
        { path: 'optim.pt', intact: true },
      ]) as unknown,
    })
  })
})
