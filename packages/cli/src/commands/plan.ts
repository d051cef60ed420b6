import type { Command } from 'commander'
import { planTraining, type PlanResult } from '@zhisuan/perf'
import { formatNumber, table, type Io } from '../output.js'
import { planInputs, type PlanFlags } from './plan-input.js'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const si = (x: number) =>
  x >= 1e12
    ? `${formatNumber(x / 1e12)}T`
    : x >= 1e9
      ? `${formatNumber(x / 1e9)}G`
      : x >= 1e6
        ? `${formatNumber(x / 1e6)}M`
        : x >= 1e3
          ? `${formatNumber(x / 1e3)}k`
          : formatNumber(x)

function describe(plan: PlanResult): string {
  const p = plan.parallelism
  const lines = [
    `${plan.model.name} (${si(plan.model.params)} parameters) on ${formatNumber(plan.gpus)} × ${plan.accelerator}`,
    `parallelism  TP ${p.tp} · PP ${p.pp} · DP ${p.dp} · CP ${p.cp} · micro-batch ${p.microBatch} · global batch ${p.globalBatch} · interleave ${p.interleave} · recompute ${plan.recompute}`,
    `throughput   step ${plan.stepTimeS.toFixed(2)} s · ${si(plan.tokensPerSecond)} tokens/s · ${plan.modelTflopsPerGpu.toFixed(0)} model TFLOP/s per accelerator · MFU ${pct(plan.mfu)} · HFU ${pct(plan.hfu)} · comm share ${pct(plan.commShare)}`,
    `memory       ${plan.memoryPerGpuGB.toFixed(1)} GB per accelerator (weights ${plan.memory.weightsGB.toFixed(1)}, gradients ${plan.memory.gradientsGB.toFixed(1)}, optimizer ${plan.memory.optimizerGB.toFixed(1)}, activations ${plan.memory.activationsGB.toFixed(1)})`,
    `network      ${plan.network.nicGBsPerGpu.toFixed(1)} GB/s NIC per accelerator · loss ${plan.network.lossRate} (${plan.network.retransmission}) → goodput ${pct(plan.network.goodput)}`,
  ]
  const b = plan.breakdown
  const rows: [string, number][] = [
    ['compute', b.computeS],
    ['TP communication (exposed)', b.tpCommS],
    ['CP communication (exposed)', b.cpCommS],
    ['PP communication', b.ppCommS],
    ['DP communication (exposed)', b.dpCommS],
    ['pipeline bubble', b.bubbleS],
    ['optimizer step', b.optimizerS],
  ]
  lines.push(
    table(
      ['step time', 'seconds', 'share'],
      rows.map(([name, s]) => [name, Number(s.toFixed(3)), pct(s / plan.stepTimeS)]),
    ),
  )
  const c = plan.checkpoint
  const saves = Object.entries(c.saveSeconds)
    .map(([tier, s]) => `${tier} ${s.toFixed(1)} s`)
    .join(', ')
  const every =
    c.intervalMinutes === null
      ? 'no failures, no interval needed'
      : `every ${c.intervalMinutes.toFixed(0)} min (Young/Daly)`
  const mtbf =
    plan.reliability.mtbfHours === null
      ? 'no failures'
      : `job MTBF ${plan.reliability.mtbfHours.toFixed(1)} h`
  const time =
    plan.daysToTrain === null || plan.acceleratorHours === null || plan.cost.total === null
      ? `${si(plan.tokens)} tokens: never (ETTR 0: failures outpace checkpoints)`
      : `${si(plan.tokens)} tokens in ${plan.daysToTrain.toFixed(1)} days · ${si(plan.acceleratorHours)} accelerator-hours · cost ${si(plan.cost.total)} at ${plan.cost.pricePerAcceleratorHour}/h`
  lines.push(
    `checkpoint   ${c.sizeTB.toFixed(2)} TB · save: ${saves} · stall ${c.stallSeconds.toFixed(1)} s · ${every} · restart ${c.restartMinutes.toFixed(1)} min · a one-minute checkpoint needs ${formatNumber(Math.round(c.oneMinuteWriteGBs))} GB/s of aggregate write`,
    `reliability  ${plan.reliability.failuresPer1000PerDay} failures per 1,000 accelerators per day → ${mtbf} · ETTR ${pct(plan.reliability.ettr)}`,
    `time & cost  ${time}`,
  )
  if (plan.alternatives.length > 0) {
    lines.push(
      table(
        ['alternative', 'tokens/s', 'MFU'],
        plan.alternatives.map((a) => {
          const q = a.parallelism
          return [
            `TP ${q.tp} PP ${q.pp} DP ${q.dp} CP ${q.cp} mb ${q.microBatch} v ${q.interleave} ${a.recompute}`,
            si(a.tokensPerSecond),
            pct(a.mfu),
          ]
        }),
      ),
    )
  }
  return lines.join('\n')
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

/** Runs `zhisuan plan`. */
export async function runPlan(io: Io, flags: PlanFlags): Promise<void> {
  const { inputs, nics } = await planInputs(flags)
  const plans = inputs.map((input) => planTraining(input))
  if (flags.compareNics === undefined) {
    const [plan] = plans
    if (plan !== undefined) {
      io.out(flags.json === true ? JSON.stringify(plan, null, 2) : describe(plan))
      if (flags.json !== true) {
        for (const warning of plan.warnings) {
          io.err(`warning: ${warning}`)
        }
      }
    }
    return
  }
  const labels = nics.map((n) => (n === undefined ? 'cluster' : `${n.count}x${n.gbps}`))
  const rows = comparison(plans, labels)
  if (flags.json === true) {
    io.out(JSON.stringify({ comparison: rows, plans }, null, 2))
    return
  }
  io.out(
    table(
      ['NICs', 'step s', 'comm share', 'MFU', 'days', 'cost', 'Δ step', 'Δ MFU', 'Δ cost'],
      rows.map((r) => [
        r.nics,
        Number(r.stepTimeS.toFixed(2)),
        pct(r.commShare),
        pct(r.mfu),
        r.daysToTrain === null ? 'never' : Number(r.daysToTrain.toFixed(1)),
        r.cost === null ? '—' : si(r.cost),
        r.stepTimeChange === null ? '—' : pct(r.stepTimeChange),
        `${(r.mfuChange * 100).toFixed(1)} pt`,
        r.costChange === null ? '—' : pct(r.costChange),
      ]),
    ),
  )
  const best = plans
    .map((p, i) => {
      const q = p.parallelism
      return `${labels[i] ?? ''}: TP ${q.tp} PP ${q.pp} DP ${q.dp} CP ${q.cp}`
    })
    .join('; ')
  io.out(`each network is planned on its own (best parallelism each): ${best}`)
}

/** Registers `zhisuan plan`. */
export function registerPlan(program: Command, io: Io): void {
  program
    .command('plan')
    .description(
      'plan a training job: step time, MFU, communication share, memory, checkpoints, ETTR, days and cost',
    )
    .requiredOption(
      '--model <name|file>',
      'preset (gpt3-175b, megatron-1t, llama3-8b, llama3-70b, llama3-405b, …) or a YAML/JSON model file',
    )
    .option(
      '--chip <name>',
      'accelerator (catalog id, model, alias or family); default: the cluster’s first pool',
    )
    .requiredOption('--gpus <n>', 'accelerators for the job')
    .option('--nics <AxB>', 'A NICs of B Gb/s per node (default 8x400, or the cluster’s)')
    .option('--cluster <file>', 'cluster file: fabric, pools, storage tiers')
    .option('--tp <n>', 'tensor parallel (searched when absent)')
    .option('--pp <n>', 'pipeline parallel (searched)')
    .option('--dp <n>', 'data parallel (derived)')
    .option('--cp <n>', 'context parallel (searched)')
    .option('--micro-batch <n>', 'sequences per micro-batch (searched)')
    .option('--global-batch <n>', 'sequences per step (default ≈16M tokens)')
    .option('--seq-len <n>', 'sequence length (default: the model’s)')
    .option('--interleave <v>', 'virtual pipeline stages (searched)')
    .option('--recompute <mode>', 'none | selective | full (searched)')
    .option('--zero <stage>', '0 | 1 | 3 (default 1: distributed optimizer)')
    .option(
      '--dp-overlap <f>',
      'fraction of DP gradient communication hidden behind compute (default 0.9)',
    )
    .option('--tp-overlap <f>', 'fraction of TP communication hidden behind compute (default 0)')
    .option('--stack <name>', 'software stack defaults: modern | megatron-2021')
    .option('--tokens <n>', 'tokens to train (default 20 per parameter)')
    .option('--failure-rate <r>', 'interruptions per 1,000 accelerators per day (default 0.48)')
    .option('--loss-rate <p>', 'RDMA packet loss rate (default 0)')
    .option('--retransmission <scheme>', 'go-back-n | improved-go-back-n | selective-repeat')
    .option('--placement <how>', 'packed | spread (default packed)')
    .option('--price <p>', 'price per accelerator-hour (default 2.0)')
    .option(
      '--restart-minutes <m>',
      'detection and restart per failure, before loading (default 10)',
    )
    .option('--compare-nics <list>', 'compare networks, e.g. 8x100,8x400')
    .option('--json', 'print JSON (errors too)')
    .action(async (flags: PlanFlags) => {
      await runPlan(io, flags)
    })
}
