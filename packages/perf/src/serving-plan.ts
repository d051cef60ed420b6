import { ZhisuanError, type Accelerator } from '@zhisuan/domain'
import { chipOf, type Chip } from './hardware.js'
import { defaultJobNetwork } from './job-network.js'
import type { ModelShape } from './model-shape.js'
import type { JobNetwork } from './network.js'
import { formatProblem, replicaOf, servingDefaults, type ServingPrecision } from './serving-cost.js'
import {
  defaultEngineLimits,
  maxRate,
  replicaLoad,
  type EngineLimits,
  type Quantiles,
  type ServingSlo,
  type ServingWorkload,
} from './serving-load.js'

/** What `plan serve` is asked. */
export interface ServeInput {
  readonly shape: ModelShape
  readonly accelerator: Accelerator
  /** The scale-up domain replicas live in; default: the chip's standard node. */
  readonly net?: JobNetwork
  readonly precision: ServingPrecision
  /** Tensor parallel size; searched over powers of two within the scale-up domain when absent. */
  readonly tp?: number
  readonly workload: ServingWorkload
  /** Requests per second to carry; absent: the most one replica carries within the SLO. */
  readonly rate?: number
  readonly slo: ServingSlo
  readonly limits?: EngineLimits
  readonly memoryFraction?: number
  readonly pricePerAcceleratorHour: number
}

/** One tensor-parallel size tried. */
export interface ServeOption {
  readonly tp: number
  /** Most requests/s one replica carries within the SLO; 0 when it cannot. */
  readonly maxRatePerReplica: number
  readonly replicas: number
  readonly accelerators: number
  readonly tokensPerSecondPerAccelerator: number
  /** Why this size cannot serve, when it cannot. */
  readonly reason?: string
}

/** The answer of `plan serve`. */
export interface ServePlan {
  readonly model: string
  readonly chip: string
  readonly precision: ServingPrecision
  readonly tp: number
  readonly replicas: number
  readonly accelerators: number
  /** Requests per second planned for (the rate asked, or one replica's most). */
  readonly rate: number
  readonly ratePerReplica: number
  readonly maxRatePerReplica: number
  /** Output (generated) tokens per second per accelerator at the planned load. */
  readonly tokensPerSecondPerAccelerator: number
  readonly ttftS: Quantiles
  readonly tpotS: Quantiles
  /** Sequences decoding at once on a replica: mean, 99th percentile, most that fit. */
  readonly decodeSeqs: { readonly mean: number; readonly p99: number; readonly max: number }
  readonly weightsGBPerAccelerator: number
  readonly kvCacheTokens: number
  /** US dollars per million output tokens at the planned load. */
  readonly costPerMillionTokens: number
  readonly pricePerAcceleratorHour: number
  readonly alternatives: readonly ServeOption[]
  /** The efficiency figures the answer rests on that are only estimated (chip and stack). */
  readonly estimates: readonly string[]
}

/** Tensor-parallel sizes worth trying: powers of two in the domain that divide the heads. */
function tpCandidates(shape: ModelShape, net: JobNetwork): number[] {
  const sizes: number[] = []
  for (let tp = 1; tp <= Math.min(net.domainGpus, 64); tp *= 2) {
    if (shape.heads % tp === 0) {
      sizes.push(tp)
    }
  }
  return sizes
}

/** A tensor-parallel size that cannot serve, and why. */
const refused = (tp: number, reason: string): ServeOption => ({
  tp,
  maxRatePerReplica: 0,
  replicas: 0,
  accelerators: 0,
  tokensPerSecondPerAccelerator: 0,
  reason,
})

function checkInput(input: ServeInput): void {
  const { workload, rate, slo } = input
  const positive = (field: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new ZhisuanError('invalid-input', `${field} must be a positive number, got ${v}`)
    }
  }
  positive('input-tokens', workload.input.mean)
  positive('output-tokens', workload.output.mean)
  positive('rate', rate)
  positive('slo-ttft', slo.ttftP99S)
  positive('slo-tpot', slo.tpotP99S)
  positive('price', input.pricePerAcceleratorHour)
  const context = workload.input.p99 + workload.output.p99
  if (context > input.shape.seqLen * 32) {
    throw new ZhisuanError(
      'invalid-input',
      `input-tokens + output-tokens: ${context} tokens is far beyond ${input.shape.name}'s context`,
    )
  }
}

/**
 * Plans a model service on one chip: for each tensor-parallel size (or the one asked), the
 * most requests one replica carries within the SLO; then the replicas the rate needs, on the
 * size that needs the fewest accelerators (without a rate: the size with the most output
 * tokens per accelerator), and its latencies at the load each replica then carries.
 * @throws ZhisuanError `invalid-input` naming the option when no size can serve.
 */
export function planServing(input: ServeInput): ServePlan {
  checkInput(input)
  const chip: Chip = chipOf(input.accelerator)
  const unsupported = formatProblem(chip, input.precision)
  if (unsupported !== undefined) {
    throw new ZhisuanError('invalid-input', `precision: ${unsupported}`)
  }
  const net =
    input.net ??
    defaultJobNetwork(
      input.accelerator,
      { count: 8, gbps: 400 },
      { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' },
    )
  const limits = input.limits ?? defaultEngineLimits
  const settings = {
    memoryFraction: input.memoryFraction ?? servingDefaults.memoryFraction,
    chunkTokens: limits.chunkTokens,
  }
  const sizes = input.tp === undefined ? tpCandidates(input.shape, net) : [input.tp]
  const output = input.workload.output.mean
  const options: (ServeOption & { replica?: ReturnType<typeof replicaOf> })[] = sizes.map((tp) => {
    let replica
    try {
      replica = replicaOf(input.shape, chip, net, tp, input.precision, settings)
    } catch (error) {
      if (error instanceof ZhisuanError && error.code === 'invalid-input') {
        const reason = error.message.replace(/^(tp|precision): /, '')
        return refused(tp, reason)
      }
      throw error
    }
    const best = maxRate(replica, input.workload, input.slo, limits)
    if ('miss' in best) {
      return { ...refused(tp, best.miss), replica }
    }
    const replicas = input.rate === undefined ? 1 : Math.ceil(input.rate / best.rate)
    const rate = input.rate ?? best.rate
    return {
      tp,
      maxRatePerReplica: best.rate,
      replicas,
      accelerators: replicas * tp,
      tokensPerSecondPerAccelerator: (rate * output) / (replicas * tp),
      replica,
    }
  })
  const viable = options.filter((o) => o.reason === undefined)
  const [chosen] = [...viable].sort((a, b) =>
    input.rate === undefined
      ? b.tokensPerSecondPerAccelerator - a.tokensPerSecondPerAccelerator || a.tp - b.tp
      : a.accelerators - b.accelerators || a.tp - b.tp,
  )
  if (chosen?.replica === undefined) {
    const why = options.map((o) => `TP ${o.tp}: ${o.reason ?? 'no plan'}`).join('; ')
    const field = input.tp !== undefined ? 'tp' : 'slo'
    throw new ZhisuanError(
      'invalid-input',
      `${field}: ${input.shape.name} in ${input.precision} on ${chip.id} cannot meet the request — ${why}`,
    )
  }
  const rate = input.rate ?? chosen.maxRatePerReplica
  const perReplica = rate / chosen.replicas
  const load = replicaLoad(chosen.replica, input.workload, perReplica, limits)
  if ('overloaded' in load) {
    throw new ZhisuanError('internal', `the chosen plan is overloaded: ${load.overloaded}`)
  }
  const tokensPerSecond = rate * output
  return {
    model: input.shape.name,
    chip: chip.id,
    precision: input.precision,
    tp: chosen.tp,
    replicas: chosen.replicas,
    accelerators: chosen.accelerators,
    rate,
    ratePerReplica: perReplica,
    maxRatePerReplica: chosen.maxRatePerReplica,
    tokensPerSecondPerAccelerator: tokensPerSecond / chosen.accelerators,
    ttftS: load.ttftS,
    tpotS: load.tpotS,
    decodeSeqs: load.decodeSeqs,
    weightsGBPerAccelerator: chosen.replica.weightBytesPerGpu / 1e9,
    kvCacheTokens: chosen.replica.kvCapacityTokens,
    costPerMillionTokens:
      ((chosen.accelerators * input.pricePerAcceleratorHour) / 3600 / tokensPerSecond) * 1e6,
    pricePerAcceleratorHour: input.pricePerAcceleratorHour,
    alternatives: options.map((o): ServeOption => ({
      tp: o.tp,
      maxRatePerReplica: o.maxRatePerReplica,
      replicas: o.replicas,
      accelerators: o.accelerators,
      tokensPerSecondPerAccelerator: o.tokensPerSecondPerAccelerator,
      ...(o.reason === undefined ? {} : { reason: o.reason }),
    })),
    estimates: chip.estimates,
  }
}
