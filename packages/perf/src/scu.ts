import { ZhisuanError, type Accelerator, type Catalog } from '@zhisuan/domain'
import { allReduceSeconds, groupOf } from './collectives.js'
import { kvWidth, parameterCount } from './flops.js'
import { chipMatmulEfficiency, chipOf, memorySeconds, type Chip } from './hardware.js'
import { layerCost } from './layer-cost.js'
import { usableMemoryGB } from './memory.js'
import { modelPreset } from './model-shape.js'
import { defaultJobNetwork } from './job-network.js'
import type { JobNetwork } from './network.js'
import { modernStack } from './parallelism.js'
import { searchParallelism } from './search.js'

/** Workload classes that quotas and billing count in. */
export type WorkloadClass = 'llm-train' | 'llm-prefill' | 'llm-decode'
export const workloadClasses: readonly WorkloadClass[] = ['llm-train', 'llm-prefill', 'llm-decode']

/** The accelerator every SCU is relative to: 1 SCU = one A100-SXM-80GB on the reference workload. */
export const scuReferenceId = 'nvidia-a100-sxm-80gb'

/**
 * The reference workloads, each run on one node of 8 accelerators with 8 × 400 Gb/s NICs:
 * - `llm-train`: Llama 3 8B, 4,096-token sequences, 256 per step, modern stack, best parallelism;
 * - `llm-prefill`: Llama 3 70B forward over 8 prompts of 4,096 tokens, TP 8;
 * - `llm-decode`: Llama 3 70B, TP 8, one token for each of up to 64 sequences with 4,096 tokens of
 *   KV cache (bf16), as many sequences as memory holds.
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

function prefillTokensPerSecond(chip: Chip, net: JobNetwork): number {
  const w = scuReferenceWorkloads['llm-prefill']
  const shape = { ...modelPreset(w.model), seqLen: w.seqLen }
  const tp = Math.min(w.tp, net.domainGpus)
  const par = {
    tp,
    pp: 1,
    dp: 1,
    cp: 1,
    ep: 1,
    microBatch: w.prompts,
    globalBatch: w.prompts,
    interleave: 1,
  }
  const layer = layerCost(shape, chip, par, { ...modernStack, recompute: 'none' })
  const tpComm = 2 * allReduceSeconds(net, groupOf(net, tp, 1), layer.tpCollectiveBytes)
  const seconds = shape.layers * (layer.forwardS + tpComm)
  return (w.prompts * w.seqLen) / seconds / tp
}

function decodeTokensPerSecond(chip: Chip, net: JobNetwork): number {
  const w = scuReferenceWorkloads['llm-decode']
  const shape = modelPreset(w.model)
  const tp = Math.min(w.tp, net.domainGpus)
  const weightBytes = (2 * parameterCount(shape)) / tp
  const kvBytesPerSequence = (w.context * shape.layers * 2 * kvWidth(shape) * 2) / tp
  const room = usableMemoryGB(chip.memoryGB) * 1e9 - weightBytes
  const batch = Math.min(w.maxBatch, Math.floor(room / kvBytesPerSequence))
  if (batch < 1) {
    return 0
  }
  // Roofline: stream the weights and the KV cache once per token, or compute, whichever is longer.
  const memory = memorySeconds(chip, weightBytes + batch * kvBytesPerSequence)
  const compute =
    (2 * parameterCount(shape) * batch) /
    tp /
    (chip.peakTflops * 1e12 * chipMatmulEfficiency(chip, batch))
  const tpComm =
    2 * shape.layers * allReduceSeconds(net, groupOf(net, tp, 1), 2 * batch * shape.hidden)
  return batch / (Math.max(memory, compute) + tpComm) / tp
}

/** Throughput per accelerator on each reference workload (tokens/s). */
export function referenceThroughput(accelerator: Accelerator): Record<WorkloadClass, number> {
  const chip = chipOf(accelerator)
  const net = referenceNetwork(accelerator)
  return {
    'llm-train': trainTokensPerSecond(chip, net),
    'llm-prefill': prefillTokensPerSecond(chip, net),
    'llm-decode': decodeTokensPerSecond(chip, net),
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
