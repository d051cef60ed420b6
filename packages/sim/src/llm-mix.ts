import { ZhisuanError, serviceAccelerators, type Cluster } from '@zhisuan/domain'
import {
  chipOf,
  clusterJobNetwork,
  modelPreset,
  modernStack,
  searchParallelism,
} from '@zhisuan/perf'
import { createRng } from './rng.js'
import type { SimJob } from './sim-job.js'

/** One class of the synthetic LLM workload. */
export interface LlmJobClass {
  readonly name: string
  /** Share of the offered accelerator-time. */
  readonly share: number
  readonly model: string
  /** Accelerator counts drawn uniformly. */
  readonly sizes: readonly number[]
  /** Tokens per job, drawn log-uniformly between these bounds. */
  readonly tokens: readonly [number, number]
}

/**
 * The llm-mix workload: large pre-training gangs, fine-tuning jobs and small experiments.
 * Sizes and token budgets are our choices (documented, not measured): pre-training of a 70B
 * model on 1,024–8,192 accelerators for 0.5–4T tokens (days to weeks; 70% of the offered
 * accelerator-time), fine-tuning of a 70B model on 64–512 for 20–200B tokens (hours to days;
 * 25%), experiments with an 8B model on 8–64 for 10–100B tokens (hours to days; 5%).
 */
export const llmMix: readonly LlmJobClass[] = [
  {
    name: 'pretrain',
    share: 0.7,
    model: 'llama3-70b',
    sizes: [1024, 2048, 4096, 8192],
    tokens: [0.5e12, 4e12],
  },
  {
    name: 'finetune',
    share: 0.25,
    model: 'llama3-70b',
    sizes: [64, 128, 256, 512],
    tokens: [20e9, 200e9],
  },
  {
    name: 'experiment',
    share: 0.05,
    model: 'llama3-8b',
    sizes: [8, 16, 32, 64],
    tokens: [10e9, 100e9],
  },
]

/**
 * Generates `days` of llm-mix arrivals for a cluster: Poisson per class, at rates that offer
 * `load` × the cluster's accelerators; each job's productive time is its tokens over the
 * tokens/s the performance model plans for it on the cluster's first pool (so the network and
 * the chip set job durations), and its plan's share of a step in scale-out communication (so
 * uplinks shared with other gangs slow it; see `SharedUplinks`). Deterministic for the seed.
 */
export function llmMixJobs(
  cluster: Cluster,
  options: { readonly days: number; readonly seed: number; readonly load?: number },
): SimJob[] {
  const pool = cluster.pools.find((p) => !p.spare)
  if (pool === undefined) {
    return []
  }
  const chip = chipOf(pool.accelerator)
  const net = clusterJobNetwork(cluster, pool, {
    lossRate: 0,
    retransmission: 'go-back-n',
    placement: 'packed',
  })
  const perNode = pool.scaleUp.acceleratorsPerNode
  const capacity = serviceAccelerators(cluster)
  const plans = new Map<string, { tokensPerSecond: number; networkShare: number }>()
  const planOf = (model: string, gpus: number) => {
    const key = `${model}|${gpus}`
    let value = plans.get(key)
    if (value === undefined) {
      const shape = modelPreset(model)
      const [best] = searchParallelism(shape, chip, net, { gpus }, modernStack, 1)
      const step = best?.step
      const network =
        step === undefined ? 0 : (step.dpCommS + step.ppCommS + step.cpCommS) / step.stepTimeS
      value = {
        tokensPerSecond: best?.tokensPerSecond ?? 1,
        networkShare: Math.round(network * 1e4) / 1e4,
      }
      plans.set(key, value)
    }
    return value
  }
  const tokensPerSecond = (model: string, gpus: number) => planOf(model, gpus).tokensPerSecond
  const plannable = (model: string, gpus: number) => {
    try {
      planOf(model, gpus)
      return true
    } catch (error) {
      if (error instanceof ZhisuanError && error.code === 'invalid-input') {
        return false
      }
      throw error
    }
  }
  const rng = createRng(options.seed)
  const horizon = options.days * 86_400
  const jobs: SimJob[] = []
  // sizes the cluster can hold and the model can be planned for on its chips, per class
  const classes = llmMix
    .map((cls) => ({
      cls,
      sizes: cls.sizes.filter((s) => s <= capacity && plannable(cls.model, s)),
    }))
    .filter((c) => c.sizes.length > 0)
  // A class that fits nowhere (pre-training on a small cluster) leaves its share of the load to
  // the others, so the offered load stays `load` × the accelerators.
  const fittingShare = classes.reduce((sum, c) => sum + c.cls.share, 0)
  for (const { cls, sizes } of classes) {
    // mean accelerator-seconds of a job of this class, to set its arrival rate
    const [lo, hi] = cls.tokens
    const meanTokens = (hi - lo) / Math.log(hi / lo)
    const meanWork =
      sizes.reduce((s, g) => s + (g * meanTokens) / tokensPerSecond(cls.model, g), 0) / sizes.length
    const arrivalsPerS = ((cls.share / fittingShare) * (options.load ?? 0.9) * capacity) / meanWork
    const arrivals = rng.stream(`llm-mix-${cls.name}-arrivals`)
    const draws = rng.stream(`llm-mix-${cls.name}-jobs`)
    for (
      let t = arrivals.exponential(arrivalsPerS), i = 0;
      t < horizon;
      t += arrivals.exponential(arrivalsPerS), i++
    ) {
      const gpus = sizes[draws.below(sizes.length)] ?? 8
      const tokens = lo * Math.exp(draws.uniform() * Math.log(hi / lo))
      jobs.push({
        id: `${cls.name}-${i}`,
        tenant: cls.name,
        submitS: Math.round(t),
        workS: Math.round(tokens / tokensPerSecond(cls.model, gpus)),
        networkShare: planOf(cls.model, gpus).networkShare,
        replicas: gpus > perNode ? gpus / perNode : 1,
        perReplica: Math.min(gpus, perNode),
      })
    }
  }
  return jobs.sort((a, b) => a.submitS - b.submitS || (a.id < b.id ? -1 : 1))
}
