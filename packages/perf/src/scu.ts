import { ZhisuanError, type Accelerator, type Catalog } from '@zhisuan/domain'
import { chipOf, type Chip } from './hardware.js'
import { modelPreset } from './model-shape.js'
import { defaultJobNetwork } from './job-network.js'
import type { JobNetwork } from './network.js'
import { modernStack } from './parallelism.js'
import { searchParallelism } from './search.js'
import { replicaOf, stepSeconds, type Replica } from './serving-cost.js'

/** Workload classes that quotas and billing count in. */
export type WorkloadClass = 'llm-train' | 'llm-prefill' | 'llm-decode'
export const workloadClasses: readonly WorkloadClass[] = ['llm-train', 'llm-prefill', 'llm-decode']

/** The accelerator every SCU is relative to: 1 SCU = one A100-SXM-80GB on the reference workload. */
export const scuReferenceId = 'nvidia-a100-sxm-80gb'

/**
 * The reference workloads, each run on one node of 8 accelerators with 8 × 400 Gb/s NICs:
 * - `llm-train`: Llama 3 8B, 4,096-token sequences, 256 per step, modern stack, best parallelism;
 * - `llm-prefill`: Llama 3 70B in BF16, TP 8, one serving step prefilling 8 prompts of 4,096 tokens;
 * - `llm-decode`: Llama 3 70B in BF16, TP 8, one serving step decoding a token for each of up to
 *   64 sequences with 4,096 tokens of KV cache, as many sequences as the KV cache holds.
 * Both come from the serving model (`serving-cost.ts`), the one `plan serve` answers with.
 */
export const scuReferenceWorkloads = {
  'llm-train': { model: 'llama3-8b', seqLen: 4096, globalBatch: 256, accelerators: 8 },
  'llm-prefill': { model: 'llama3-70b', seqLen: 4096, prompts: 8, tp: 8 },
  'llm-decode': { model: 'llama3-70b', context: 4096, maxBatch: 64, tp: 8 },
} as const

function referenceNetwork(accelerator: Accelerator): JobNetwork {
  return defaultJobNetwork(
    accelerator,
    { count: 8, gbps: 400 },
    { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' },
  )
}

function trainTokensPerSecond(chip: Chip, net: JobNetwork): number {
  const w = scuReferenceWorkloads['llm-train']
  const shape = { ...modelPreset(w.model), seqLen: w.seqLen }
  try {
    const [best] = searchParallelism(
      shape,
      chip,
      net,
      { gpus: w.accelerators, globalBatch: w.globalBatch, cp: 1 },
      modernStack,
      1,
    )
    return best === undefined ? 0 : best.tokensPerSecond / w.accelerators
  } catch (error) {
    // The reference model does not fit on a node of this chip: it earns no SCU in this class.
    if (error instanceof ZhisuanError && error.code === 'invalid-input') {
      return 0
    }
    throw error
  }
}

/** The reference 70B replica of a node (BF16, TP 8 or the chip's domain), or null when it does not fit. */
function referenceReplica(chip: Chip, net: JobNetwork): Replica | null {
  const tp = Math.min(scuReferenceWorkloads['llm-prefill'].tp, net.domainGpus)
  try {
    return replicaOf(modelPreset(scuReferenceWorkloads['llm-prefill'].model), chip, net, tp, 'bf16')
  } catch (error) {
    if (error instanceof ZhisuanError && error.code === 'invalid-input') {
      return null
    }
    throw error
  }
}

/** Prompt tokens per second per accelerator: one step prefilling 8 prompts (the serving model). */
function prefillTokensPerSecond(replica: Replica | null): number {
  if (replica === null) {
    return 0
  }
  const w = scuReferenceWorkloads['llm-prefill']
  const tokens = w.prompts * w.seqLen
  const step = stepSeconds(replica, {
    decodeSeqs: 0,
    decodeContext: 0,
    prefillTokens: tokens,
    prefillContext: w.seqLen / 2,
  })
  return tokens / step.seconds / replica.tp
}

/** Output tokens per second per accelerator: one decode step of as many sequences as fit, ≤ 64. */
function decodeTokensPerSecond(replica: Replica | null): number {
  if (replica === null) {
    return 0
  }
  const w = scuReferenceWorkloads['llm-decode']
  const batch = Math.min(w.maxBatch, Math.floor(replica.kvCapacityTokens / w.context))
  if (batch < 1) {
    return 0
  }
  const step = stepSeconds(replica, {
    decodeSeqs: batch,
    decodeContext: w.context,
    prefillTokens: 0,
    prefillContext: 0,
  })
  return batch / step.seconds / replica.tp
}

/** Throughput per accelerator on each reference workload (tokens/s). */
export function referenceThroughput(accelerator: Accelerator): Record<WorkloadClass, number> {
  const chip = chipOf(accelerator)
  const net = referenceNetwork(accelerator)
  const replica = referenceReplica(chip, net)
  return {
    'llm-train': trainTokensPerSecond(chip, net),
    'llm-prefill': prefillTokensPerSecond(replica),
    'llm-decode': decodeTokensPerSecond(replica),
  }
}

/**
 * Standard compute units of one accelerator per workload class: its throughput on the class's
 * reference workload over an A100-SXM-80GB's, rounded to 0.01. Deterministic and derived only
 * from the catalog and this model, so it changes only when either does.
 * @throws ZhisuanError `not-found` when the catalog lacks the reference accelerator.
 */
export function standardComputeUnits(
  catalog: Catalog,
  accelerator: Accelerator,
): Record<WorkloadClass, number> {
  const reference = catalog.accelerators.find((a) => a.id === scuReferenceId)
  if (reference === undefined) {
    throw new ZhisuanError('not-found', `the catalog lacks the SCU reference ${scuReferenceId}`)
  }
  const base = referenceThroughput(reference)
  const mine = accelerator === reference ? base : referenceThroughput(accelerator)
  const ratio = (c: WorkloadClass) => Math.round((mine[c] / base[c]) * 100) / 100
  return {
    'llm-train': ratio('llm-train'),
    'llm-prefill': ratio('llm-prefill'),
    'llm-decode': ratio('llm-decode'),
  }
}
