import { defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'
import { Scheduler } from './scheduler.js'
import type { JobSpec, SchedulerConfig } from './types.js'

/**
 * A small 3-tier H800 cluster for tests: `pods` pods × `blocksPerPod` blocks × `nodesPerBlock`
 * nodes × 8 GPUs, optionally with an aarch64 Ascend pool after it.
 */
export function testCluster(
  options: {
    pods?: number
    blocksPerPod?: number
    nodesPerBlock?: number
    ascendNodes?: number
    spareNodes?: number
    /** Leaf and spine oversubscription (default 1:1). */
    oversubscription?: { leaf?: number; spine?: number }
  } = {},
): Cluster {
  const pods = options.pods ?? 2
  const blocksPerPod = options.blocksPerPod ?? 2
  const nodesPerBlock = options.nodesPerBlock ?? 4
  const pools = [
    `  - { name: h800, count: ${pods * blocksPerPod * nodesPerBlock}, accelerator: nvidia-h800-sxm-80gb, scaleUp: nvswitch-8, cpu: intel-sapphire-rapids, memoryGB: 2048, nvmeTB: 30 }`,
  ]
  if ((options.ascendNodes ?? 0) > 0) {
    pools.push(
      `  - { name: ascend, count: ${options.ascendNodes}, accelerator: huawei-ascend-910b3, scaleUp: hccs-mesh-8, cpu: huawei-kunpeng-920, memoryGB: 1536, nvmeTB: 15 }`,
    )
  }
  if ((options.spareNodes ?? 0) > 0) {
    pools.push(
      `  - { name: spare, count: ${options.spareNodes}, accelerator: nvidia-h800-sxm-80gb, scaleUp: nvswitch-8, cpu: intel-sapphire-rapids, memoryGB: 2048, nvmeTB: 30, spare: true }`,
    )
  }
  const text = `schemaVersion: 1
name: test
pools:
${pools.join('\n')}
fabric: { design: rail-optimized, tiers: 3, switchRadix: 128, nodesPerBlock: ${nodesPerBlock}, blocksPerPod: ${blocksPerPod}, oversubscription: { leaf: ${options.oversubscription?.leaf ?? 1}, spine: ${options.oversubscription?.spine ?? 1} }, nic: { count: 8, gbps: 400 } }
storage: []
`
  return parseClusterFile('test.yaml', text, defaultCatalog())
}

export const openConfig: SchedulerConfig = {
  tenants: [],
  preemptionWindowS: 600,
  strictTenants: false,
}

export function testScheduler(
  cluster: Cluster = testCluster(),
  config: SchedulerConfig = openConfig,
): Scheduler {
  return new Scheduler(cluster, defaultCatalog(), config)
}

/** A job with defaults: 1 × 8 H800, tenant t, priority 0, submitted at 0. */
export function job(id: string, overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    id,
    tenant: 't',
    queue: 'default',
    priority: 0,
    replicas: 1,
    acceleratorsPerReplica: 8,
    chips: { kind: 'family', family: 'H800' },
    archs: ['x86_64'],
    submittedAt: 0,
    ...overrides,
  }
}
