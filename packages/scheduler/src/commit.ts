import type { PlacementResult } from './placement.js'
import type { FamilyRequest } from './requests.js'
import type { RunningJob } from './running.js'
import { replanned, type Session } from './session.js'
import type { Decision, JobSpec } from './types.js'

/**
 * Starts a pending job where a placement put it: allocates its accelerators, books its SCU to
 * its tenant and moves it from pending to running. Every action that starts a gang ends here.
 */
export function commitPlacement(
  s: Session,
  job: JobSpec,
  req: FamilyRequest,
  result: PlacementResult & { ok: true },
  now: number,
): Decision & { kind: 'place' } {
  const slot = slotFor(s, job.id)
  const accelerators: number[] = []
  let i = 0
  while (i < result.nodes.length) {
    const node = result.nodes[i] ?? 0
    let count = 0
    while (result.nodes[i] === node) {
      count++
      i++
    }
    accelerators.push(...s.cluster.allocate(node, count * req.perReplica, slot))
  }
  const cls = job.workloadClass ?? 'llm-train'
  const info = s.families.get(req.family)
  const running: RunningJob = {
    spec: job,
    family: req.family,
    nodes: [...result.nodes],
    accelerators,
    startedAt: now,
    lastCheckpointAt: now,
    scu: accelerators.length * req.scuPerAccelerator,
    trainScu: accelerators.length * (info?.scu['llm-train'] ?? 0),
    memoryGB: accelerators.length * (info?.memoryGB ?? 0),
  }
  s.ledger.add(job.tenant, cls, running.scu)
  s.running.set(job.id, running)
  s.endOrder = undefined
  replanned(s)
  s.uplinks.add(running.nodes, 1)
  s.pending.delete(job.id)
  return {
    kind: 'place',
    jobId: job.id,
    family: req.family,
    nodes: running.nodes,
    accelerators,
    score: result.score,
  }
}

/** Stops a running job: frees its accelerators and takes its SCU off its tenant's books. */
export function releaseJob(s: Session, job: RunningJob): void {
  s.cluster.release(job.accelerators)
  s.ledger.add(job.spec.tenant, job.spec.workloadClass ?? 'llm-train', -job.scu)
  s.running.delete(job.spec.id)
  s.endOrder = undefined
  replanned(s)
  s.uplinks.add(job.nodes, -1)
}

/** Stops a running job and puts it back in the queue (preempted, or its node lost). */
export function requeueJob(s: Session, job: RunningJob): void {
  releaseJob(s, job)
  s.pending.set(job.spec.id, job.spec)
}

/** The owner slot of a job's accelerators: given on its first placement, kept for good. */
export function slotFor(s: Session, jobId: string): number {
  let slot = s.slotOf.get(jobId)
  if (slot === undefined) {
    slot = s.slotOf.size
    s.slotOf.set(jobId, slot)
  }
  return slot
}
