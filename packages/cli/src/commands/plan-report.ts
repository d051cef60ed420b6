import type { PlanResult } from '@zhisuan/perf'
import { priceBasis } from '../cost.js'
import {
  formatCount,
  formatFixed,
  formatNumber,
  formatPercent,
  formatScaled,
  formatUsd,
} from '../numbers.js'
import { table, tableWidth } from '../table.js'
import { displayWidth, wrapWords } from '../text-width.js'
import type { PlanFlags } from './plan-input.js'

const labelWidth = 13

/**
 * A labelled line of the plan: its parts joined by " · ", broken between parts (or, for a part
 * longer than a line, between words) so that no line passes {@link tableWidth} columns.
 */
function section(label: string, parts: readonly string[]): string {
  const indent = ' '.repeat(labelWidth)
  const lines: string[] = []
  let line = label.padEnd(labelWidth)
  let empty = true
  for (const part of parts) {
    const joined = empty ? `${line}${part}` : `${line} · ${part}`
    if (empty || displayWidth(joined) <= tableWidth) {
      line = joined
    } else {
      lines.push(line)
      line = `${indent}${part}`
    }
    empty = false
  }
  lines.push(line)
  return lines.map((l) => wrapWords(l, tableWidth, indent)).join('\n')
}

const seconds = (s: number, decimals = 1) => `${formatFixed(s, decimals)} s`
const gb = (x: number) => `${formatFixed(x, 1)} GB`

/** Where a default came from, or that a flag set it. */
const origin = (given: string | undefined, flag: string, source: string) =>
  given === undefined ? `(default: ${source}; ${flag} sets it)` : `(${flag})`

function stepTable(plan: PlanResult): string {
  const b = plan.breakdown
  const rows: [string, number][] = [
    ['compute', b.computeS],
    ['TP communication (exposed)', b.tpCommS],
    ['CP communication (exposed)', b.cpCommS],
    ['EP all-to-all (exposed)', b.epCommS],
    ['PP communication', b.ppCommS],
    ['DP communication (exposed)', b.dpCommS],
    ['pipeline bubble', b.bubbleS],
    ['optimizer step', b.optimizerS],
    ['slow hosts (expected)', b.stragglerS],
  ]
  return table(
    ['step time', 'time', 'share'],
    rows.map(([name, s]) => [
      name,
      `${formatNumber(Number(s.toFixed(3)))} s`,
      formatPercent(s / plan.stepTimeS),
    ]),
  )
}

function checkpointSection(plan: PlanResult): string {
  const c = plan.checkpoint
  const saves = Object.entries(c.saveSeconds)
    .map(([tier, s]) => `${tier} ${seconds(s)}`)
    .join(', ')
  return section('checkpoint', [
    `${formatFixed(c.sizeTB, 2)} TB`,
    `save: ${saves}`,
    `stall ${seconds(c.stallSeconds)}`,
    c.intervalMinutes === null
      ? 'no failures, no interval needed'
      : `every ${formatFixed(c.intervalMinutes, 0)} min (Young/Daly)`,
    `restart ${formatFixed(c.restartMinutes, 1)} min`,
    `a one-minute checkpoint needs ${formatCount(c.oneMinuteWriteGBs)} GB/s of aggregate write`,
  ])
}

function timeAndCost(plan: PlanResult, flags: PlanFlags): string[] {
  const tokens = section('tokens', [
    `${formatScaled(plan.tokens)} ${origin(flags.tokens, '--tokens', '20 per parameter, Chinchilla-optimal, Hoffmann et al. 2022')}`,
  ])
  if (plan.daysToTrain === null || plan.acceleratorHours === null || plan.cost.total === null) {
    return [tokens, section('time & cost', ['never (ETTR 0: failures outpace checkpoints)'])]
  }
  return [
    tokens,
    section('time & cost', [
      `${formatFixed(plan.daysToTrain, 1)} days`,
      `${formatCount(plan.acceleratorHours)} accelerator-hours`,
      `cost ${formatUsd(plan.cost.total)} ${priceBasis(plan.cost.pricePerAcceleratorHour, flags.price !== undefined)}`,
    ]),
  ]
}

/** `zhisuan plan`'s answer for people: every figure with its unit, each default with its source. */
export function describePlan(plan: PlanResult, flags: PlanFlags): string {
  const p = plan.parallelism
  const r = plan.reliability
  const m = plan.memory
  const lines = [
    `${plan.model.name} (${formatScaled(plan.model.params)} parameters) on ${formatCount(plan.gpus)} × ${plan.accelerator}`,
    section('parallelism', [
      `TP ${p.tp}`,
      `PP ${p.pp}`,
      `DP ${formatCount(p.dp)}`,
      `CP ${p.cp}`,
      ...(p.ep > 1 ? [`EP ${p.ep}`] : []),
      `micro-batch ${p.microBatch}`,
      `global batch ${formatCount(p.globalBatch)} sequences`,
      `interleave ${p.interleave}`,
      `recompute ${plan.recompute}`,
    ]),
    section('throughput', [
      `step ${seconds(plan.stepTimeS, 2)}`,
      `${formatCount(plan.tokensPerSecond)} tokens/s`,
      `${formatCount(plan.modelTflopsPerGpu)} model TFLOP/s per accelerator`,
      `MFU ${formatPercent(plan.mfu)}`,
      `HFU ${formatPercent(plan.hfu)}`,
      `comm share ${formatPercent(plan.commShare)}`,
    ]),
    section('memory', [
      `${gb(plan.memoryPerGpuGB)} per accelerator (weights ${gb(m.weightsGB)}, gradients ${gb(m.gradientsGB)}, optimizer ${gb(m.optimizerGB)}, activations ${gb(m.activationsGB)})`,
      // Stages are numbered from 0, as the refusal and Megatron's pipeline ranks are.
      `fullest: stage ${m.stage}, holding ${formatCount(m.layerMicroBatches)} layer-micro-batches`,
      ...(plan.normsKeep === 'output' ? ['norms keep their output only'] : []),
    ]),
    section('efficiency', [
      `${plan.efficiency.stack} (${plan.efficiency.collectives})`,
      `kernels at ${formatPercent(plan.efficiency.kernelFactor)} of the calibrated efficiency (measured best GEMM × stack maturity)`,
      plan.efficiency.estimates.length === 0
        ? 'all measured or published'
        : `estimates: ${plan.efficiency.estimates.join(', ')}`,
    ]),
    section('network', [
      `${formatFixed(plan.network.nicGBsPerGpu, 1)} GB/s NIC per accelerator`,
      `loss rate ${plan.network.lossRate} (${plan.network.retransmission}) → goodput ${formatPercent(plan.network.goodput)}`,
    ]),
    stepTable(plan),
    checkpointSection(plan),
    section('reliability', [
      `${r.failuresPer1000PerDay} failures per 1,000 accelerators per day ${origin(flags.failureRate, '--failure-rate', "the industry level, near Llama 3 405B's 0.47")}`,
      r.mtbfHours === null ? 'no failures' : `job MTBF ${formatFixed(r.mtbfHours, 1)} h`,
      `ETTR ${formatPercent(r.ettr)}`,
    ]),
    ...timeAndCost(plan, flags),
  ]
  if (plan.alternatives.length > 0) {
    lines.push(
      table(
        ['alternative', 'tokens/s', 'MFU'],
        plan.alternatives.map((a) => {
          const q = a.parallelism
          return [
            `TP ${q.tp} PP ${q.pp} DP ${q.dp} CP ${q.cp}${q.ep > 1 ? ` EP ${q.ep}` : ''} mb ${q.microBatch} interleave ${q.interleave} ${a.recompute}`,
            formatCount(a.tokensPerSecond),
            formatPercent(a.mfu),
          ]
        }),
      ),
    )
  }
  return lines.join('\n')
}

const signed = (x: number, text: string) => `${x > 0 ? '+' : ''}${text}`

/** The `--compare-nics` table: one row per network, with its change against the first. */
export function describeComparison(
  rows: readonly ReturnType<typeof comparison>[number][],
  plans: readonly PlanResult[],
  flags: PlanFlags,
): string {
  const price = plans[0]?.cost.pricePerAcceleratorHour ?? 0
  const best = plans.map((p, i) => {
    const q = p.parallelism
    return `  ${rows[i]?.nics ?? ''}: TP ${q.tp} · PP ${q.pp} · DP ${formatCount(q.dp)} · CP ${q.cp}`
  })
  return [
    table(
      ['NICs', 'step', 'comm share', 'MFU', 'time', 'cost', 'Δ step', 'Δ MFU', 'Δ cost'],
      rows.map((r) => [
        r.nics,
        seconds(r.stepTimeS, 2),
        formatPercent(r.commShare),
        formatPercent(r.mfu),
        r.daysToTrain === null ? 'never' : `${formatFixed(r.daysToTrain, 1)} days`,
        r.cost === null ? '—' : formatUsd(r.cost),
        r.stepTimeChange === null ? '—' : signed(r.stepTimeChange, formatPercent(r.stepTimeChange)),
        `${signed(r.mfuChange, formatFixed(r.mfuChange * 100, 1))} pt`,
        r.costChange === null ? '—' : signed(r.costChange, formatPercent(r.costChange)),
      ]),
    ),
    wrapWords(`cost: ${priceBasis(price, flags.price !== undefined)}`, tableWidth),
    'each network is planned on its own, with its best parallelism:',
    ...best,
  ].join('\n')
}

/** One row per network in `--compare-nics`, with the change against the first. */
export function comparison(plans: readonly PlanResult[], labels: readonly string[]) {
  const first = plans[0]
  const change = (x: number | null | undefined, base: number | null | undefined) =>
    x === null || x === undefined || base === null || base === undefined || base === 0
      ? null
      : x / base - 1
  return plans.map((plan, i) => ({
    nics: labels[i] ?? '',
    stepTimeS: plan.stepTimeS,
    commShare: plan.commShare,
    mfu: plan.mfu,
    daysToTrain: plan.daysToTrain,
    cost: plan.cost.total,
    stepTimeChange: change(plan.stepTimeS, first?.stepTimeS),
    mfuChange: plan.mfu - (first?.mfu ?? plan.mfu),
    costChange: change(plan.cost.total, first?.cost.total),
  }))
}
