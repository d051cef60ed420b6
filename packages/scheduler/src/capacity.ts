import { workloadClasses, type WorkloadClass } from '@zhisuan/perf'
import type { Session } from './session.js'
import type { NodeHealth } from './types.js'

/** Changes a node and moves its share of the usable capacity in or out (O(1)). */
export function changeNode(
  s: Session,
  node: number,
  change: { health?: NodeHealth; spare?: boolean },
): void {
  const before = contribution(s, node)
  const wasSpare = s.cluster.nodes[node]?.spare
  s.cluster.setNode(node, change)
  const after = contribution(s, node)
  for (const c of workloadClasses) {
    s.capacity[c] += after.scu[c] - before.scu[c]
  }
  s.totals = {
    scu: s.capacity['llm-train'],
    memoryGB: s.totals.memoryGB + after.memoryGB - before.memoryGB,
  }
  s.ledger.setCapacity(s.capacity)
  if (s.cluster.nodes[node]?.spare !== wasSpare) {
    // the largest domains count spares out
    s.largestCache.clear()
  }
}

function contribution(
  s: Session,
  node: number,
): { scu: Record<WorkloadClass, number>; memoryGB: number } {
  const n = s.cluster.nodes[node]
  const info = n === undefined ? undefined : s.families.get(n.family)
  const zero = Object.fromEntries(workloadClasses.map((c) => [c, 0])) as Record<
    WorkloadClass,
    number
  >
  if (n === undefined || info === undefined || n.spare || n.health !== 'healthy') {
    return { scu: zero, memoryGB: 0 }
  }
  for (const c of workloadClasses) {
    zero[c] = n.accelerators * info.scu[c]
  }
  return { scu: zero, memoryGB: n.accelerators * n.memoryGBPerAccelerator }
}
