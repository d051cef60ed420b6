import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { expandHostlist } from '@zhisuan/slurm'
import { callApi, runningNodes, until, up } from './e2e.test-support.js'
import { cluster, envFile, scontrol, slurmVars, squeue } from './slurm.test-support.js'

describe.skipIf(envFile === undefined)('zhisuan up on a real Slurm cluster', () => {
  it('refuses to start on a cluster file Slurm disagrees with, naming the node and field', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-slurm-e2e-'))
    try {
      // blocks of 2 nodes: Slurm's topology.conf has leaves of 4
      const wrong = join(dataDir, 'slurm-dev-8-blocks-of-2.yaml')
      writeFileSync(
        wrong,
        readFileSync(cluster, 'utf8').replace('nodesPerBlock: 4', 'nodesPerBlock: 2'),
      )
      const said = await up([
        ...['--data-dir', dataDir, '--cluster', wrong, '--backend', 'slurm'],
        ...['--slurm-env', envFile ?? '', '--log-level', 'error'],
      ]).then(
        (server) => {
          server.child.kill('SIGKILL') // it must not run beside the next test's server
          return `started on ${server.url}`
        },
        (error: unknown) => String(error),
      )
      expect(said).toMatch(/does not match the cluster file slurm-dev-8:/)
      expect(said).toContain(
        'gpu-003.topology: the cluster file puts it in leaf block 1 (gpu-[003-004]), ' +
          'Slurm under switch leaf0 (gpu-[001-004])',
      )
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('places gangs, drains, cancels and survives a restart without a duplicate Slurm job', async () => {
    const env = slurmVars()
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-slurm-e2e-'))
    const start = () =>
      up([
        '--data-dir',
        dataDir,
        '--cluster',
        cluster,
        '--backend',
        'slurm',
        '--slurm-env',
        envFile ?? '',
        '--log-level',
        'error',
        '--slurm-master-address',
        '127.0.0.1',
      ])
    try {
      let server = await start()
      const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
      const call = async (method: string, path: string, body?: unknown) =>
        (await callApi(server.url, admin, method, path, body)).body
      // the 8 Slurm nodes, 64 accelerators, two leaves under one spine
      const nodes = (await call('GET', '/api/v1/nodes'))['items'] as {
        name: string
        accelerators: number
        block: number
        pod: number
      }[]
      expect(nodes.map((n) => n.name)).toEqual(
        Array.from({ length: 8 }, (_, i) => `gpu-00${i + 1}`),
      )
      expect(nodes.reduce((s, n) => s + n.accelerators, 0)).toBe(64)
      expect(new Set(nodes.map((n) => n.block))).toEqual(new Set([0, 1]))
      expect(new Set(nodes.map((n) => n.pod)).size).toBe(1)

      // a 2 × 8 gang runs in Slurm on exactly the nodes Zhisuan chose, under one leaf
      const gang = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-gang',
          replicas: 2,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 8 },
        })
      )['id'] as string
      const placed = await runningNodes(
        'the gang to run',
        () => call('GET', `/api/v1/jobs/${gang}`),
        30_000,
      )
      expect(new Set(placed.map((n) => nodes.find((x) => x.name === n)?.block)).size).toBe(1)
      const inSlurm = await until(
        'the Slurm job to run',
        () => Promise.resolve(squeue().find((l) => l.includes(gang) && l.endsWith('|RUNNING'))),
        30_000,
      )
      expect(expandHostlist(inSlurm.split('|')[1] ?? '').sort()).toEqual([...placed].sort())
      await until(
        'the gang to succeed',
        async () =>
          (await call('GET', `/api/v1/jobs/${gang}`))['state'] === 'succeeded' ? true : undefined,
        60_000,
      )

      // drain in Zhisuan → DRAIN in Slurm with the reason, and no new placement there
      await call('POST', '/api/v1/nodes/gpu-008/drain', { reason: 'fan replacement' })
      const shown = await until(
        'gpu-008 drained in Slurm',
        () => {
          const text = scontrol(['show', 'node', 'gpu-008'])
          return Promise.resolve(/State=\S*DRAIN/.test(text) ? text : undefined)
        },
        15_000,
      )
      expect(shown).toContain('Reason=zhisuan: fan replacement')
      // 4 + 2 + 1 whole nodes: exactly the 7 others, all at once
      const fillers: string[] = []
      for (const replicas of [4, 2, 1]) {
        fillers.push(
          (
            await call('POST', '/api/v1/jobs', {
              name: `slurm-fill-${replicas}`,
              replicas,
              acceleratorsPerReplica: 8,
              chip: { family: 'H100' },
              twin: { durationS: 600 },
            })
          )['id'] as string,
        )
      }
      const filled = await until(
        'the fillers to run in Slurm',
        () => {
          const lines = squeue().filter((l) => fillers.some((f) => l.includes(f)))
          const running = lines.filter((l) => l.endsWith('|RUNNING'))
          return Promise.resolve(running.length === 3 ? running : undefined)
        },
        30_000,
      )
      const used = filled.flatMap((l) => expandHostlist(l.split('|')[1] ?? ''))
      expect(used.sort()).toEqual(nodes.map((n) => n.name).filter((n) => n !== 'gpu-008'))
      // one more whole node: only gpu-008 is free, and drained, so it waits in Zhisuan
      const waiting = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-after-drain',
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 3 },
        })
      )['id'] as string
      await new Promise((r) => setTimeout(r, 4000))
      expect((await call('GET', `/api/v1/jobs/${waiting}`))['state']).toBe('pending')
      // never sent to Slurm (not even a job cancelled since), and nothing ran on gpu-008
      expect(squeue(['-t', 'all']).filter((l) => l.includes(waiting))).toEqual([])
      expect(squeue().filter((l) => l.split('|')[1] === 'gpu-008')).toEqual([])
      // resumed, gpu-008 takes it
      await call('POST', '/api/v1/nodes/gpu-008/resume')
      const resumedOn = await until(
        'the waiting job to run in Slurm',
        () =>
          Promise.resolve(
            squeue()
              .find((l) => l.includes(waiting) && l.endsWith('|RUNNING'))
              ?.split('|')[1],
          ),
        30_000,
      )
      expect(resumedOn).toBe('gpu-008')
      for (const f of fillers) {
        await call('DELETE', `/api/v1/jobs/${f}`)
      }
      await until(
        'the waiting job to succeed',
        async () =>
          (await call('GET', `/api/v1/jobs/${waiting}`))['state'] === 'succeeded'
            ? true
            : undefined,
        30_000,
      )

      // a submit slurmrestd rejects (the partition drained in Slurm: HTTP 500, error 2070):
      // the error is on the job, the loop retries, the server stays up, nothing is lost
      scontrol(['update', 'PartitionName=gpu', 'State=DRAIN'])
      let rejected: string
      try {
        rejected = (
          await call('POST', '/api/v1/jobs', {
            name: 'slurm-rejected',
            acceleratorsPerReplica: 8,
            chip: { family: 'H100' },
            twin: { durationS: 3 },
          })
        )['id'] as string
        const failures = await until(
          'two rejected launches',
          async () => {
            const items = (await call('GET', `/api/v1/jobs/${rejected}/events`))['items'] as {
              kind: string
              detail: { error?: string }
            }[]
            const failed = items.filter((e) => e.kind === 'launch-failed')
            return failed.length >= 2 ? failed : undefined
          },
          30_000,
        )
        expect(failures[0]?.detail.error).toMatch(
          /slurmrestd POST \/slurm\/v0\.0\.38\/job\/submit: HTTP 500: Required partition not available \(inactive or drain\) \(error 2070\)/,
        )
        const job = await call('GET', `/api/v1/jobs/${rejected}`)
        expect(['pending', 'running']).toContain(job['state'])
        // a launch Slurm refused never ran: not a restart; the loop backs off (5 s, 10 s, …)
        expect(job['restarts']).toBe(0)
        const why = await call('GET', `/api/v1/jobs/${rejected}/why`)
        if (why['state'] === 'pending') {
          expect(why['reason']).toMatchObject({ kind: 'launch-failed' })
        }
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
        expect(squeue().filter((l) => l.includes(rejected))).toEqual([])
      } finally {
        scontrol(['update', 'PartitionName=gpu', 'State=UP'])
      }
      await until(
        'the rejected job to succeed once the partition is up',
        async () =>
          (await call('GET', `/api/v1/jobs/${rejected}`))['state'] === 'succeeded'
            ? true
            : undefined,
        45_000, // its launch hold (≤ 20 s after three refusals) ends first
      )

      // cancel in Zhisuan → gone from Slurm
      const long = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-long',
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 600 },
        })
      )['id'] as string
      await until(
        'the long job in Slurm',
        () => Promise.resolve(squeue().some((l) => l.includes(long)) ? true : undefined),
        30_000,
      )
      await call('DELETE', `/api/v1/jobs/${long}`)
      await until(
        'the long job to leave Slurm',
        () => Promise.resolve(squeue().some((l) => l.includes(long)) ? undefined : true),
        30_000,
      )

      // kill -9 the control plane while Slurm runs a job; restart: adopted, not launched twice
      const kept = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-kept',
          replicas: 2,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 20 },
        })
      )['id'] as string
      await until(
        'the kept job in Slurm',
        () => Promise.resolve(squeue().some((l) => l.includes(kept)) ? true : undefined),
        30_000,
      )
      server.child.kill('SIGKILL')
      server = await start()
      await new Promise((r) => setTimeout(r, 8000))
      expect(squeue().filter((l) => l.includes(kept))).toHaveLength(1)
      const after = await until(
        'the kept job to succeed',
        async () => {
          const j = await call('GET', `/api/v1/jobs/${kept}`)
          return j['state'] === 'succeeded' ? j : undefined
        },
        60_000,
      )
      expect(after).toMatchObject({ attempt: 1, restarts: 0 })

      // kill one slurmd under a running 2-node gang: Zhisuan marks the node and restarts the
      // gang elsewhere from its last checkpoint (restart count 1)
      const victim = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-victim',
          replicas: 2,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          checkpoint: { intervalS: 10 },
          twin: { durationS: 600 },
        })
      )['id'] as string
      const first = await until(
        'the victim to run in Slurm',
        async () => {
          const j = await call('GET', `/api/v1/jobs/${victim}`)
          const running = squeue().some((l) => l.includes(victim) && l.endsWith('|RUNNING'))
          return j['state'] === 'running' && running ? (j['nodes'] as string[]) : undefined
        },
        30_000,
      )
      const node = first[1] ?? ''
      const pidFile = `${env['ZHISUAN_SLURM_RUN_DIR'] ?? ''}/slurmd-${node}.pid`
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL')
      const moved = await until(
        'the gang to restart elsewhere',
        async () => {
          const j = await call('GET', `/api/v1/jobs/${victim}`)
          return j['restarts'] === 1 && j['state'] === 'running' ? j : undefined
        },
        90_000,
      )
      expect(moved['nodes']).not.toContain(node)
      expect(moved['attempt']).toBe(2)
      const failed = (await call('GET', '/api/v1/nodes?state=failed'))['items'] as {
        name: string
      }[]
      expect(failed.map((n) => n.name)).toContain(node)
      await call('DELETE', `/api/v1/jobs/${victim}`)
      execFileSync('bash', ['scripts/slurm/up.sh', '--restart', node], {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        stdio: 'ignore',
      })

      // slurmrestd down: launches fail with a clear error and are retried; nothing is lost
      const restPid = Number(
        readFileSync(`${env['ZHISUAN_SLURM_RUN_DIR'] ?? ''}/slurmrestd.pid`, 'utf8').trim(),
      )
      process.kill(restPid, 'SIGKILL')
      const patient = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-patient',
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          twin: { durationS: 5 },
        })
      )['id'] as string
      // the loop's passes fail on the backend (logged) and retry; the job waits, the API answers
      await new Promise((r) => setTimeout(r, 5000))
      expect((await call('GET', `/api/v1/jobs/${patient}`))['state']).toBe('pending')
      expect(server.output()).toMatch(/unreachable|unavailable/)
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      execFileSync('bash', ['scripts/slurm/up.sh', '--restart', 'slurmrestd'], {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        stdio: 'ignore',
      })
      await until(
        'the patient job to succeed once slurmrestd is back',
        async () =>
          (await call('GET', `/api/v1/jobs/${patient}`))['state'] === 'succeeded'
            ? true
            : undefined,
        60_000,
      )
      // nothing of Zhisuan's is left waiting or running in Slurm
      await until(
        'no Zhisuan job pending or running in Slurm',
        () => Promise.resolve(squeue(['-t', 'PD,R']).length === 0 ? true : undefined),
        30_000,
      )
      server.child.kill('SIGTERM')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 360_000)
})
