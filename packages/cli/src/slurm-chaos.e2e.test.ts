import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { callApi, killed, until, up } from './e2e.test-support.js'
import { cluster, envFile, slurmEnv, slurmVars } from './slurm.test-support.js'

// slurmctld and slurmrestd restarted under running gangs: the gangs keep running in their
// slurmd, the control plane waits through the outage and adopts them again (the same Slurm
// jobs, no second submit), and places new work after. Part of `npm run test:slurm`.

/** Job steps Slurm runs now, by step id (`12.0`, `12.batch`). */
const slurmSteps = (): string[] =>
  execFileSync('squeue', ['-h', '-s', '-o', '%i'], { env: slurmEnv(), encoding: 'utf8' })
    .trim()
    .split('\n')

/** Zhisuan's Slurm jobs in every state: `slurm id|name|state` each. */
const slurmJobs = (): string[] =>
  execFileSync('squeue', ['-h', '-t', 'all', '-o', '%i|%j|%T'], {
    env: slurmEnv(),
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .filter((l) => l.split('|')[1]?.startsWith('zhisuan-') === true)

const repo = fileURLToPath(new URL('../../..', import.meta.url))

/** Stops a daemon of the dev cluster, keeps it down `downMs`, and starts it again (up.sh). */
async function restart(daemon: 'slurmctld' | 'slurmrestd', downMs: number): Promise<void> {
  const pid = Number(
    readFileSync(`${slurmVars()['ZHISUAN_SLURM_RUN_DIR'] ?? ''}/${daemon}.pid`, 'utf8').trim(),
  )
  process.kill(pid, 'SIGTERM') // slurmctld saves its state on SIGTERM
  await until(
    `${daemon} to stop`,
    () => {
      try {
        process.kill(pid, 0)
        return Promise.resolve(undefined)
      } catch {
        return Promise.resolve(true)
      }
    },
    15_000,
  )
  await new Promise((resolve) => setTimeout(resolve, downMs))
  execFileSync('bash', ['scripts/slurm/up.sh', '--restart', daemon], { cwd: repo, stdio: 'ignore' })
}

describe.skipIf(envFile === undefined)('zhisuan up on Slurm through restarts of Slurm', () => {
  it('keeps gangs running through restarts of slurmctld and slurmrestd, adopts them, and places new work after', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-slurm-chaos-'))
    try {
      const server = await up([
        ...['--data-dir', dataDir, '--cluster', cluster, '--backend', 'slurm'],
        ...['--slurm-env', envFile ?? '', '--log-level', 'info'],
        ...['--slurm-master-address', '127.0.0.1'],
      ])
      const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
      const call = async (method: string, path: string, body?: unknown) =>
        (await callApi(server.url, admin, method, path, body)).body
      const gang = async (name: string, durationS: number) =>
        (
          await call('POST', '/api/v1/jobs', {
            name,
            replicas: 2,
            acceleratorsPerReplica: 8,
            chip: { family: 'H100' },
            twin: { durationS },
          })
        )['id'] as string
      const runningInSlurm = (ids: readonly string[]) => {
        const lines = slurmJobs().filter((l) => l.endsWith('|RUNNING'))
        const found = ids.map((id) => lines.find((l) => l.includes(id)))
        return found.every((l) => l !== undefined) ? found : undefined
      }
      // three gangs of 2 × 8 on six of the eight nodes, long enough to outlive the restarts
      const first = [
        await gang('chaos-a', 40),
        await gang('chaos-b', 40),
        await gang('chaos-c', 40),
      ]
      const before = await until(
        'the gangs to run in Slurm',
        () => Promise.resolve(runningInSlurm(first)),
        30_000,
      )
      // their tasks started: an srun asking for its step while slurmctld is away waits for it,
      // and on the dev cluster's shared host may wait for ever after
      const slurmIds = before.map((l) => l.split('|')[0] ?? '')
      await until(
        "the gangs' tasks to run",
        () => {
          const steps = slurmSteps()
          return Promise.resolve(slurmIds.every((id) => steps.includes(`${id}.0`)) || undefined)
        },
        30_000,
      )

      await restart('slurmctld', 6000)
      await restart('slurmrestd', 3000)
      // the loop waited through both, said so, and runs again
      await until(
        'the loop to run again',
        () =>
          Promise.resolve(/the reconcile loop runs again after/.test(server.output()) || undefined),
        30_000,
      )
      const said =
        server
          .output()
          .match(/the reconcile loop (waits|runs again)[^"]*|rebuilding the scheduler/g) ?? []
      console.info(
        `Slurm restarted under ${first.length} gangs; the loop said:\n  ${said.join('\n  ')}`,
      )
      expect(said.some((l) => l.startsWith('the reconcile loop waits'))).toBe(true)
      // rebuilt from the store after the outage (and once at the start): the gangs adopted again
      expect(said.filter((l) => l === 'rebuilding the scheduler').length).toBeGreaterThanOrEqual(2)
      // the same Slurm jobs still run (adopted, not submitted again); Zhisuan still has them running
      expect(runningInSlurm(first)).toEqual(before)
      for (const id of first) {
        expect(await call('GET', `/api/v1/jobs/${id}`)).toMatchObject({
          state: 'running',
          attempt: 1,
          restarts: 0,
        })
      }
      // new work goes to the two free nodes
      const after = await gang('chaos-after', 5)
      await until(
        'the new gang to run in Slurm',
        () => Promise.resolve(runningInSlurm([after])),
        30_000,
      )

      const all = [...first, after]
      await until(
        'every gang to succeed',
        async () => {
          const states = await Promise.all(
            all.map(async (id) => (await call('GET', `/api/v1/jobs/${id}`))['state']),
          )
          return states.every((s) => s === 'succeeded') || undefined
        },
        60_000,
      )
      for (const id of all) {
        expect(await call('GET', `/api/v1/jobs/${id}`)).toMatchObject({ attempt: 1, restarts: 0 })
        const events = (await call('GET', `/api/v1/jobs/${id}/events`))['items'] as {
          kind: string
        }[]
        expect(events.map((e) => e.kind)).toEqual(['submitted', 'placed', 'succeeded'])
        // one Slurm job per gang, ever
        expect(slurmJobs().filter((l) => l.includes(id))).toHaveLength(1)
      }
      expect(await killed(server.child, 'SIGTERM')).toBe(0)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 150_000)
})
