import type { Session } from './session.js'
import type { JobSpec } from './types.js'

/**
 * Pending jobs in the order a cycle tries them: priority, then the tenant's dominant share
 * (DRF over llm-train SCU and accelerator memory, from what runs now), then submission, then id.
 */
export function orderPending(s: Session): JobSpec[] {
  const scu = new Map<string, number>()
  const memory = new Map<string, number>()
  for (const job of s.running.values()) {
    scu.set(job.spec.tenant, (scu.get(job.spec.tenant) ?? 0) + job.trainScu)
    memory.set(job.spec.tenant, (memory.get(job.spec.tenant) ?? 0) + job.memoryGB)
  }
  const dominant = (tenant: string) =>
    Math.max(
      (scu.get(tenant) ?? 0) / Math.max(s.totals.scu, 1e-9),
      (memory.get(tenant) ?? 0) / Math.max(s.totals.memoryGB, 1e-9),
    )
  return [...s.pending.values()].sort(
    (a, b) =>
      b.priority - a.priority ||
      dominant(a.tenant) - dominant(b.tenant) ||
      a.submittedAt - b.submittedAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
}
