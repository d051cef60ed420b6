import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labServer, run, type LabServer } from './cli.test-support.js'
import { until } from './e2e.test-support.js'

describe('zhisuan service (create, list, describe, scale, load, delete) against a control plane', () => {
  let lab: LabServer
  let admin: string[]

  beforeAll(async () => {
    lab = await labServer('zhisuan-svc-')
    admin = lab.admin
  })

  afterAll(async () => {
    await lab.close()
  })

  it('creates a service whose replicas run, scales it by hand and by load, and deletes it', async () => {
    // the README's example, on the lab cluster `zhisuan up` runs by default (H100, no H800)
    const file = fileURLToPath(new URL('../../../examples/services/chat-70b.yaml', import.meta.url))
    const created = await run('service', 'create', file, ...admin)
    expect(created.code, created.err).toBe(0)
    expect(created.out).toMatch(/chat \(system\): llama3-70b fp8 on H100, replicas of TP 2/)
    const has = (args: string[], text: string) => async () =>
      (await run(...args, ...admin)).out.includes(text) ? true : undefined
    await until(
      'one replica running',
      has(['service', 'describe', 'chat'], '1 running of 1 wanted'),
      20_000,
    )
    const scaled = await run('service', 'scale', 'chat', '3', ...admin)
    expect(scaled.out).toMatch(/of 3 wanted \(1\.\.16\)/)
    await until('three replicas running', has(['service', 'list'], '3 / 3'), 20_000)
    const busy = await run('service', 'load', 'chat', '100', ...admin, '--json')
    expect((JSON.parse(busy.out) as { desiredReplicas: number }).desiredReplicas).toBeGreaterThan(3)
    const bad = await run('service', 'scale', 'chat', '20', ...admin)
    expect(bad.code).not.toBe(0)
    expect(bad.err).toMatch(/replicas: 20 is outside 1\.\.16/)
    expect((await run('service', 'delete', 'chat', ...admin)).code).toBe(0)
    const gone = await run('service', 'describe', 'chat', ...admin)
    expect(gone.code).not.toBe(0)
    expect(gone.err).toMatch(/404: no service chat/)
  }, 60_000)
})
