/** What a failure does: takes its node down for repair, or restarts the job in place. */
export interface FailureCategory {
  readonly name: string
  /** Relative weight in the mix. */
  readonly weight: number
  /** Hours the node is out for repair; 0 = a software fault, the job restarts in place. */
  readonly repairHours: number
}

/** A failure process: rate per 1,000 accelerators per day and the mix of causes. */
export interface FailureModel {
  readonly name: string
  readonly per1000PerDay: number
  readonly mix: readonly FailureCategory[]
  /** Seconds from a fault until the platform notices it (MegaScale: < 10 min with diagnosis). */
  readonly detectionS: number
}

/**
 * Llama 3 405B, 54 days on 16,384 H100 (arXiv:2407.21783 Table 5; paper-tables.md §3.3): 419
 * unexpected interruptions = 0.474 per 1,000 GPU-days, by root cause. Repair times are
 * estimates: a GPU or HBM swap 24 h, host parts 12 h, network 4 h, host maintenance 4 h.
 */
export const llama3Mix: readonly FailureCategory[] = [
  { name: 'faulty GPU', weight: 148, repairHours: 24 },
  { name: 'GPU HBM3 memory', weight: 72, repairHours: 24 },
  { name: 'software bug', weight: 54, repairHours: 0 },
  { name: 'network switch/cable', weight: 35, repairHours: 4 },
  { name: 'host maintenance', weight: 32, repairHours: 4 },
  { name: 'GPU SRAM memory', weight: 19, repairHours: 24 },
  { name: 'GPU system processor', weight: 17, repairHours: 24 },
  { name: 'NIC', weight: 7, repairHours: 12 },
  { name: 'NCCL watchdog timeout', weight: 7, repairHours: 0 },
  { name: 'silent data corruption', weight: 6, repairHours: 24 },
  { name: 'GPU thermal interface/sensor', weight: 6, repairHours: 24 },
  { name: 'SSD', weight: 3, repairHours: 12 },
  { name: 'power supply', weight: 3, repairHours: 12 },
  { name: 'server chassis', weight: 2, repairHours: 12 },
  { name: 'IO expansion board', weight: 2, repairHours: 12 },
  { name: 'dependency', weight: 2, repairHours: 0 },
  { name: 'CPU', weight: 2, repairHours: 12 },
  { name: 'system memory', weight: 2, repairHours: 12 },
]

const gpuOnly = llama3Mix.filter((c) => /GPU|HBM|SRAM|silent/.test(c.name))

/** Named failure models. */
export const failurePresets: Readonly<Record<string, FailureModel>> = {
  /** Llama 3's measured rate and mix. */
  llama3: { name: 'llama3', per1000PerDay: 419 / 54 / 16.384, mix: llama3Mix, detectionS: 300 },
  /** The industry level implied by the 0.16 claim being one third of it (paper-tables.md §4.10). */
  'industry-0.48': { name: 'industry-0.48', per1000PerDay: 0.48, mix: llama3Mix, detectionS: 300 },
  /** 0.16 per 1,000 per day is close to Llama 3's GPU hard faults alone (0.167): GPU causes only. */
  'best-0.16': { name: 'best-0.16', per1000PerDay: 0.16, mix: gpuOnly, detectionS: 300 },
}
