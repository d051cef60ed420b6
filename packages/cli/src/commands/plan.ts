import type { Command } from 'commander'
import { planTraining } from '@zhisuan/perf'
import type { Io } from '../output.js'
import { planInputs, type PlanFlags } from './plan-input.js'
import { comparison, describeComparison, describePlan } from './plan-report.js'
import { registerPlanServe } from './plan-serve.js'

/** Runs `zhisuan plan`. */
export async function runPlan(io: Io, flags: PlanFlags): Promise<void> {
  const { inputs, nics } = await planInputs(flags)
  const plans = inputs.map((input) => planTraining(input))
  if (flags.compareNics === undefined) {
    const [plan] = plans
    if (plan !== undefined) {
      io.out(flags.json === true ? JSON.stringify(plan, null, 2) : describePlan(plan, flags))
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
  io.out(describeComparison(rows, plans, flags))
}

/** Registers `zhisuan plan`. */
export function registerPlan(program: Command, io: Io): void {
  const plan = program
    .command('plan')
    .description(
      'plan a training job: step time, MFU, communication share, memory, checkpoints, ETTR, days and cost',
    )
    // required, checked in planInputs: a mandatory option here would bind `plan serve` too
    .option(
      '--model <name|file>',
      'preset (gpt3-175b, llama3-8b/70b/405b, mixtral-8x7b, deepseek-v3, …) or a YAML/JSON model file',
    )
    .option(
      '--chip <name>',
      'accelerator (catalog id, model, alias or family); default: the cluster’s first pool',
    )
    .option('--gpus <n>', 'accelerators for the job (required)')
    .option('--nics <AxB>', 'A NICs of B Gb/s per node (default 8x400, or the cluster’s)')
    .option('--cluster <file>', 'cluster file: fabric, pools, storage tiers')
    .option('--tp <n>', 'tensor parallel (searched when absent)')
    .option('--pp <n>', 'pipeline parallel (searched)')
    .option('--dp <n>', 'data parallel (derived)')
    .option('--cp <n>', 'context parallel (searched)')
    .option('--ep <n>', 'expert parallel, for mixture-of-experts models (searched)')
    .option('--micro-batch <n>', 'sequences per micro-batch (searched)')
    .option('--global-batch <n>', 'sequences per step (default ≈16M tokens)')
    .option('--seq-len <n>', 'sequence length (default: the model’s)')
    .option('--interleave <v>', 'virtual pipeline stages (searched)')
    .option('--recompute <mode>', 'none | selective | full (searched)')
    .option(
      '--zero <stage>',
      '0 | 1 | 2 | 3: what DP shards (1 optimizer, the default; 2 and gradients; 3 and weights)',
    )
    .option(
      '--dp-overlap <f>',
      'fraction of DP gradient communication hidden behind compute (default 0.9)',
    )
    .option('--tp-overlap <f>', 'fraction of TP communication hidden behind compute (default 0)')
    .option(
      '--norms <keep>',
      'what each norm keeps for its backward pass: input-and-output | output (memory-efficient; default: the stack’s)',
    )
    .option(
      '--stack <name>',
      'software stack defaults: modern | llama3 | deepseek-v3 | megatron-2021',
    )
    .option('--precision <p>', 'matmul operands: bf16 | fp8 (default: the stack’s)')
    .option(
      '--tokens <n>',
      'tokens to train (default 20 per parameter: Chinchilla-optimal, Hoffmann et al. 2022)',
    )
    .option('--failure-rate <r>', 'interruptions per 1,000 accelerators per day (default 0.48)')
    .option('--loss-rate <p>', 'RDMA packet loss rate (default 0)')
    .option('--retransmission <scheme>', 'go-back-n | improved-go-back-n | selective-repeat')
    .option('--placement <how>', 'packed | spread (default packed)')
    .option(
      '--price <usd>',
      'USD per accelerator-hour (default 2.00: a flat assumed rate, not a market price)',
    )
    .option(
      '--restart-minutes <m>',
      'detection and restart per failure, before loading (default 10)',
    )
    .option('--compare-nics <list>', 'compare networks, e.g. 8x100,8x400')
    .option('--json', 'print JSON (errors too)')
    .action(async (flags: PlanFlags) => {
      await runPlan(io, flags)
    })
  // `plan serve` shares option names with `plan`: they belong to whichever comes first
  plan.enablePositionalOptions()
  registerPlanServe(plan, io)
}
