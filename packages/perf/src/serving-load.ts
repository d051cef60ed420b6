import { ZhisuanError } from '@zhisuan/domain'
import { servingDefaults, stepSeconds, type Replica } from './serving-cost.js'

/** Token counts of a request population: mean, median, 99th percentile and coefficient of variation. */
export interface LengthStats {
  readonly mean: number
  readonly p50: number
  readonly p99: number
  readonly cv: number
}

/** Every request the same length (benchmark tables: "input 1,024, output 128"). */
export function fixedLength(tokens: number): LengthStats {
  return { mean: tokens, p50: tokens, p99: tokens, cv: 0 }
}

/**
 * The lengths of a sample (a trace's prompt or output tokens).
 * @throws ZhisuanError `invalid-input` for an empty sample.
 */
export function lengthStats(values: readonly number[]): LengthStats {
  if (values.length === 0) {
    throw new ZhisuanError('invalid-input', 'no request lengths to describe')
  }
  const sorted = [...values].sort((a, b) => a - b)
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / sorted.length
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { mean, p50: at(0.5), p99: at(0.99), cv: mean > 0 ? Math.sqrt(variance) / mean : 0 }
}

/** What requests ask for: prompt (input) and generated (output) tokens. */
export interface ServingWorkload {
  readonly input: LengthStats
  readonly output: LengthStats
}

/**
 * The engine's limits: most sequences decoded together, most tokens in one step, and how it
 * admits a sequence: `on-demand` takes KV blocks as the sequence grows and preempts when they
 * run out (vLLM), `reserve` admits only when its whole prompt and output fit (TensorRT-LLM's
 * default `GUARANTEED_NO_EVICT` capacity policy).
 */
export interface EngineLimits {
  readonly maxSeqs: number
  readonly chunkTokens: number
  readonly admission: 'on-demand' | 'reserve'
}

export const defaultEngineLimits: EngineLimits = {
  maxSeqs: servingDefaults.maxSeqs,
  chunkTokens: servingDefaults.chunkTokens,
  admission: 'on-demand',
}

/** Latency quantiles, seconds. */
export interface Quantiles {
  readonly p50: number
  readonly p99: number
}

/** A replica under a Poisson request stream, in steady state. */
export interface ReplicaLoad {
  readonly rate: number
  /** Mean step time, s. */
  readonly stepS: number
  /** Sequences decoding at once: mean, 99th percentile, and the most that fit. */
  readonly decodeSeqs: { readonly mean: number; readonly p99: number; readonly max: number }
  /** Share of the prompt-token budget of the steps that prefill uses. */
  readonly prefillUtilization: number
  readonly ttftS: Quantiles
  readonly tpotS: Quantiles
  /** Output tokens per second. */
  readonly outputTokensPerSecond: number
}

/** Why a replica cannot carry a load, when it cannot. */
export type Overload = { readonly overloaded: string }

/** Most sequences a replica decodes at once: its KV cache over a sequence's mean footprint, or the engine's cap. */
export function maxDecodeSeqs(r: Replica, w: ServingWorkload, limits: EngineLimits): number {
  // on demand, a sequence holds its prompt and, on average, half its output; reserved, all of
  // it; either way plus half a block of waste
  const output = limits.admission === 'reserve' ? w.output.mean : w.output.mean / 2
  const footprint = w.input.mean + output + servingDefaults.blockTokens / 2
  return Math.max(0, Math.min(limits.maxSeqs, Math.floor(r.kvCapacityTokens / footprint)))
}

/**
 * Upper quantile of a Poisson count with mean `mean` (the number of requests decoding at once
 * under Poisson arrivals: an M/G/∞ system): exact below a mean of 50, normal beyond.
 */
export function poissonQuantile(mean: number, q: number): number {
  if (mean <= 0) {
    return 0
  }
  if (mean > 50) {
    // Acklam-free normal quantile for the two levels used, else a bisection on the normal CDF
    const z = q >= 0.99 ? 2.326 : q >= 0.5 ? 0 : -2.326
    return Math.max(0, Math.ceil(mean + z * Math.sqrt(mean)))
  }
  let k = 0
  let term = Math.exp(-mean)
  let cumulative = term
  while (cumulative < q) {
    k += 1
    term *= mean / k
    cumulative += term
  }
  return k
}

/** The `q` quantile of an M/G/1 wait: an atom at 0 and an exponential tail of mean `mean/ρ`. */
function waitQuantile(meanWait: number, rho: number, q: number): number {
  if (rho <= 1 - q || meanWait <= 0) {
    return 0
  }
  return (meanWait / rho) * Math.log(rho / (1 - q))
}

/**
 * A replica's steady state at `rate` requests per second (Poisson arrivals), with continuous
 * batching and chunked prefill: each step decodes one token for every running sequence and
 * prefills prompt tokens alongside. The step time is the fixed point of
 * T = step(λ·(O−1)·T decoding, λ·I·T prompt tokens). Decoding sequences are Poisson (M/G/∞), so
 * TPOT p99 is the step at their 99th percentile. TTFT is a wait in an M/G/1 queue of prompts
 * (served at the step budget left by decoding; Pollaczek–Khinchine mean, exponential tail) plus
 * the remainder of the current step and the prompt's own chunks; quantiles of the parts are
 * added, an upper bound. Returns why not when the replica cannot carry the load.
 */
export function replicaLoad(
  r: Replica,
  w: ServingWorkload,
  rate: number,
  limits: EngineLimits = defaultEngineLimits,
): ReplicaLoad | Overload {
  const max = maxDecodeSeqs(r, w, limits)
  const decodeSteps = Math.max(0, w.output.mean - 1)
  const context = w.input.mean + w.output.mean / 2
  const step = (seqs: number, prompt: number, promptContext = w.input.mean / 2) =>
    stepSeconds(r, {
      decodeSeqs: seqs,
      decodeContext: context,
      prefillTokens: prompt,
      prefillContext: promptContext,
    }).seconds
  let t = step(0, Math.max(1, w.input.mean))
  for (let i = 0; i < 200; i += 1) {
    const next = step(rate * decodeSteps * t, rate * w.input.mean * t)
    const done = Math.abs(next - t) <= 1e-12 * next
    t = next
    if (done || rate * decodeSteps * t > max) {
      break
    }
  }
  const mean = rate * decodeSteps * t
  const p99 = poissonQuantile(mean, 0.99)
  if (max < 1 || p99 > max) {
    return {
      overloaded: `${p99} sequences decoding at the 99th percentile, more than the ${max} that fit (KV cache ${r.kvCapacityTokens} tokens, max-seqs ${limits.maxSeqs})`,
    }
  }
  const budget = limits.chunkTokens - mean
  const fullStep = step(mean, budget)
  const prefillRate = budget / fullStep
  const rho = (rate * w.input.mean) / prefillRate
  if (!(budget > 0) || rho >= 1) {
    return {
      overloaded: `prompts need ${(rho * 100).toFixed(0)}% of the ${limits.chunkTokens}-token step budget left by decoding`,
    }
  }
  const service = w.input.mean / prefillRate
  const meanWait = (rate * service * service * (1 + w.input.cv ** 2)) / (2 * (1 - rho))
  // the prompt's own chunks: whole-budget steps, then one step with what is left
  const own = (tokens: number) => {
    const chunks = Math.max(1, Math.ceil(tokens / budget))
    const rest = tokens - (chunks - 1) * budget
    return (chunks - 1) * fullStep + step(mean, rest, tokens / 2)
  }
  const tpot = { p50: step(mean, rate * w.input.mean * t), p99: step(p99, rate * w.input.mean * t) }
  return {
    rate,
    stepS: t,
    decodeSeqs: { mean, p99, max },
    prefillUtilization: rho,
    ttftS: {
      p50: waitQuantile(meanWait, rho, 0.5) + t / 2 + own(w.input.p50),
      p99: waitQuantile(meanWait, rho, 0.99) + t + own(w.input.p99),
    },
    tpotS: w.output.mean > 1 ? tpot : { p50: 0, p99: 0 },
    outputTokensPerSecond: rate * w.output.mean,
  }
}

/** Latency targets on the 99th percentile, seconds; absent: no target. */
export interface ServingSlo {
  readonly ttftP99S?: number
  readonly tpotP99S?: number
}

/** Why a load misses the SLO, or undefined when it meets it. */
export function sloMiss(load: ReplicaLoad | Overload, slo: ServingSlo): string | undefined {
  if ('overloaded' in load) {
    return load.overloaded
  }
  if (slo.ttftP99S !== undefined && load.ttftS.p99 > slo.ttftP99S) {
    return `TTFT p99 ${load.ttftS.p99.toFixed(3)} s > ${slo.ttftP99S} s`
  }
  if (slo.tpotP99S !== undefined && load.tpotS.p99 > slo.tpotP99S) {
    return `TPOT p99 ${(load.tpotS.p99 * 1000).toFixed(1)} ms > ${slo.tpotP99S * 1000} ms`
  }
  return undefined
}

/**
 * The highest request rate one replica carries within the SLO (bisection: latency never falls
 * as load rises), with its load; or, when even a trickle misses, why.
 */
export function maxRate(
  r: Replica,
  w: ServingWorkload,
  slo: ServingSlo,
  limits: EngineLimits = defaultEngineLimits,
): { rate: number; load: ReplicaLoad } | { rate: 0; miss: string } {
  const at = (rate: number) => replicaLoad(r, w, rate, limits)
  const trickle = 1e-6
  const first = sloMiss(at(trickle), slo)
  if (first !== undefined) {
    return { rate: 0, miss: `even one request at a time: ${first}` }
  }
  let lo = trickle
  let hi = 1
  while (sloMiss(at(hi), slo) === undefined) {
    lo = hi
    hi *= 2
    if (hi > 1e7) {
      break
    }
  }
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i += 1) {
    const mid = (lo + hi) / 2
    if (sloMiss(at(mid), slo) === undefined) {
      lo = mid
    } else {
      hi = mid
    }
  }
  const load = at(lo)
  if ('overloaded' in load) {
    return { rate: 0, miss: load.overloaded }
  }
  return { rate: lo, load }
}

/**
 * Output tokens per second of a replica kept full (MLPerf's Offline scenario): as many
 * sequences decode as fit, with prompts prefilled alongside at the rate they finish.
 */
export function saturatedThroughput(
  r: Replica,
  w: ServingWorkload,
  limits: EngineLimits = defaultEngineLimits,
): number {
  const seqs = maxDecodeSeqs(r, w, limits)
  if (seqs < 1) {
    return 0
  }
  const decodeSteps = Math.max(1, w.output.mean - 1)
  // each step finishes seqs/decodeSteps requests, whose prompts ride along
  const t = stepSeconds(r, {
    decodeSeqs: seqs,
    decodeContext: w.input.mean + w.output.mean / 2,
    prefillTokens: (seqs / decodeSteps) * w.input.mean,
    prefillContext: w.input.mean / 2,
  }).seconds
  return ((seqs / decodeSteps) * w.output.mean) / t
}

/**
 * The request lengths of Azure's production conversation service (one hour, 19,366 requests,
 * data/traces/azure-llm-2023, CC BY 4.0): what the control plane sizes a service's replicas for
 * when it is told nothing about its traffic.
 */
export const azureConversationWorkload: ServingWorkload = {
  input: { mean: 1154.7, p50: 1020, p99: 4142, cv: 0.96 },
  output: { mean: 211.1, p50: 129, p99: 601, cv: 0.771 },
}
