import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import {
  ZhisuanError,
  defaultCatalog,
  resolveAccelerator,
  type Accelerator,
  type Cluster,
} from '@zhisuan/domain'
import {
  checkpointTiers,
  clusterJobNetwork,
  deepseekV3Stack,
  defaultJobNetwork,
  llama3Stack,
  megatron2021Stack,
  modelPreset,
  modernStack,
  parseModelShape,
  parseNics,
  poolFor,
  type ModelShape,
  type NetworkOptions,
  type NicOption,
  type PlanInput,
  type Retransmission,
  type Software,
  type ZeroStage,
} from '@zhisuan/perf'
import { defaultPricePerAcceleratorHour } from '../cost.js'
import { loadClusterFile } from '../load.js'
import { choiceOption, intOption, numberOption } from '../options.js'

/** The raw flags of `zhisuan plan`, as commander hands them over. */
export interface PlanFlags {
  model?: string
  chip?: string
  gpus?: string
  nics?: string
  cluster?: string
  tp?: string
  pp?: string
  dp?: string
  cp?: string
  ep?: string
  microBatch?: string
  globalBatch?: string
  seqLen?: string
  interleave?: string
  recompute?: string
  zero?: string
  dpOverlap?: string
  tpOverlap?: string
  norms?: string
  stack?: string
  precision?: string
  tokens?: string
  failureRate?: string
  lossRate?: string
  retransmission?: string
  placement?: string
  price?: string
  restartMinutes?: string
  compareNics?: string
  json?: boolean
}

const stacks: Record<string, Software> = {
  modern: modernStack,
  llama3: llama3Stack,
  'deepseek-v3': deepseekV3Stack,
  'megatron-2021': megatron2021Stack,
}

export async function loadModel(name: string): Promise<ModelShape> {
  if (!existsSync(name)) {
    return modelPreset(name)
  }
  let text: string
  try {
    text = await readFile(name, 'utf8')
  } catch (cause) {
    throw new ZhisuanError(
      'invalid-input',
      `--model: cannot read ${name}: ${(cause as Error).message}`,
      { cause },
    )
  }
  return parseModelShape(name, text)
}

function resolveChip(name: string | undefined, cluster: Cluster | undefined): Accelerator {
  if (name === undefined) {
    const pool = cluster?.pools[0]
    if (pool === undefined) {
      throw new ZhisuanError('invalid-input', '--chip is required without --cluster')
    }
    return pool.accelerator
  }
  const resolved = resolveAccelerator(defaultCatalog(), name)
  if (!resolved.ok) {
    throw new ZhisuanError(
      'invalid-input',
      `--chip: ${resolved.reason}; did you mean ${resolved.suggestions.join(', ')}?`,
    )
  }
  return resolved.value
}

/**
 * Turns flags into plan inputs, one per NIC configuration (`--compare-nics` gives several).
 * @throws ZhisuanError `invalid-input` naming the flag for any bad value.
 */
export async function planInputs(
  flags: PlanFlags,
): Promise<{ inputs: PlanInput[]; nics: (NicOption | undefined)[] }> {
  const cluster =
    flags.cluster === undefined ? undefined : (await loadClusterFile(flags.cluster)).cluster
  if (flags.model === undefined || flags.gpus === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `${flags.model === undefined ? '--model' : '--gpus'} is required (zhisuan plan --model M --gpus N; zhisuan plan serve plans a service)`,
    )
  }
  const baseShape = await loadModel(flags.model)
  const seqLen = intOption('--seq-len', flags.seqLen)
  const shape = seqLen === undefined ? baseShape : { ...baseShape, seqLen }
  const accelerator = resolveChip(flags.chip, cluster)
  const gpus = intOption('--gpus', flags.gpus) ?? 0
  const stack =
    stacks[
      choiceOption('--stack', flags.stack, ['modern', 'llama3', 'deepseek-v3', 'megatron-2021']) ??
        'modern'
    ] ?? modernStack
  const recompute = choiceOption('--recompute', flags.recompute, [
    'none',
    'selective',
    'full',
  ] as const)
  const zeroText = choiceOption('--zero', flags.zero, ['0', '1', '2', '3'])
  const norms = choiceOption('--norms', flags.norms, ['input-and-output', 'output'] as const)
  const software: Software = {
    ...stack,
    zero: zeroText === undefined ? stack.zero : (Number(zeroText) as ZeroStage),
    dpOverlap: numberOption('--dp-overlap', flags.dpOverlap, 0, 1) ?? stack.dpOverlap,
    tpOverlap: numberOption('--tp-overlap', flags.tpOverlap, 0, 1) ?? stack.tpOverlap,
    memoryEfficientNorm: norms === undefined ? stack.memoryEfficientNorm : norms === 'output',
    precision:
      choiceOption('--precision', flags.precision, ['bf16', 'fp8'] as const) ?? stack.precision,
  }
  const options: NetworkOptions = {
    lossRate: numberOption('--loss-rate', flags.lossRate, 0, 0.99) ?? 0,
    retransmission:
      choiceOption<Retransmission>('--retransmission', flags.retransmission, [
        'go-back-n',
        'improved-go-back-n',
        'selective-repeat',
      ]) ?? 'go-back-n',
    placement:
      choiceOption('--placement', flags.placement, ['packed', 'spread'] as const) ?? 'packed',
  }
  const nicList: (NicOption | undefined)[] =
    flags.compareNics !== undefined
      ? flags.compareNics.split(',').map((n) => parseNics(n, '--compare-nics'))
      : [
          flags.nics === undefined
            ? cluster === undefined
              ? { count: 8, gbps: 400 }
              : undefined
            : parseNics(flags.nics),
        ]
  const pool = cluster === undefined ? undefined : poolFor(cluster, accelerator.id)
  if (
    cluster !== undefined &&
    pool !== undefined &&
    gpus > pool.nodeCount * pool.scaleUp.acceleratorsPerNode
  ) {
    throw new ZhisuanError(
      'invalid-input',
      `--gpus ${gpus} exceeds pool ${pool.name} of ${cluster.name} (${pool.nodeCount * pool.scaleUp.acceleratorsPerNode} accelerators)`,
    )
  }
  const space = {
    ...defined('tp', intOption('--tp', flags.tp)),
    ...defined('pp', intOption('--pp', flags.pp)),
    ...defined('dp', intOption('--dp', flags.dp)),
    ...defined('cp', intOption('--cp', flags.cp)),
    ...defined('ep', intOption('--ep', flags.ep)),
    ...defined('microBatch', intOption('--micro-batch', flags.microBatch)),
    ...defined('globalBatch', intOption('--global-batch', flags.globalBatch)),
    ...defined('interleave', intOption('--interleave', flags.interleave)),
    ...defined('recompute', recompute),
  }
  const common = {
    shape,
    accelerator,
    gpus,
    space,
    software,
    ...defined('tokens', numberOption('--tokens', flags.tokens, 1)),
    ...defined('failuresPer1000PerDay', numberOption('--failure-rate', flags.failureRate, 0)),
    pricePerAcceleratorHour:
      numberOption('--price', flags.price, 0) ?? defaultPricePerAcceleratorHour,
    ...defined('restartMinutes', numberOption('--restart-minutes', flags.restartMinutes, 0)),
  }
  const inputs = nicList.map((nic): PlanInput => {
    let network =
      cluster !== undefined && pool !== undefined
        ? clusterJobNetwork(cluster, pool, options)
        : defaultJobNetwork(accelerator, nic ?? { count: 8, gbps: 400 }, options)
    if (nic !== undefined) {
      network = { ...network, nicGBsPerGpu: (nic.count * nic.gbps) / 8 / network.gpusPerNode }
    }
    const storage =
      cluster === undefined
        ? undefined
        : { storage: cluster.storage, nodes: cluster.fabric.nodeCount }
    return {
      ...common,
      network,
      checkpointTiers: checkpointTiers(gpus, network.gpusPerNode, storage),
    }
  })
  return { inputs, nics: nicList }
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
