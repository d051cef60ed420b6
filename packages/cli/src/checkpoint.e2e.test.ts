import { execFile, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, callApi, killed, until, up } from './e2e.test-support.js'

const run = promisify(execFile)
const s3ServerMain = fileURLToPath(
  new URL('../../checkpoint/dist/s3-server-main.js', import.meta.url),
)
const helperDir = fileURLToPath(new URL('../../../examples/checkpoint', import.meta.url))

const cleanup: (() => void)[] = []
afterAll(() => {
  for (const c of cleanup) {
    c()
  }
})

/** s3rver in a process of its own; resolves with its endpoint. */
async function s3Server(directory: string, bucket: string): Promise<string> {
  const child = spawn(process.execPath, [s3ServerMain, directory, bucket])
  cleanup.push(() => {
    child.kill('SIGKILL')
  })
  for await (const line of createInterface({ input: child.stdout })) {
    return (JSON.parse(line) as { endpoint: string }).endpoint
  }
  throw new Error('s3rver did not start')
}

interface Checkpoint {
  readonly step: number
  readonly state: string
  readonly shards: readonly {
    path: string
    state: string
    sha256: string | null
    location: string | null
  }[]
}

/** `zhisuan up` with a tenant, a member token and one running job; the job's environment. */
async function jobOnServer() {
  const work = mkdtempSync(join(tmpdir(), 'zhisuan-ckpt-e2e-'))
  cleanup.push(() => {
    rmSync(work, { recursive: true, force: true })
  })
  const server = await up(['--data-dir', join(work, 'data')], 20_000)
  const admin = readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim()
  await callApi(server.url, admin, 'POST', '/api/v1/tenants', { name: 'red' })
  const token = (
    await callApi(server.url, admin, 'POST', '/api/v1/tokens', { tenant: 'red', role: 'member' })
  ).body['token'] as string
  const job = await callApi(server.url, token, 'POST', '/api/v1/jobs', {
    name: 'ckpt-e2e',
    replicas: 1,
    acceleratorsPerReplica: 8,
    chip: { family: 'any' },
    twin: { durationS: 3600 },
  })
  expect(job.status).toBe(201)
  const jobId = job.body['id'] as string
  const local = join(work, 'local')
  const api = async (path: string) =>
    (await callApi(server.url, token, 'GET', `/api/v1/jobs/${jobId}${path}`)).body
  return {
    work,
    jobId,
    local,
    api,
    list: async () => (await api('/checkpoints'))['items'] as Checkpoint[],
    upload: ['checkpoint', 'upload', '--job', jobId, '--dir', local],
    // what the job's launch carries (see examples/checkpoint/zhisuan_checkpoint.py)
    env: {
      ...process.env,
      ZHISUAN_SERVER: server.url,
      ZHISUAN_TOKEN: token,
      ZHISUAN_JOB_ID: jobId,
      ZHISUAN_CHECKPOINT_DIR: local,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  }
}

/** Shard files of `MiB` mebibytes each, then `manifest.json` last, as a training job writes them. */
function writeCheckpoint(local: string, step: number, shards: Record<string, number>): string {
  const dir = join(local, `step-${String(step).padStart(12, '0')}`)
  mkdirSync(dir, { recursive: true })
  const block = Buffer.alloc(1024 * 1024)
  for (const [name, mib] of Object.entries(shards)) {
    const chunks: Buffer[] = []
    for (let i = 0; i < mib; i++) {
      block.fill(name.length + step)
      block.writeUInt32LE(i, 0)
      chunks.push(Buffer.from(block))
    }
    writeFileSync(join(dir, name), Buffer.concat(chunks))
  }
  const manifest = {
    step,
    shards: Object.entries(shards).map(([path, mib]) => ({ path, size: mib * 1024 * 1024 })),
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
  return dir
}

const durable = (c: Checkpoint | undefined) =>
  c?.shards.filter((s) => s.state === 'durable').map((s) => s.path) ?? []

describe('zhisuan checkpoint upload against zhisuan up and an S3 server', () => {
  it('killed mid-shard: the checkpoint stays uncommitted, the previous one stays latest, and a restarted uploader finishes it', async () => {
    const fx = await jobOnServer()
    const endpoint = await s3Server(join(fx.work, 's3'), 'ckpt')
    const tier = ['--tier', 's3://ckpt/prod', '--s3-endpoint', endpoint, '--s3-region', 'us-east-1']
    const latestStep = async () => (await fx.api('/checkpoints/latest'))['step']

    expect(await latestStep()).toBeUndefined()
    writeCheckpoint(fx.local, 100, { 'rank0.pt': 1, 'rank1.pt': 1 })
    const once = await run(process.execPath, [bin, ...fx.upload, ...tier, '--once'], {
      env: fx.env,
    })
    expect(once.stderr).toContain('step 100: committed')
    expect(await latestStep()).toBe(100)

    // Step 200: two small shards and one of 384 MiB, which takes seconds to reach s3rver.
    const dir = writeCheckpoint(fx.local, 200, { 'rank0.pt': 1, 'rank1.pt': 1, 'optim.pt': 384 })
    const uploader = spawn(process.execPath, [bin, ...fx.upload, ...tier], { env: fx.env })
    let said = ''
    uploader.stderr.on('data', (d: Buffer) => (said += d.toString()))
    // The small shards are durable while the big one is still in flight: kill -9 then.
    const inFlight = await until(
      'the small shards of step 200 to be durable',
      async () => {
        const c = (await fx.list()).find((x) => x.step === 200)
        return durable(c).length === 2 ? c : undefined
      },
      30_000,
    )
    await killed(uploader, 'SIGKILL')
    expect(durable(inFlight).sort()).toEqual(['rank0.pt', 'rank1.pt'])
    const afterKill = (await fx.list()).find((x) => x.step === 200)
    expect(afterKill?.state).toBe('pending')
    expect(durable(afterKill)).not.toContain('optim.pt')
    // Whatever the killed uploader left in the bucket (s3rver keeps the bytes of a cut-off
    // PutObject as an object; S3 keeps nothing) is on record nowhere.
    expect(afterKill?.shards.find((s) => s.path === 'optim.pt')).toMatchObject({
      sha256: null,
      location: null,
    })
    expect(await latestStep()).toBe(100)
    expect(said).not.toContain('step 200: committed')

    // A restarted uploader skips what is durable and finishes the rest.
    const again = await run(process.execPath, [bin, ...fx.upload, ...tier, '--once'], {
      env: fx.env,
    })
    expect(again.stderr).toContain('rank0.pt already durable, skipped')
    expect(again.stderr).toMatch(/step 200: optim\.pt durable, 384\.0 MiB/)
    expect(again.stderr).toContain('step 200: committed')
    // skipped: step 100's two shards (committed) and step 200's two small ones
    expect(JSON.parse(again.stdout)).toMatchObject({
      shardsSkipped: 4,
      shardsDurable: 1,
      committed: 1,
    })
    expect(await latestStep()).toBe(200)
    const optim = (await fx.list())
      .find((x) => x.step === 200)
      ?.shards.find((s) => s.path === 'optim.pt')
    const bytes = readFileSync(join(dir, 'optim.pt'))
    expect(optim?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    // A restore reads, from the location on record, the bytes on record: the torn object was
    // sent again whole and read back before it was reported.
    const stored = await fetch(`${endpoint}/${(optim?.location ?? '').replace(/^s3:\/\//, '')}`)
    expect(stored.status).toBe(200)
    const restored = createHash('sha256').update(Buffer.from(await stored.arrayBuffer()))
    expect(restored.digest('hex')).toBe(optim?.sha256)
  }, 90_000)
})

// The Python helper a training job uses, run by a real Python: switched on by
// ZHISUAN_TEST_PYTHON (the interpreter; .ci/run sets it), so that `npm test` needs only Node.
const python = process.env['ZHISUAN_TEST_PYTHON']

describe.runIf(python !== undefined)('examples/checkpoint/zhisuan_checkpoint.py', () => {
  it('writes shards and the manifest a job finishes with, and reads latest and the plan', async () => {
    const interpreter = python ?? 'python3'
    const probe = spawnSync(interpreter, ['--version'])
    if (probe.status !== 0) {
      throw new Error(`ZHISUAN_TEST_PYTHON=${interpreter} is set but cannot be run`)
    }
    const fx = await jobOnServer()
    const py = async (code: string): Promise<string> =>
      (
        await run(
          interpreter,
          [
            '-c',
            `import json, sys; sys.path.insert(0, ${JSON.stringify(helperDir)})
from zhisuan_checkpoint import Checkpoints
c = Checkpoints()
${code}`,
          ],
          { env: fx.env },
        )
      ).stdout.trim()
    expect(await py('print(c.latest())')).toBe('None')
    await py(`for rank in range(2):
    with open(c.shard_path(300, f"rank{rank}.pt"), "wb") as out:
        out.write(bytes([rank]) * 4096)
c.finish(300, tag="epoch-1")`)
    const durableDir = join(fx.work, 'durable')
    const once = await run(process.execPath, [bin, ...fx.upload, '--tier', durableDir, '--once'], {
      env: fx.env,
    })
    expect(once.stderr).toContain('step 300: committed')
    const latest = JSON.parse(await py('print(json.dumps(c.latest()))')) as {
      step: number
      tag: string | null
      shards: { path: string; size: number }[]
    }
    expect(latest).toMatchObject({ step: 300, tag: 'epoch-1' })
    expect(latest.shards.map((s) => [s.path, s.size])).toEqual([
      ['rank0.pt', 4096],
      ['rank1.pt', 4096],
    ])
    // the local copy while the node has it, else the durable location
    const local = await py('print(c.local_or_durable(c.latest(), "rank1.pt"))')
    expect(local).toBe(join(fx.local, 'step-000000000300', 'rank1.pt'))
    rmSync(join(fx.local, 'step-000000000300'), { recursive: true })
    expect(await py('print(c.local_or_durable(c.latest(), "rank1.pt"))')).toMatch(
      /^file:\/\/.*\/rank1\.pt$/,
    )
    expect(Number(await py('print(c.plan()["recommendedIntervalS"])'))).toBeGreaterThan(0)
  }, 60_000)
})
