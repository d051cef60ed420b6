import type { ClusterState } from './cluster-state.js'
import { findPlacement, type GangRequest } from './placement.js'
import { lostWork, type RunningJob } from './running.js'

/** Victims whose removal lets a gang fit, and the work they lose. */
export interface VictimChoice {
  readonly victims: readonly RunningJob[]
  readonly lostWorkS: number
}

/**
 * Chooses whom to preempt so that `req` fits: for each domain of the smallest tier first
 * (block, then pod, then the whole fabric, within the gang's required tier), victims that touch
 * the domain are taken in order of least work lost since their last checkpoint until the gang
 * fits inside that domain; then victims that turned out unnecessary are put back. The domain
 * whose victims lose the least work wins. Returns `undefined` when no set of eligible victims
 * makes the gang fit — then nobody is preempted.
 */
export function chooseVictims(
  state: ClusterState,
  req: GangRequest,
  candidates: readonly RunningJob[],
  now: number,
): VictimChoice | undefined {
  // Levels of domains to search: blocks, pods, the fabric — up to the gang's required tier.
  const highest = req.maxTier === undefined ? 2 : req.maxTier === 'spine' ? 1 : 0
  const ordered = [...candidates].sort(
    (a, b) =>
      lostWork(a, now) - lostWork(b, now) ||
      a.spec.priority - b.spec.priority ||
      (a.spec.id < b.spec.id ? -1 : a.spec.id > b.spec.id ? 1 : 0),
  )
  const podOf = (b: number) => state.fabric.blocks[b]?.pod ?? 0
  const levels: ((block: number) => number)[] = [(b) => b, podOf, () => 0]
  for (let level = 0; level <= highest; level++) {
    const key = levels[level] ?? (() => 0)
    // Which victims touch which domain, in one pass over their nodes.
    const byDomain = new Map<number, RunningJob[]>()
    for (const victim of ordered) {
      const domains = new Set(victim.nodes.map((n) => key(state.fabric.nodeBlock[n] ?? 0)))
      for (const d of domains) {
        byDomain.set(d, [...(byDomain.get(d) ?? []), victim])
      }
    }
    let best: VictimChoice | undefined
    for (const [domain, touching] of [...byDomain.entries()].sort((x, y) => x[0] - y[0])) {
      const inDomain = (block: number) => key(block) === domain
      const choice = victimsForDomain(state, { ...req, blocks: inDomain }, touching, now)
      if (choice !== undefined && (best === undefined || choice.lostWorkS < best.lostWorkS)) {
        best = choice
      }
    }
    if (best !== undefined) {
      return best
    }
  }
  return undefined
}

function victimsForDomain(
  state: ClusterState,
  req: GangRequest,
  touching: readonly RunningJob[],
  now: number,
): VictimChoice | undefined {
  const scratch = state.scratch()
  const chosen: RunningJob[] = []
  let fits = findPlacement(scratch, req).ok
  for (const victim of touching) {
    if (fits) {
      break
    }
    scratch.releaseCounts(victim.accelerators)
    chosen.push(victim)
    fits = findPlacement(scratch, req).ok
  }
  if (!fits) {
    return undefined
  }
  // Put back victims the gang turns out not to need, costliest first.
  for (let i = chosen.length - 1; i >= 0; i--) {
    const trial = state.scratch()
    for (const [j, v] of chosen.entries()) {
      if (j !== i) {
        trial.releaseCounts(v.accelerators)
      }
    }
    if (findPlacement(trial, req).ok) {
      chosen.splice(i, 1)
    }
  }
  return { victims: chosen, lostWorkS: chosen.reduce((s, v) => s + lostWork(v, now), 0) }
}
