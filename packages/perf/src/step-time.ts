import type { ModelShape } from './model-shape.js'
import type { Chip } from './hardware.js'
import { memorySeconds } from './hardware.js'
import { calibration } from './calibration.js'
import { allReduceSeconds, groupOf, p2pSeconds, reduceScatterSeconds } from './collectives.js'
import { expertExchangeSeconds } from './expert-exchange.js'
import { layerCost, logitForwardSeconds } from './layer-cost.js'
import { attentionWidths, type LayerKind } from './flops.js'
import type { JobNetwork } from './network.js'
import { microBatches, parallelSize, type Parallelism, type Software } from './parallelism.js'
import { expertDataParallel, paramsPerGpu, stageKinds } from './pipeline-layout.js'

/** Where one training step's time goes, s. Communication figures are the exposed parts. */
export interface StepBreakdown {
  /** Forward, backward and recomputation of every micro-batch on the slowest stage. */
  readonly computeS: number
  readonly tpCommS: number
  readonly cpCommS: number
  /** Expert all-to-all (dispatch and combine) not hidden behind compute. */
  readonly epCommS: number
  readonly ppCommS: number
  readonly dpCommS: number
  /** Pipeline fill and drain: (p − 1)/v stage times. */
  readonly bubbleS: number
  readonly optimizerS: number
  /** What slow hosts add to the synchronous part at this scale ({@link stragglerSlowdown}). */
  readonly stragglerS: number
  readonly stepTimeS: number
}

/**
 * Step time of one configuration. Stages run 1F1B (interleaved when v > 1): the step is
 * m micro-batches on the slowest stage (each stage charged the dense and MoE layers it holds, the
 * last also the output layer), plus the bubble (p−1)/v average stage times (Narayanan et al.),
 * plus exposed communication, slow hosts and the optimizer step.
 * TP collectives (2 per layer per pass) are exposed except `tpOverlap`; PP sends are exposed
 * (blocking in 1F1B steady state); DP gradient sync hides `dpOverlap` of itself behind compute.
 */
export function stepTime(
  shape: ModelShape,
  chip: Chip,
  net: JobNetwork,
  par: Parallelism,
  sw: Software,
): StepBreakdown {
  const m = microBatches(par)
  const passes = 2 + (sw.recompute === 'full' ? 1 : 0) // forward, backward (+ recomputed forward)
  const tpGroup = groupOf(net, par.tp, 1)
  // One layer of each kind: its compute, and the communication that is not hidden.
  const costOf = (kind: LayerKind) => {
    const layer = layerCost(shape, chip, par, sw, kind)
    const compute = layer.forwardS + layer.backwardS + layer.recomputeS
    const tp =
      par.tp > 1
        ? 2 * passes * allReduceSeconds(net, tpGroup, layer.tpCollectiveBytes) * (1 - sw.tpOverlap)
        : 0
    const cp = contextExchangeSeconds(shape, net, par, layer.attentionS)
    // Expert all-to-all, hidden behind compute as far as the schedule overlaps it.
    const exchange = expertExchangeSeconds(shape, chip, net, par, sw, layer)
    const ep = Math.max((1 - sw.epOverlap) * exchange, exchange - sw.epOverlap * compute)
    return { compute, tp, cp, ep }
  }
  const dense = costOf('dense')
  const moe = shape.moe === undefined ? dense : costOf('moe')
  const logits = 3 * logitForwardSeconds(shape, chip, par)
  // Each stage's time per micro-batch; the slowest sets the pace of the pipeline.
  const layout = stageKinds(shape, par)
  const stages = layout.map((kinds, k) => {
    const of = (pick: (c: typeof dense) => number) =>
      kinds.dense * pick(dense) + kinds.moe * pick(moe)
    const compute = of((c) => c.compute) + (k === par.pp - 1 ? logits : 0)
    const tp = of((c) => c.tp)
    const cp = of((c) => c.cp)
    const ep = of((c) => c.ep)
    return { compute, tp, cp, ep, total: compute + tp + cp + ep }
  })
  const slowest = stages.reduce((a, b) => (b.total > a.total ? b : a))
  const average = stages.reduce((sum, st) => sum + st.total, 0) / par.pp

  const bubbleS = ((par.pp - 1) / par.interleave) * average
  const ppCommS = par.pp > 1 ? m * 2 * par.interleave * pipelineSendSeconds(shape, net, par) : 0

  const params = paramsPerGpu(shape, par, layout)
  const expertDp = expertDataParallel(par)
  const dpFull =
    dataParallelSeconds(net, par.dp, par.tp * par.cp, sw, params.dense) +
    dataParallelSeconds(net, expertDp, par.ep, sw, params.routed)
  const computeS = m * slowest.compute
  const dpCommS = Math.max((1 - sw.dpOverlap) * dpFull, dpFull - computeS)
  const optimizerS = memorySeconds(
    chip,
    calibration.optimizerBytesPerParam *
      (sw.zero >= 1
        ? params.dense / par.dp + params.routed / expertDp
        : params.dense + params.routed),
  )

  const tpCommS = m * slowest.tp
  const cpCommS = m * slowest.cp
  const epCommS = m * slowest.ep
  const synchronous = computeS + tpCommS + cpCommS + epCommS + bubbleS + ppCommS
  const stragglerS = synchronous * stragglerSlowdown(parallelSize(par) / net.gpusPerNode)
  const stepTimeS = synchronous + stragglerS + dpCommS + optimizerS
  return {
    computeS,
    tpCommS,
    cpCommS,
    epCommS,
    ppCommS,
    dpCommS,
    bubbleS,
    optimizerS,
    stragglerS,
    stepTimeS,
  }
}

/**
 * Data-parallel synchronisation of one step over a group of `size` replicas `stride` ranks apart,
 * before overlap: gradients in the stack's precision
 * all-reduced (ZeRO-0), or reduce-scattered and the updated BF16 parameters all-gathered
 * (ZeRO-1/2, Megatron-LM's distributed optimizer), and gathered once more for the backward pass
 * (ZeRO-3).
 */
export function dataParallelSeconds(
  net: JobNetwork,
  size: number,
  stride: number,
  sw: Software,
  params: number,
): number {
  const group = groupOf(net, size, stride)
  const gradients = sw.gradientBytes * params
  if (sw.zero === 0) {
    return allReduceSeconds(net, group, gradients)
  }
  const gathers = sw.zero === 3 ? 2 : 1
  return (
    reduceScatterSeconds(net, group, gradients) +
    gathers * reduceScatterSeconds(net, group, 2 * params)
  )
}

/**
 * Expected slowdown of a synchronous job on `nodes` nodes from slow hosts: each node is one with
 * probability `calibration.stragglerNodeShare`, and a job that has one runs
 * `calibration.stragglerSlowdown` slower (MegaScale, paper-tables.md §2.5).
 */
export function stragglerSlowdown(nodes: number): number {
  const clean = (1 - calibration.stragglerNodeShare) ** Math.max(1, nodes)
  return calibration.stragglerSlowdown * (1 - clean)
}

/** One pipeline send: a micro-batch's activations (split over TP by scatter/gather). */
function pipelineSendSeconds(shape: ModelShape, net: JobNetwork, par: Parallelism): number {
  const bytes = (2 * par.microBatch * (shape.seqLen / par.cp) * shape.hidden) / par.tp
  const stride = par.tp * par.cp * par.dp
  const sameDomain = stride * 2 <= net.domainGpus
  return p2pSeconds(net, sameDomain, Math.ceil((2 * stride) / net.domainGpus), bytes)
}

/**
 * Context parallelism exchanges keys and values around the CP ring (an all-gather forward,
 * a reduce-scatter of their gradients backward), hidden behind attention compute where it can be.
 */
function contextExchangeSeconds(
  shape: ModelShape,
  net: JobNetwork,
  par: Parallelism,
  attentionS: number,
): number {
  if (par.cp <= 1) {
    return 0
  }
  const tokens = (par.microBatch * shape.seqLen) / par.cp
  const w = attentionWidths(shape)
  const kvBytes = (2 * tokens * (w.k + w.v) * par.cp) / par.tp
  const group = groupOf(net, par.cp, par.tp)
  const forward = reduceScatterSeconds(net, group, kvBytes)
  return Math.max(0, forward - attentionS) + Math.max(0, 2 * forward - 2 * attentionS)
}
