import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callApi, until, up } from './e2e.test-support.js'
import { cluster, envFile, squeue } from './slurm.test-support.js'

describe.skipIf(envFile === undefined)('a model service on a real Slurm cluster', () => {
  it('serves a model: replicas are Slurm jobs, scaling up preempts training, scaling down and deleting give it back', async () => {
    const running = () => squeue(['-t', 'R'])
    const dataDir = mkdtempSync(join(tmpdir(), 'zhisuan-slurm-svc-'))
    try {
      const server = await up([
        ...['--data-dir', dataDir, '--cluster', cluster, '--backend', 'slurm'],
        ...['--slurm-env', envFile ?? '', '--log-level', 'error'],
        ...['--slurm-master-address', '127.0.0.1'],
      ])
      const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
      const call = async (method: string, path: string, body?: unknown) =>
        (await callApi(server.url, admin, method, path, body)).body
      const inSlurm = (id: string) => running().some((l) => l.includes(id))
      // training takes the whole cluster
      const train = (
        await call('POST', '/api/v1/jobs', {
          name: 'slurm-pretrain',
          replicas: 8,
          acceleratorsPerReplica: 8,
          chip: { family: 'H100' },
          checkpoint: { intervalS: 60 },
          twin: { durationS: 3600 },
        })
      )['id'] as string
      await until(
        'training to run in Slurm',
        () => Promise.resolve(inSlurm(train) || undefined),
        30_000,
      )
      // a service of one replica: a Slurm job of its own; the training gang gives way
      const created = await call('POST', '/api/v1/services', {
        name: 'chat',
        model: 'llama3-70b',
        chip: { family: 'H100' },
        precision: 'fp8',
        slo: { ttftP99S: 2, tpotP99S: 0.1 },
        minReplicas: 1,
        maxReplicas: 3,
      })
      const capacity = created['capacityRps'] as number
      const replicaIds = async () =>
        ((await call('GET', '/api/v1/services/chat'))['replicas'] as { id: string }[]).map(
          (r) => r.id,
        )
      await until(
        'the replica to run in Slurm, training preempted',
        async () => {
          const [first] = await replicaIds()
          return first !== undefined && inSlurm(first) && !inSlurm(train) ? true : undefined
        },
        60_000,
      )
      // the load rises: three replicas, each a running Slurm job
      await call('POST', '/api/v1/services/chat/load', { requestsPerS: 2.5 * 0.8 * capacity })
      await until(
        'three replicas running in Slurm',
        async () => {
          const ids = await replicaIds()
          return ids.length === 3 && ids.every(inSlurm) ? true : undefined
        },
        60_000,
      )
      // the load falls: scaled down to one, two Slurm jobs end (the newest), one serves on
      const three = await replicaIds()
      await call('PATCH', '/api/v1/services/chat', { replicas: 1 })
      await until(
        'two replicas gone from Slurm',
        () => Promise.resolve(three.filter(inSlurm).length === 1 ? true : undefined),
        60_000,
      )
      expect(inSlurm(three[0] ?? '')).toBe(true)
      // the service goes: its Slurm jobs end, and training runs again in Slurm
      const ids = await replicaIds()
      await call('DELETE', '/api/v1/services/chat')
      await until(
        'the replicas gone from Slurm and training back',
        () => Promise.resolve(!ids.some(inSlurm) && inSlurm(train) ? true : undefined),
        60_000,
      )
      await call('DELETE', `/api/v1/jobs/${train}`)
      await until(
        'nothing left running in Slurm',
        () => Promise.resolve(running().length === 0 || undefined),
        30_000,
      )
      server.child.kill('SIGTERM')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 240_000)
})
