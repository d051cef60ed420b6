/**
 * The Slurm backend against the real dev cluster (scripts/slurm/install.sh + up.sh).
 *
 * Switched on by ZHISUAN_TEST_SLURM_ENV, the path of the env file up.sh writes
 * (/var/lib/zhisuan-slurm/env). Switched on, a missing or unreachable cluster FAILS the suite;
 * switched off, the suite shows as skipped. Runs as root on the cluster's host (it kills and
 * restarts the cluster's own slurmd and slurmrestd by their pid files, through up.sh).
 *
 *   ZHISUAN_TEST_SLURM_ENV=/var/lib/zhisuan-slurm/env npx vitest run packages/slurm
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { BackendEvent, PlacedJob } from '@zhisuan/domain'
import { runBackendConformance } from '@zhisuan/domain/testing'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { SlurmBackend, type SlurmBackendOptions } from './backend.js'
import { readEnvFile, slurmBackendOptionsFromEnv } from './env.js'
import { expandHostlist } from './hostlist.js'
import type { SlurmJob } from './api.js'

const envPath = process.env['ZHISUAN_TEST_SLURM_ENV'] ?? ''
const enabled = envPath !== ''
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

if (enabled) {
  // real time: a failed node takes 25–40 s to be declared down
  vi.setConfig({ testTimeout: 150_000, hookTimeout: 120_000 })
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const run = `it${Date.now().toString(36)}`

describe.skipIf(!enabled)('the Slurm backend on the dev cluster', () => {
  let env: Readonly<Record<string, string>> = {}
  let loaded: Promise<void> | undefined
  let up = false
  /**
   * Loads the env file and checks that slurmrestd answers, once; every test awaits it, so a
   * missing or unreachable cluster fails each test with the same message (never a skip).
   */
  const ready = (): Promise<void> =>
    (loaded ??= (async () => {
      try {
        env = await readEnvFile(envPath)
        const probe = await SlurmBackend.open(options())
        await probe.close()
        up = true
      } catch (error) {
        throw new Error(
          `ZHISUAN_TEST_SLURM_ENV=${envPath} is set, but the Slurm dev cluster is not usable ` +
            `(start it: bash scripts/slurm/install.sh && bash scripts/slurm/up.sh): ` +
            String(error),
          { cause: error },
        )
      }
    })())
  const opened: SlurmBackend[] = []

  const options = (over: Partial<SlurmBackendOptions> = {}): SlurmBackendOptions =>
    slurmBackendOptionsFromEnv(env, {
      masterAddress: '127.0.0.1', // every fake node is this host
      workDir: `${env['ZHISUAN_SLURM_DIR'] ?? '/tmp'}/jobs`,
      ...over,
    })
  const open = async (over: Partial<SlurmBackendOptions> = {}): Promise<SlurmBackend> => {
    await ready()
    const backend = await SlurmBackend.open(options(over))
    opened.push(backend)
    return backend
  }

  /** Runs a command with the cluster's SLURM_CONF; its stdout. */
  const sh = (file: string, args: readonly string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        file,
        [...args],
        { cwd: repoRoot, env: { ...process.env, SLURM_CONF: env['SLURM_CONF'] ?? '' } },
        (error, stdout, stderr) => {
          if (error !== null) {
            reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`))
            return
          }
          resolve(stdout)
        },
      )
    })

  /** Polls `check` every `everyMs` until it returns a value, or fails after `timeoutS`. */
  async function waitFor<T>(
    what: string,
    check: () => Promise<T | undefined>,
    timeoutS: number,
    everyMs = 500,
  ): Promise<T> {
    const deadline = Date.now() + timeoutS * 1000
    for (;;) {
      const value = await check()
      if (value !== undefined) {
        return value
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutS} s waiting for ${what}`)
      }
      await sleep(everyMs)
    }
  }

  const slurmJobOf = async (backend: SlurmBackend, jobId: string, attempt = 1) =>
    ((await backend.client.jobs()) ?? []).filter(
      (j) => j.comment === `zhisuan-job:${jobId}:${attempt}`,
    )
  const squeue = async (slurmId: number) =>
    (await sh('squeue', ['-h', '-j', String(slurmId), '-o', '%T %N %b'])).trim()
  const running = (backend: SlurmBackend, jobId: string) =>
    waitFor(
      `${jobId} RUNNING in Slurm`,
      async () => (await slurmJobOf(backend, jobId)).find((j) => j.job_state === 'RUNNING'),
      30,
      250,
    )
  const pidOf = async (daemon: string) =>
    Number((await readFile(`${env['ZHISUAN_SLURM_RUN_DIR'] ?? ''}/${daemon}.pid`, 'utf8')).trim())
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  const placed = (jobId: string, over: Partial<PlacedJob> = {}): PlacedJob => ({
    jobId,
    attempt: 1,
    tenant: 'integration',
    nodes: ['gpu-005'],
    acceleratorsPerReplica: 8,
    durationS: 600,
    doneS: 0,
    ...over,
  })

  it('finds the dev cluster: slurmrestd v0.0.38 and the partition with its 8 nodes', async () => {
    const backend = await open()
    expect((await backend.nodes()).length).toBeGreaterThanOrEqual(8)
  })

  afterAll(async () => {
    if (!up) {
      return
    }
    // a daemon a failed test left dead comes back, then every job of this suite goes
    try {
      if (!alive(await pidOf('slurmd-gpu-002'))) {
        await sh('bash', ['scripts/slurm/up.sh', '--restart', 'gpu-002'])
      }
      if (!alive(await pidOf('slurmrestd'))) {
        await sh('bash', ['scripts/slurm/up.sh', '--restart', 'slurmrestd'])
      }
    } catch (error) {
      console.error('restarting the dev cluster daemons failed', error)
    }
    const backend = await SlurmBackend.open(options())
    for (const r of await backend.runs()) {
      await backend.cancel(r.jobId)
    }
    await backend.setDrain('gpu-006', false, '')
    await Promise.all(opened.map((b) => b.close()))
    await backend.close()
  })

  runBackendConformance('slurm', async () => {
    const backend = await open({ reportEndedSince: Date.now() / 1000 })
    return {
      backend,
      nodes: ['gpu-007', 'gpu-008'],
      advance: (seconds) => sleep(seconds * 1000),
      close: () => backend.close(),
    }
  })

  it('runs a 2-node × 8-GPU gang on exactly the given nodes, with ranks, and reports it ok', async () => {
    const backend = await open({ reportEndedSince: Date.now() / 1000 })
    const jobId = `${run}-gang`
    await backend.launch(
      placed(jobId, {
        nodes: ['gpu-003', 'gpu-004'],
        durationS: 3,
        command: [
          'bash',
          '-c',
          'echo "$SLURMD_NODENAME rank=$RANK world=$WORLD_SIZE master=$MASTER_ADDR ' +
            'job=$ZHISUAN_JOB_ID gpus=$CUDA_VISIBLE_DEVICES"; sleep 3',
        ],
      }),
    )
    const job: SlurmJob = await running(backend, jobId)
    expect(job.name).toBe(`zhisuan-${jobId}-1`)
    expect(expandHostlist(job.nodes ?? '')).toEqual(['gpu-003', 'gpu-004'])
    expect(job.node_count).toBe(2)
    expect(job.tres_per_node).toBe('gres:gpu:8')
    expect(await squeue(job.job_id ?? 0)).toBe('RUNNING gpu-[003-004] gres:gpu:8')

    const events: BackendEvent[] = []
    const done = await waitFor(
      `${jobId} finished`,
      async () => {
        events.push(...(await backend.poll()))
        return events.find((e) => e.kind === 'job-finished' && e.jobId === jobId)
      },
      60,
      1000,
    )
    expect(done).toMatchObject({ kind: 'job-finished', attempt: 1, ok: true, message: 'completed' })
    const out = await readFile(
      `${options().workDir}/zhisuan-${jobId}-1-${job.job_id ?? 0}.out`,
      'utf8',
    )
    expect(out.trim().split('\n').sort()).toEqual([
      `gpu-003 rank=0 world=2 master=127.0.0.1 job=${jobId} gpus=0,1,2,3,4,5,6,7`,
      `gpu-004 rank=1 world=2 master=127.0.0.1 job=${jobId} gpus=0,1,2,3,4,5,6,7`,
    ])
  })

  it('cancels: the job is gone from squeue, and no event follows', async () => {
    const backend = await open()
    const jobId = `${run}-cancel`
    await backend.launch(placed(jobId))
    const job = await running(backend, jobId)
    await backend.cancel(jobId)
    await waitFor(
      'the job to leave squeue',
      async () => ((await squeue(job.job_id ?? 0)) === '' ? true : undefined),
      15,
    )
    expect((await backend.runs()).map((r) => r.jobId)).not.toContain(jobId)
    await sleep(1000)
    expect(
      (await backend.poll()).filter((e) => e.kind === 'job-finished' && e.jobId === jobId),
    ).toEqual([])
  })

  it('adopts a run after a restart and does not launch it twice', async () => {
    const first = await open()
    const jobId = `${run}-adopt`
    await first.launch(placed(jobId)) // no command: sleep 600 on the node
    await running(first, jobId)
    await first.close()
    const second = await open()
    expect((await second.runs()).find((r) => r.jobId === jobId)).toMatchObject({
      attempt: 1,
      nodes: ['gpu-005'],
    })
    await second.launch(placed(jobId))
    const inSqueue = await sh('squeue', ['-h', '--name', `zhisuan-${jobId}-1`, '-o', '%i'])
    expect(inSqueue.trim().split('\n')).toHaveLength(1)
    await second.cancel(jobId)
    expect((await second.runs()).map((r) => r.jobId)).not.toContain(jobId)
  })

  it('drains a node with the reason, and resumes it', async () => {
    const backend = await open()
    await backend.setDrain('gpu-006', true, 'integration drain')
    const drained = await sh('scontrol', ['show', 'node', 'gpu-006'])
    expect(drained).toMatch(/State=\S*DRAIN/)
    expect(drained).toMatch(/Reason=zhisuan: integration drain/)
    expect((await backend.nodes()).find((n) => n.name === 'gpu-006')?.health).toBe('healthy')
    await backend.setDrain('gpu-006', false, '')
    const resumed = await sh('scontrol', ['show', 'node', 'gpu-006'])
    expect(resumed).not.toMatch(/DRAIN/)
    expect(resumed).not.toMatch(/Reason=/)
    await backend.setDrain('gpu-006', false, '') // resuming twice is fine
  })

  it('reports a node an operator drains in Slurm as degraded, and healthy once resumed there', async () => {
    const backend = await open()
    await backend.poll() // what was before
    await sh('scontrol', ['update', 'nodename=gpu-007', 'state=drain', 'reason=PSU swap'])
    try {
      const changed = async (want: string): Promise<BackendEvent[]> => {
        for (let i = 0; i < 40; i++) {
          const events = (await backend.poll()).filter(
            (e) => e.kind === 'node-health' && e.node === 'gpu-007' && e.health === want,
          )
          if (events.length > 0) {
            return events
          }
          await sleep(250)
        }
        throw new Error(`gpu-007 never read ${want}`)
      }
      expect(await changed('degraded')).toMatchObject([{ reason: 'drained in Slurm: PSU swap' }])
      expect((await backend.nodes()).find((n) => n.name === 'gpu-007')).toMatchObject({
        health: 'degraded',
        reason: 'drained in Slurm: PSU swap',
      })
      await sh('scontrol', ['update', 'nodename=gpu-007', 'state=resume'])
      await changed('healthy')
    } finally {
      await sh('scontrol', ['update', 'nodename=gpu-007', 'state=resume']).catch(() => undefined)
    }
  })

  it('gives a clear error for a request Slurm refuses, and goes on', async () => {
    // no reportEndedSince: the first poll sees every record, the refused one included
    const backend = await open()
    const refused = backend.launch(placed(`${run}-refused`, { acceleratorsPerReplica: 9 }))
    await expect(refused).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(refused).rejects.toThrow(
      /slurmrestd POST \/slurm\/v0\.0\.38\/job\/submit: HTTP 500: .*Requested node configuration is not available/,
    )
    expect((await backend.runs()).map((r) => r.jobId)).not.toContain(`${run}-refused`)
    // slurmctld keeps a FAILED record of the refused job, with its comment: not an event
    expect(
      (await backend.poll()).filter(
        (e) => e.kind === 'job-finished' && e.jobId === `${run}-refused`,
      ),
    ).toEqual([])
  })

  it('cancels a job Slurm takes but would hold past the partition MaxTime, and says why', async () => {
    const backend = await open()
    const jobId = `${run}-maxtime`
    // 2 × 600 s / 60 + 10 = 30 min > MaxTime 5: slurmctld (EnforcePartLimits=NO) takes the job,
    // answers error 2015 beside its id, and would leave it PENDING (PartitionTimeLimit) forever
    await sh('scontrol', ['update', 'PartitionName=gpu', 'MaxTime=5'])
    try {
      const launch = backend.launch(placed(jobId))
      await expect(launch).rejects.toMatchObject({ code: 'invalid-input' })
      await expect(launch).rejects.toThrow(
        /HTTP 200: Requested partition configuration not available now \(error 2015\) \(Slurm made job \d+, which cannot run as asked\)/,
      )
    } finally {
      await sh('scontrol', ['update', 'PartitionName=gpu', 'MaxTime=UNLIMITED'])
    }
    const left = await sh('squeue', [
      '-h',
      '-t',
      'PD,R',
      '--name',
      `zhisuan-${jobId}-1`,
      '-o',
      '%i',
    ])
    expect(left.trim()).toBe('')
    expect((await backend.runs()).map((r) => r.jobId)).not.toContain(jobId)
    // within the limit again, the retry runs
    await backend.launch(placed(jobId, { attempt: 2 }))
    const job = await waitFor(
      `${jobId} RUNNING in Slurm`,
      async () => (await slurmJobOf(backend, jobId, 2)).find((j) => j.job_state === 'RUNNING'),
      30,
      250,
    )
    await backend.cancel(jobId)
    // gone before the next test opens its backend, which would report it as ended
    await waitFor(
      'the job to leave squeue',
      async () => ((await squeue(job.job_id ?? 0)) === '' ? true : undefined),
      15,
    )
  })

  it('reports a node whose slurmd died, and the gang on it as failed', async () => {
    const backend = await open({ reportEndedSince: Date.now() / 1000 })
    const jobId = `${run}-nodefail`
    const ready = `${options().workDir}/${jobId}.ready`
    await backend.launch(
      placed(jobId, {
        nodes: ['gpu-001', 'gpu-002'],
        command: ['bash', '-c', `echo $SLURMD_NODENAME >> ${ready}; exec sleep 600`],
      }),
    )
    await running(backend, jobId)
    // Slurm says RUNNING before srun has started the tasks: wait until both nodes run theirs
    await waitFor(
      'the tasks on both nodes',
      async () => {
        const text = await readFile(ready, 'utf8').catch(() => '')
        return text.trim().split('\n').sort().join(',') === 'gpu-001,gpu-002' ? true : undefined
      },
      30,
      200,
    )
    // nothing yet about this gang (a job of another suite on the shared cluster, say the e2e's
    // gang left COMPLETING on a killed node for up to a minute, may end meanwhile)
    expect(
      (await backend.poll()).filter((e) => e.kind !== 'job-finished' || e.jobId === jobId),
    ).toEqual([])
    const pid = await pidOf('slurmd-gpu-002')
    process.kill(pid, 'SIGKILL')
    const killedAt = Date.now()
    try {
      const events: BackendEvent[] = []
      const nodeFailed = (e: BackendEvent) =>
        e.kind === 'node-health' && e.node === 'gpu-002' && e.health === 'failed'
      const jobFailed = (e: BackendEvent) => e.kind === 'job-finished' && e.jobId === jobId
      await waitFor(
        'the node failure and the failed gang',
        async () => {
          events.push(...(await backend.poll()))
          return events.some(nodeFailed) && events.some(jobFailed) ? true : undefined
        },
        75,
        1000,
      )
      const seconds = (Date.now() - killedAt) / 1000
      console.log(
        `slurmd killed: node failed and gang failed after ${seconds.toFixed(1)} s:`,
        JSON.stringify(events),
      )
      expect(events.find(jobFailed)).toMatchObject({ attempt: 1, ok: false })
      expect(events.find(jobFailed)).toMatchObject({
        message: expect.stringMatching(/node failure|NODE_FAIL/) as unknown,
      })
      expect(events.find(nodeFailed)).toBeDefined()
      expect(events.filter(jobFailed)).toHaveLength(1)
      expect((await backend.runs()).map((r) => r.jobId)).not.toContain(jobId)
    } finally {
      await sh('bash', ['scripts/slurm/up.sh', '--restart', 'gpu-002'])
    }
    await waitFor(
      'gpu-002 healthy again',
      async () => {
        const back = (await backend.poll()).find(
          (e) => e.kind === 'node-health' && e.node === 'gpu-002' && e.health === 'healthy',
        )
        return back ?? undefined
      },
      45,
      1000,
    )
    expect((await backend.nodes()).find((n) => n.name === 'gpu-002')?.health).toBe('healthy')
  })

  it('says clearly that slurmrestd is down, and works again once it is back', async () => {
    const backend = await open({ client: { retries: 2, retryDelayMs: 100, timeoutMs: 3000 } })
    process.kill(await pidOf('slurmrestd'), 'SIGKILL')
    try {
      await waitFor(
        'slurmrestd to stop answering',
        async () => {
          try {
            await backend.runs()
            return undefined
          } catch (error) {
            return error
          }
        },
        10,
        200,
      )
      const failure = backend.runs()
      await expect(failure).rejects.toMatchObject({ code: 'unavailable', name: 'ZhisuanError' })
      await expect(failure).rejects.toThrow(
        /slurmrestd at http:\/\/127\.0\.0\.1:\d+ is unreachable \(GET \/slurm\/v0\.0\.38\/jobs, 3 tries\)/,
      )
      await expect(SlurmBackend.open(options({ client: { retries: 0 } }))).rejects.toMatchObject({
        code: 'unavailable',
      })
    } finally {
      await sh('bash', ['scripts/slurm/up.sh', '--restart', 'slurmrestd'])
    }
    expect(Array.isArray(await backend.runs())).toBe(true)
    expect((await backend.nodes()).length).toBeGreaterThanOrEqual(8)
  })
})
