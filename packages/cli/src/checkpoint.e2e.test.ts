import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, callApi, killed, until, up } from './e2e.test-support.js'

const run = promisify(execFile)
const s3ServerMain = fileURLToPath(
  new URL('../../agent/dist/checkpoint/s3-server-main.js', import.meta.url),
)
const helperDir = fileURLToPath(new URL('../../../examples/checkpoint', import.meta.url))

const servers: ChildProcessWithoutNullStreams[] = []
afterAll(() => {
  for (const s of servers) {
    s.kill('SIGKILL')
  }
})

/** s3rver in a process of its own; resolves with its endpoint. */
async function s3Server(directory: string, bucket: string): Promise<string> {
  const child = spawn(process.execPath, [s3ServerMain, directory, bucket])
  servers.push(child)
  for await (const line of createInterface({ input: child.stdout })) {
    return (JSON.parse(line) as { endpoint: string }).endpoint
  }
  throw new Error('s3rver did not start')
}

interface Checkpoint {
  readonly step: number
  readonly state: string
  readonly shards: readonly { path: string; state: string; sha256: string | null }[]
}

describe('zhisuan checkpoint upload against zhisuan up and an S3 server', () => {
  it('killed mid-shard: the checkpoint stays uncommitted, the previous one stays latest, and a restarted uploader finishes it', async () => {
    const work = mkdtempSync(join(tmpdir(), 'zhisuan-ckpt-e2e-'))
    try {
      const endpoint = await s3Server(join(work, 's3'), 'ckpt')
      const server = await up(['--data-dir', join(work, 'data')], 20_000)
      const admin = readFileSync(join(work, 'data', 'admin-token'), 'utf8').trim()
      await callApi(server.url, admin, 'POST', '/api/v1/tenants', { name: 'red' })
      const token = (
        await callApi(server.url, admin, 'POST', '/api/v1/tokens', {
          tenant: 'red',
          role: 'member',
        })
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
      const env = {
        ...process.env,
        ZHISUAN_SERVER: server.url,
        ZHISUAN_TOKEN: token,
        ZHISUAN_JOB_ID: jobId,
        ZHISUAN_CHECKPOINT_DIR: local,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      }
      // The training side: examples/checkpoint/zhisuan_checkpoint.py, as a job would use it.
      const python = async (code: string): Promise<string> =>
        (
          await run(
            'python3',
            [
              '-c',
              `import sys; sys.path.insert(0, ${JSON.stringify(helperDir)})
from zhisuan_checkpoint import Checkpoints
c = Checkpoints()
${code}`,
            ],
            { env },
          )
        ).stdout.trim()
      const writeShards = (step: number, shards: Record<string, number>): Promise<string> =>
        python(`for name, mib in ${JSON.stringify(Object.entries(shards))}:
    with open(c.shard_path(${step}, name), "wb") as out:
        block = bytes([len(name) % 251]) * (1 << 20)
        for i in range(mib):
            out.write(block[:-4] + i.to_bytes(4, "little"))
c.finish(${step})`)
      const upload = ['checkpoint', 'upload', '--job', jobId, '--dir', local]
      const tier = [
        '--tier',
        's3://ckpt/prod',
        '--s3-endpoint',
        endpoint,
        '--s3-region',
        'us-east-1',
      ]
      const list = async (): Promise<Checkpoint[]> =>
        (await callApi(server.url, token, 'GET', `/api/v1/jobs/${jobId}/checkpoints`)).body[
          'items'
        ] as Checkpoint[]
      const latestStep = (): Promise<string> =>
        python('latest = c.latest()\nprint("none" if latest is None else latest["step"])')

      expect(await latestStep()).toBe('none')
      await writeShards(100, { 'rank0.pt': 1, 'rank1.pt': 1 })
      const once = await run(process.execPath, [bin, ...upload, ...tier, '--once'], { env })
      expect(once.stderr).toContain('step 100: committed')
      expect(await latestStep()).toBe('100')

      // Step 200: two small shards and one of 384 MiB, which takes seconds to reach s3rver.
      await writeShards(200, { 'rank0.pt': 1, 'rank1.pt': 1, 'optim.pt': 384 })
      const uploader = spawn(process.execPath, [bin, ...upload, ...tier], { env })
      let said = ''
      uploader.stderr.on('data', (d: Buffer) => (said += d.toString()))
      const durable = (c: Checkpoint | undefined) =>
        c?.shards.filter((s) => s.state === 'durable').map((s) => s.path) ?? []
      // The small shards are durable while the big one is still in flight: kill -9 then.
      const inFlight = await until(
        'the small shards of step 200 to be durable',
        async () => {
          const c = (await list()).find((x) => x.step === 200)
          return durable(c).length === 2 ? c : undefined
        },
        30_000,
      )
      await killed(uploader, 'SIGKILL')
      expect(durable(inFlight).sort()).toEqual(['rank0.pt', 'rank1.pt'])
      const afterKill = (await list()).find((x) => x.step === 200)
      expect(afterKill?.state).toBe('pending')
      expect(durable(afterKill)).not.toContain('optim.pt')
      expect(await latestStep()).toBe('100')
      expect(said).not.toContain('step 200: committed')

      // A restarted uploader skips what is durable and finishes the rest.
      const again = await run(process.execPath, [bin, ...upload, ...tier, '--once'], { env })
      expect(again.stderr).toContain('rank0.pt already durable, skipped')
      expect(again.stderr).toMatch(/step 200: optim\.pt durable, 384\.0 MiB/)
      expect(again.stderr).toContain('step 200: committed')
      // skipped: step 100's two shards (committed) and step 200's two small ones
      expect(JSON.parse(again.stdout)).toMatchObject({
        shardsSkipped: 4,
        shardsDurable: 1,
        committed: 1,
      })
      expect(await latestStep()).toBe('200')
      const committed = (await list()).find((x) => x.step === 200)
      const optim = committed?.shards.find((s) => s.path === 'optim.pt')
      const bytes = readFileSync(join(local, `step-${'200'.padStart(12, '0')}`, 'optim.pt'))
      expect(optim?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
      // The job's helper also reads the interval advice.
      expect(Number(await python('print(c.plan()["recommendedIntervalS"])'))).toBeGreaterThan(0)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }, 90_000)
})
