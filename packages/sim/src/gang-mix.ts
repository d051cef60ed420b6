import { ZhisuanError } from '@zhisuan/domain'
import { createRng } from './rng.js'
import type { SimJob } from './sim-job.js'

/** Synthetic multi-node gangs to add to a trace, and the load to offer. */
export interface GangMixOptions {
  /** How many gangs to add. */
  readonly gangs: number
  /** Accelerators per gang, drawn uniformly from this list (whole nodes of `perNode`). */
  readonly sizes: readonly number[]
  readonly perNode: number
  /** Work per gang, hours, drawn log-uniformly between these bounds. */
  readonly hours: readonly [number, number]
  /**
   * Offered load: the jobs' accelerator-seconds over the cluster's accelerator-seconds between
   * the first and the last submission. Submission times are stretched or compressed to it.
   */
  readonly load: number
  /** Accelerators of the cluster the load is offered to. */
  readonly capacity: number
  readonly seed: number
  /** Tenant of the added gangs; default `gangs`. */
  readonly tenant?: string
}

/**
 * A trace's jobs plus synthetic gangs submitted across its span, with every submission time
 * scaled about the first so the whole offers `load`: how to turn a single-GPU-heavy trace (such
 * as Philly's) into a heavy, gang-rich replay. Deterministic for a seed.
 * @throws ZhisuanError `invalid-input` for a load ≤ 0, no jobs, or a size that is not whole nodes.
 */
export function withGangs(jobs: readonly SimJob[], options: GangMixOptions): SimJob[] {
  const { perNode, sizes, hours } = options
  if (!(options.load > 0) || !(options.capacity > 0) || jobs.length === 0) {
    throw new ZhisuanError('invalid-input', 'a gang mix needs jobs, a capacity and a load > 0')
  }
  const bad = sizes.find((s) => !(s > 0) || s % perNode !== 0)
  if (bad !== undefined || sizes.length === 0) {
    throw new ZhisuanError(
      'invalid-input',
      `gang size ${bad ?? '(none)'} is not whole nodes of ${perNode}`,
    )
  }
  const stream = createRng(options.seed).stream('gang-mix')
  const first = Math.min(...jobs.map((j) => j.submitS))
  const last = Math.max(...jobs.map((j) => j.submitS))
  const added: SimJob[] = []
  for (let i = 0; i < options.gangs; i++) {
    const size = sizes[stream.below(sizes.length)] ?? perNode
    const [lo, hi] = hours
    added.push({
      id: `gang-${String(i + 1).padStart(4, '0')}`,
      tenant: options.tenant ?? 'gangs',
      submitS: first + stream.uniform() * (last - first),
      workS: Math.round(3600 * lo * (hi / lo) ** stream.uniform()),
      replicas: size / perNode,
      perReplica: perNode,
    })
  }
  const all = [...jobs, ...added]
  const work = all.reduce((s, j) => s + j.workS * j.replicas * j.perReplica, 0)
  const span = Math.max(1, last - first)
  const scale = work / (options.load * options.capacity * span)
  return all
    .map((j) => ({ ...j, submitS: Math.round(first + (j.submitS - first) * scale) }))
    .sort((a, b) => a.submitS - b.submitS || (a.id < b.id ? -1 : 1))
}
