import { workloadClasses, type WorkloadClass } from '@zhisuan/perf'
import type { ClusterState } from './cluster-state.js'
import type { FamilyInfo } from './requests.js'

/** Usable capacity per class, and the llm-train SCU and memory totals fair share divides by. */
export interface UsableCapacity {
  readonly capacity: Record<WorkloadClass, number>
  readonly totals: { scu: number; memoryGB: number }
}

/** Usable capacity per class (healthy, non-spare nodes), for the quota pool and fair share. */
export function usableCapacity(
  state: ClusterState,
  families: ReadonlyMap<string, FamilyInfo>,
): UsableCapacity {
  const capacity = Object.fromEntries(workloadClasses.map((c) => [c, 0])) as Record<
    WorkloadClass,
    number
  >
  let memoryGB = 0
  for (const node of state.nodes) {
    const info = families.get(node.family)
    if (info === undefined || node.spare || node.health !== 'healthy') {
      continue
    }
    for (const c of workloadClasses) {
      capacity[c] += node.accelerators * info.scu[c]
    }
    memoryGB += node.accelerators * node.memoryGBPerAccelerator
  }
  return { capacity, totals: { scu: capacity['llm-train'], memoryGB } }
}
