// A tenant's cap on pending jobs (issue #19), in the store: submissions arriving together are one
// batch; whatever mix of batches and jobs leaving `pending` comes, a submission is refused exactly
// when its tenant already has its cap of jobs waiting, and the cap is never passed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ZhisuanError } from '@zhisuan/domain'
import { Store } from './store.js'

type Step =
  | { readonly kind: 'submit'; readonly tenant: 'a' | 'b'; readonly n: number }
  | { readonly kind: 'start'; readonly n: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('submit' as const),
    tenant: fc.constantFrom('a' as const, 'b' as const),
    n: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({ kind: fc.constant('start' as const), n: fc.integer({ min: 1, max: 6 }) }),
)

describe('the pending cap', () => {
  it('refuses a submission exactly when its tenant has its cap waiting, batch or not', async () => {
    let seq = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 10 }),
        async (steps, cap) => {
          const store = await Store.open(':memory:')
          try {
            const pendingOf = async (tenant: string) =>
              (await store.listJobs({ states: ['pending'], limit: 1000 })).filter(
                (j) => j.tenant === tenant,
              ).length
            for (const s of steps) {
              if (s.kind === 'start') {
                const pending = await store.listJobs({ states: ['pending'], limit: s.n })
                for (const job of pending) {
                  await store.transition(job.id, {
                    from: ['pending'],
                    patch: { state: 'cancelled' },
                    events: [{ at: 1, kind: 'cancelled', detail: {} }],
                  })
                }
                continue
              }
              const before = await pendingOf(s.tenant)
              // a is capped, b is not: b's jobs never count against a's cap
              const limits = s.tenant === 'a' ? { maxPending: cap } : {}
              const answers = await Promise.allSettled(
                Array.from({ length: s.n }, () => {
                  seq += 1
                  return store.insertJob(
                    {
                      id: `job-${String(seq).padStart(6, '0')}`,
                      tenant: s.tenant,
                      name: 'j',
                      queue: 'default',
                      priority: 0,
                      spec: {},
                      createdAt: seq,
                    },
                    undefined,
                    limits,
                  )
                }),
              )
              const accepted = answers.filter((r) => r.status === 'fulfilled').length
              for (const r of answers) {
                if (r.status === 'rejected') {
                  expect(r.reason).toBeInstanceOf(ZhisuanError)
                  expect((r.reason as ZhisuanError).code).toBe('too-many-requests')
                }
              }
              const expected = s.tenant === 'a' ? Math.max(0, Math.min(s.n, cap - before)) : s.n
              expect(accepted).toBe(expected)
              expect(await pendingOf(s.tenant)).toBe(before + accepted)
              if (s.tenant === 'a') {
                expect(await pendingOf('a')).toBeLessThanOrEqual(Math.max(cap, before))
              }
            }
          } finally {
            await store.close()
          }
        },
      ),
      { seed: 19, numRuns: 60 },
    )
  })
})
