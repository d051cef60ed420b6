import { Store } from '@zhisuan/store'

/**
 * Writes `count` finished jobs straight into the store file of a new data dir (one
 * transaction, a thousand rows a statement; posting them through the API would take minutes):
 * `job-000000`… in submission order, tenants t0…t4 in turn, two in ten failed and one in ten
 * cancelled (the rest succeeded), one in four on MI300X and the rest on H100. Returns how many
 * jobs the filters the test uses should find.
 */
export async function storeWithJobs(file: string, count: number) {
  const store = await Store.open(file)
  const at = Date.now() / 1000 - count
  const failedOf = (i: number) => i % 10 === 7 || i % 10 === 8
  try {
    await store.db.transaction().execute(async (tx) => {
      for (let start = 0; start < count; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - start) }, (_, k) => {
          const i = start + k
          const family = i % 4 === 0 ? 'MI300X' : 'H100'
          const spec = {
            body: { name: `sweep-${i}`, acceleratorsPerReplica: 8, chip: { family } },
            replicas: 1,
            workloadClass: 'llm-train',
            durationS: 600,
            durationSource: 'hint',
          }
          return {
            id: `job-${String(i).padStart(6, '0')}`,
            tenant: `t${i % 5}`,
            name: `sweep-${i}`,
            queue: 'default',
            state: failedOf(i) ? 'failed' : i % 10 === 9 ? 'cancelled' : 'succeeded',
            priority: 0,
            spec: JSON.stringify(spec),
            idempotency_key: null,
            created_at: at + i,
            updated_at: at + i + 600,
            started_at: at + i + 1,
            ended_at: at + i + 600,
            attempt: 1,
            attempt_started_at: at + i + 1,
            restarts: 0,
            lost_s: 0,
            done_s: 600,
            placement: '["n-001"]',
            family,
            reason: null,
            message: 'finished',
            version: 3,
          }
        })
        await tx.insertInto('jobs').values(rows).execute()
      }
    })
  } finally {
    await store.close()
  }
  const ids = Array.from({ length: count }, (_, i) => i)
  return {
    failed: ids.filter(failedOf).length,
    ofT3: ids.filter((i) => i % 5 === 3).length,
    failedOfT3: ids.filter((i) => i % 5 === 3 && failedOf(i)).length,
  }
}
