import type { Command } from 'commander'
import { ZhisuanError, defaultCatalog, resolveAccelerator, type Accelerator } from '@zhisuan/domain'
import {
  fixedLength,
  lengthStats,
  planServing,
  servingDefaults,
  servingPrecisions,
  standardComputeUnits,
  type ServePlan,
  type ServingPrecision,
  type ServingWorkload,
} from '@zhisuan/perf'
import { defaultPricePerAcceleratorHour, priceBasis } from '../cost.js'
import { formatCount, formatFixed, formatUsd, plural } from '../numbers.js'
import type { Io } from '../output.js'
import { choiceOption, intOption, numberOption } from '../options.js'
import { readRequests } from '../requests.js'
import { table } from '../table.js'
import { loadModel } from './plan-input.js'

/** The raw flags of `zhisuan plan serve`. */
export interface ServeFlags {
  model: string
  chip?: string
  compareChips?: string
  tp?: string
  precision?: string
  inputTokens?: string
  outputTokens?: string
  requests?: string
  rate?: string
  sloTtft?: string
  sloTpot?: string
  maxSeqs?: string
  price?: string
  json?: boolean
}

/** A serving plan with the chip's SCU rating applied (what a tenant's quota is charged). */
export type ServeAnswer = ServePlan & {
  /** The chip's model name (the catalog's `model`), for tables. */
  readonly chipModel: string
  /** Accelerators × the chip's `llm-decode` rating: what the service costs a quota. */
  readonly scu: number
}

function chipByName(flag: string, name: string): Accelerator {
  const resolved = resolveAccelerator(defaultCatalog(), name)
  if (!resolved.ok) {
    throw new ZhisuanError(
      'invalid-input',
      `${flag}: ${resolved.reason}; did you mean ${resolved.suggestions.join(', ')}?`,
    )
  }
  return resolved.value
}

/** `--price 2.5` for every chip, or `--price h100=2.5,910b3=1.2` per chip (others: the default). */
function priceFor(text: string | undefined, accelerator: Accelerator): number {
  if (text === undefined) {
    return defaultPricePerAcceleratorHour
  }
  if (!text.includes('=')) {
    return numberOption('--price', text, 1e-9) ?? defaultPricePerAcceleratorHour
  }
  for (const part of text.split(',')) {
    const [name = '', value] = part.split('=')
    if (chipByName('--price', name.trim()).id === accelerator.id) {
      return numberOption(`--price ${name}`, value, 1e-9) ?? defaultPricePerAcceleratorHour
    }
  }
  return defaultPricePerAcceleratorHour
}

async function workloadOf(flags: ServeFlags): Promise<ServingWorkload> {
  if (flags.requests !== undefined) {
    if (flags.inputTokens !== undefined || flags.outputTokens !== undefined) {
      throw new ZhisuanError(
        'invalid-input',
        '--requests: give either a request trace or --input-tokens/--output-tokens, not both',
      )
    }
    const rows = await readRequests(flags.requests)
    return {
      input: lengthStats(rows.map((r) => r.inputTokens)),
      output: lengthStats(rows.map((r) => r.outputTokens)),
    }
  }
  const input = intOption('--input-tokens', flags.inputTokens)
  const output = intOption('--output-tokens', flags.outputTokens)
  if (input === undefined || output === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      '--input-tokens and --output-tokens are required (or --requests TRACE for their distribution)',
    )
  }
  return { input: fixedLength(input), output: fixedLength(output) }
}

/** Plans one chip, or each of `--compare-chips`, ranked by accelerators then cost. */
export async function servePlans(flags: ServeFlags): Promise<ServeAnswer[]> {
  const shape = await loadModel(flags.model)
  const names =
    flags.compareChips !== undefined
      ? flags.compareChips.split(',').map((n) => n.trim())
      : flags.chip !== undefined
        ? [flags.chip]
        : []
  if (names.length === 0 || names.some((n) => n === '')) {
    throw new ZhisuanError('invalid-input', '--chip (or --compare-chips A,B,C) is required')
  }
  const workload = await workloadOf(flags)
  const precision: ServingPrecision =
    choiceOption('--precision', flags.precision, servingPrecisions) ?? 'bf16'
  const slo = {
    ...defined('ttftP99S', numberOption('--slo-ttft', flags.sloTtft, 1e-6)),
    ...defined('tpotP99S', numberOption('--slo-tpot', flags.sloTpot, 1e-6)),
  }
  const rate = numberOption('--rate', flags.rate, 1e-9)
  const tp = intOption('--tp', flags.tp)
  const limits = {
    maxSeqs: intOption('--max-seqs', flags.maxSeqs) ?? servingDefaults.maxSeqs,
    chunkTokens: servingDefaults.chunkTokens,
    admission: 'on-demand' as const,
  }
  const catalog = defaultCatalog()
  const answers = names.map((name): ServeAnswer => {
    const accelerator = chipByName(
      flags.compareChips !== undefined ? '--compare-chips' : '--chip',
      name,
    )
    const plan = planServing({
      shape,
      accelerator,
      precision,
      workload,
      slo,
      limits,
      pricePerAcceleratorHour: priceFor(flags.price, accelerator),
      ...defined('tp', tp),
      ...defined('rate', rate),
    })
    const rating = standardComputeUnits(catalog, accelerator)['llm-decode']
    return {
      ...plan,
      chipModel: accelerator.model,
      scu: Math.round(plan.accelerators * rating * 100) / 100,
    }
  })
  return answers.sort(
    (a, b) => a.costPerMillionTokens - b.costPerMillionTokens || a.accelerators - b.accelerators,
  )
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

const ms = (s: number) => `${formatFixed(s * 1000, 1)} ms`

function describe(plan: ServeAnswer, flags: ServeFlags): string {
  const load =
    flags.rate === undefined
      ? `the most one replica carries within the SLO: ${formatFixed(plan.rate, 2)} requests/s`
      : `${formatFixed(plan.rate, 2)} requests/s (--rate), ${formatFixed(plan.ratePerReplica, 2)} per replica of at most ${formatFixed(plan.maxRatePerReplica, 2)}`
  const lines = [
    `${plan.model} on ${plan.chip}, ${plan.precision}`,
    `load         ${load}`,
    `replicas     ${plan.replicas} × TP ${plan.tp} = ${plural(plan.accelerators, 'accelerator')} (${formatFixed(plan.scu, 2)} SCU of llm-decode)`,
    `throughput   ${formatCount(Math.round(plan.tokensPerSecondPerAccelerator))} output tokens/s per accelerator`,
    `TTFT         p50 ${ms(plan.ttftS.p50)} · p99 ${ms(plan.ttftS.p99)}`,
    `TPOT         p50 ${ms(plan.tpotS.p50)} · p99 ${ms(plan.tpotS.p99)}`,
    `batch        ${formatFixed(plan.decodeSeqs.mean, 1)} sequences decoding on average, ${plan.decodeSeqs.p99} at p99, ${plan.decodeSeqs.max} fit (KV cache ${formatCount(plan.kvCacheTokens)} tokens; weights ${formatFixed(plan.weightsGBPerAccelerator, 1)} GB per accelerator)`,
    `cost         ${formatUsd(plan.costPerMillionTokens)} per million output tokens, ${priceBasis(plan.pricePerAcceleratorHour, flags.price !== undefined)}`,
    '',
    table(
      ['TP', 'max requests/s per replica', 'replicas', 'accelerators', 'tokens/s per accel'],
      plan.alternatives.map((o) => [
        o.reason === undefined ? String(o.tp) : `${o.tp} ✗`,
        formatFixed(o.maxRatePerReplica, 2),
        String(o.replicas),
        String(o.accelerators),
        formatCount(Math.round(o.tokensPerSecondPerAccelerator)),
      ]),
    ),
    ...plan.alternatives.flatMap((o) =>
      o.reason === undefined ? [] : [`TP ${o.tp} ✗ ${o.reason}`],
    ),
  ]
  return lines.join('\n')
}

function compare(plans: readonly ServeAnswer[]): string {
  return table(
    ['chip', 'replicas', 'SCU', 'tokens/s per accel', 'TTFT p99', 'TPOT p99', '$/M tokens'],
    plans.map((p) => [
      p.chipModel,
      `${p.replicas} × TP ${p.tp}`,
      formatFixed(p.scu, 2),
      formatCount(Math.round(p.tokensPerSecondPerAccelerator)),
      `${formatFixed(p.ttftS.p99, 2)} s`,
      ms(p.tpotS.p99),
      formatUsd(p.costPerMillionTokens),
    ]),
  )
}

/** Runs `zhisuan plan serve`. */
export async function runPlanServe(io: Io, flags: ServeFlags): Promise<void> {
  const plans = await servePlans(flags)
  if (flags.json === true) {
    io.out(JSON.stringify(flags.compareChips !== undefined ? plans : plans[0], null, 2))
    return
  }
  const [first] = plans
  if (flags.compareChips === undefined && first !== undefined) {
    io.out(describe(first, flags))
  } else {
    io.out(compare(plans))
  }
  for (const estimate of new Set(plans.flatMap((p) => p.estimates.map((e) => `${p.chip}: ${e}`)))) {
    io.err(`warning: estimated, not measured: ${estimate}`)
  }
}

/** Registers `zhisuan plan serve` under `zhisuan plan`. */
export function registerPlanServe(plan: Command, io: Io): void {
  plan
    .command('serve')
    .description(
      'plan a model service: replicas and accelerators for a load within TTFT/TPOT targets, tokens/s, latency, cost',
    )
    .requiredOption(
      '--model <name|file>',
      'preset (llama3-70b, llama2-70b, mixtral-8x7b, deepseek-v3, …) or a model file',
    )
    .option('--chip <name>', 'accelerator (catalog id, model, alias or family)')
    .option(
      '--compare-chips <list>',
      'rank several chips for the same load and SLO, e.g. H100,MI300X,910B3',
    )
    .option('--tp <n>', 'tensor parallel size of a replica (searched within the scale-up domain)')
    .option(
      '--precision <p>',
      `weights and matmuls: ${servingPrecisions.join(' | ')} (default bf16)`,
    )
    .option('--input-tokens <n>', 'prompt tokens per request')
    .option('--output-tokens <n>', 'generated tokens per request')
    .option(
      '--requests <trace>',
      'take the lengths from a request trace (Azure CSV columns) instead',
    )
    .option('--rate <r>', 'requests per second to serve (default: the most one replica carries)')
    .option('--slo-ttft <s>', 'time to first token, p99, seconds')
    .option('--slo-tpot <s>', 'time per output token, p99, seconds')
    .option(
      '--max-seqs <n>',
      `most sequences decoded together (default ${servingDefaults.maxSeqs}, vLLM's)`,
    )
    .option(
      '--price <usd>',
      'USD per accelerator-hour, one for all or per chip: H100=2.5,910B3=1.2',
    )
    .option('--json', 'print JSON (errors too)')
    .action(async (flags: ServeFlags) => {
      await runPlanServe(io, flags)
    })
}
