import { Scheduler } from '@zhisuan/scheduler'
import type { EngineOptions } from './engine-types.js'

/**
 * Ids of pending jobs that a cycle now would place on free nodes (no preemption), asked of a
 * fresh scheduler holding the same nodes, running gangs and queue as `live`: an audit of work
 * conservation that does not touch the live scheduler.
 */
export function placeableNow(
  options: Pick<EngineOptions, 'cluster' | 'catalog' | 'scheduler'>,
  live: Scheduler,
  now: number,
): string[] {
  const probe = new Scheduler(options.cluster, options.catalog, options.scheduler)
  live.state.nodes.forEach((n, i) => {
    if (n.spare) {
      probe.setSpare(i, true)
    }
    if (n.health !== 'healthy') {
      probe.setNodeHealth(i, n.health, now)
    }
  })
  for (const r of live.running()) {
    probe.adopt(r.spec, r.nodes, r.startedAt, r.lastCheckpointAt)
  }
  for (const p of live.pending()) {
    probe.submit(p)
  }
  const placed: string[] = []
  for (const d of probe.schedule(now).decisions) {
    if (d.kind === 'preempt') {
      break
    }
    if (d.kind === 'place') {
      placed.push(d.jobId)
    }
  }
  return placed
}
