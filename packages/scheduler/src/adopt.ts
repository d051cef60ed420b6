import { ZhisuanError } from '@zhisuan/domain'
import { commitPlacement } from './commit.js'
import { familyRequests, type FamilyRequest } from './requests.js'
import { checkNewJob, type Session } from './session.js'
import type { Decision, JobSpec, PlacementScore } from './types.js'
import { nodeName } from './wording.js'

/**
 * Takes in a job that already runs on these nodes (one entry per replica, ring order), as a
 * restarted control plane finds its running jobs: it holds their accelerators and counts
 * against its tenant's quota like a job the scheduler placed, started at `startedAt`.
 * @throws ZhisuanError `invalid-input` for a malformed spec or nodes that do not fit the job,
 * `conflict` for a known id or nodes without room.
 */
export function adopt(
  s: Session,
  job: JobSpec,
  nodes: readonly number[],
  startedAt: number,
): Decision & { kind: 'place' } {
  checkNewJob(s, job)
  const req = adoptedRequest(s, job, nodes)
  const need = new Map<number, number>()
  for (const n of nodes) {
    need.set(n, (need.get(n) ?? 0) + req.perReplica)
  }
  for (const [n, count] of need) {
    if ((s.cluster.free[n] ?? 0) < count) {
      throw new ZhisuanError('conflict', `node ${nodeName(s.cluster, n)} has no room for ${job.id}`)
    }
  }
  const ordered = [...nodes].sort((a, b) => a - b)
  s.pending.set(job.id, job)
  return commitPlacement(
    s,
    job,
    req,
    { ok: true, nodes: ordered, score: adoptedScore(s, ordered) },
    startedAt,
  )
}

/** The request a job makes on the family of the nodes it runs on; throws when they do not fit it. */
function adoptedRequest(s: Session, job: JobSpec, nodes: readonly number[]): FamilyRequest {
  const first = s.cluster.nodes[nodes[0] ?? -1]
  if (nodes.length !== job.replicas || first === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `job ${job.id} has ${job.replicas} replicas; adopted on ${nodes.length} known nodes`,
    )
  }
  const requests = familyRequests(job, s.families, s.cluster)
  const req = Array.isArray(requests) ? requests.find((r) => r.family === first.family) : undefined
  const mismatch = nodes.find((n) => s.cluster.nodes[n]?.family !== first.family)
  if (req === undefined || mismatch !== undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `job ${job.id} cannot run on node ${nodeName(s.cluster, mismatch ?? nodes[0] ?? -1)}: its chips are not what the job asks`,
    )
  }
  return req
}

/** The score of where an adopted gang already runs: the tier it spans, its blocks and pods. */
function adoptedScore(s: Session, ordered: readonly number[]): PlacementScore {
  const fabric = s.cluster.fabric
  const blocks = [...new Set(ordered.map((n) => fabric.nodeBlock[n] ?? 0))]
  const pods = [...new Set(ordered.map((n) => fabric.nodePod[n] ?? 0))]
  return {
    tier:
      pods.length > 1
        ? 'core'
        : blocks.length > 1
          ? 'spine'
          : new Set(ordered).size > 1
            ? 'leaf'
            : 'node',
    blocks,
    pods,
    domainFreeSlots: 0,
    reason: 'adopted: already running there',
  }
}
