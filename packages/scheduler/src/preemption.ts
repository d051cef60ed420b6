import type { ClusterState } from './cluster-state.js'
import { findPlacement, type GangRequest } from './placement.js'
import { lostWork, type RunningJob } from './running.js'
import type { TopologyTier } from './types.js'

/** Victims whose removal lets a gang fit, and the work they lose. */
export interface VictimChoice {
  readonly victims: readonly RunningJob[]
  readonly lostWorkS: number
}

const levels: readonly TopologyTier[] = ['leaf', 'spine']

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
  const cap = req.maxTier === undefined ? 3 : levels.indexOf(req.maxTier) + 1
  const ordered = [...candidates].sort(
    (a, b) =>
      lostWork(a, now) - lostWork(b, now) ||
      a.spec.priority - b.spec.priority ||
      (a.spec.id < b.spec.id ? -1 : 1),
  )
  const domainsByLevel: { key: (block: number) => number; count: number }[] = [
    { key: (b) => b, count: state.fabric.blocks.length },
    { key: (b) => state.fabric.blocks[b]?.pod ?? 0, count: state.fabric.pods.length },
    { key: () => 0, count: 1 },
  ]
  for (let level = 0; level < domainsByLevel.length && level <= Math.max(cap, 0); level++) {
    const { key, count } = domainsByLevel[level] ?? { key: () => 0, count: 1 }
    let best: VictimChoice | undefined
    for (let domain = 0; domain < count; domain++) {
      const inDomain = (block: number) => key(block) === domain
      const choice = victimsForDomain(state, { ...req, blocks: inDomain }, ordered, inDomain, now)
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
  ordered: readonly RunningJob[],
  inDomain: (block: number) => boolean,
  now: number,
): VictimChoice | undefined {
  const touching = ordered.filter((v) =>
    v.nodes.some((n) => inDomain(state.fabric.nodeBlock[n] ?? -1)),
  )
  if (touching.length === 0) {
    return undefined
  }
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
    const without = chosen.filter((_, j) => j !== i)
    for (const v of without) {
      trial.releaseCounts(v.accelerators)
    }
    if (findPlacement(trial, req).ok) {
      chosen.splice(i, 1)
    }
  }
  return { victims: chosen, lostWorkS: chosen.reduce((s, v) => s + lostWork(v, now), 0) }
}
