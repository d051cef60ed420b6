import { describe, expect, it } from 'vitest'
import type { BackendEvent, ExecutionBackend, PlacedJob } from './backend.js'

/** A backend under test, with a way to let time pass (a fake clock, or real waiting). */
export interface BackendFixture {
  readonly backend: ExecutionBackend
  /** At least two node names the backend runs. */
  readonly nodes: readonly string[]
  /** Lets `seconds` of job time pass. */
  advance(seconds: number): Promise<void>
  close(): Promise<void>
}

/** Polls until an event matches, letting time pass in small steps. */
async function eventually(
  fx: BackendFixture,
  match: (e: BackendEvent) => boolean,
  steps = 60,
): Promise<BackendEvent> {
  for (let i = 0; i < steps; i++) {
    const hit = (await fx.backend.poll()).find(match)
    if (hit !== undefined) {
      return hit
    }
    await fx.advance(1)
  }
  throw new Error('the backend never reported the event')
}

/**
 * The behaviour every `ExecutionBackend` (twin, Slurm) must show; each implementation's test
 * calls this with its own fixture.
 */
export function runBackendConformance(name: string, open: () => Promise<BackendFixture>): void {
  const job = (fx: BackendFixture, jobId: string, over: Partial<PlacedJob> = {}): PlacedJob => ({
    jobId,
    attempt: 1,
    tenant: 'conformance',
    nodes: fx.nodes.slice(0, 1),
    acceleratorsPerReplica: 1,
    command: ['sleep', '2'],
    durationS: 2,
    doneS: 0,
    ...over,
  })

  describe(`${name} backend conformance`, () => {
    it('lists its nodes', async () => {
      const fx = await open()
      try {
        const names = (await fx.backend.nodes()).map((n) => n.name)
        expect(names).toEqual(expect.arrayContaining([...fx.nodes]))
      } finally {
        await fx.close()
      }
    })

    it('runs a launched job to completion and reports it once, with its id and attempt', async () => {
      const fx = await open()
      try {
        await fx.backend.launch(job(fx, 'conf-run'))
        expect((await fx.backend.runs()).map((r) => r.jobId)).toContain('conf-run')
        const done = await eventually(
          fx,
          (e) => e.kind === 'job-finished' && e.jobId === 'conf-run',
        )
        expect(done).toMatchObject({ kind: 'job-finished', attempt: 1, ok: true })
        expect((await fx.backend.runs()).map((r) => r.jobId)).not.toContain('conf-run')
        await fx.advance(1)
        expect(
          (await fx.backend.poll()).filter(
            (e) => e.kind === 'job-finished' && e.jobId === 'conf-run',
          ),
        ).toEqual([])
      } finally {
        await fx.close()
      }
    })

    it('launches a (job, attempt) once however often it is asked, and a new attempt anew', async () => {
      const fx = await open()
      try {
        const long = job(fx, 'conf-once', { durationS: 3600, command: ['sleep', '3600'] })
        await fx.backend.launch(long)
        await fx.backend.launch(long)
        expect((await fx.backend.runs()).filter((r) => r.jobId === 'conf-once')).toHaveLength(1)
        await fx.backend.cancel('conf-once')
        await fx.backend.launch({ ...long, attempt: 2 })
        const runs = (await fx.backend.runs()).filter((r) => r.jobId === 'conf-once')
        expect(runs.map((r) => r.attempt)).toEqual([2])
        await fx.backend.cancel('conf-once')
      } finally {
        await fx.close()
      }
    })

    it('cancels a run, and ignores an unknown id', async () => {
      const fx = await open()
      try {
        await fx.backend.launch(
          job(fx, 'conf-cancel', { durationS: 3600, command: ['sleep', '3600'] }),
        )
        await fx.backend.cancel('conf-cancel')
        await fx.backend.cancel('conf-never-launched')
        expect((await fx.backend.runs()).map((r) => r.jobId)).not.toContain('conf-cancel')
      } finally {
        await fx.close()
      }
    })

    it('refuses a node it does not have', async () => {
      const fx = await open()
      try {
        await expect(
          fx.backend.launch(job(fx, 'conf-bad', { nodes: ['no-such-node-xyz'] })),
        ).rejects.toThrow()
      } finally {
        await fx.close()
      }
    })
  })
}
