import { numberIn } from '../text.js'
import { present, type EccCounts, type RawGpu } from './nvidia-device.js'

/**
 * One element of `nvidia-smi -q -x` or one line of `nvidia-smi -q`, named in snake case
 * (`FB Memory Usage` → `fb_memory_usage`), with its text and the 1-based line it starts on.
 */
export interface SmiNode {
  readonly name: string
  text: string
  readonly children: SmiNode[]
  readonly line: number
  readonly attrs: Readonly<Record<string, string>>
}

/** `FB Memory Usage` → `fb_memory_usage`; `SEC-DED` → `sec_ded`. */
export function snake(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

/** The first child along a path; each step lists the names it may have in either format. */
export function child(
  node: SmiNode | undefined,
  ...path: readonly (string | readonly string[])[]
): SmiNode | undefined {
  let at = node
  for (const step of path) {
    const names = typeof step === 'string' ? [step] : step
    at = at?.children.find((c) => names.includes(c.name))
  }
  return at
}

/** The text at a path, or undefined. */
export function valueAt(
  node: SmiNode | undefined,
  ...path: readonly (string | readonly string[])[]
): string | undefined {
  return child(node, ...path)?.text
}

function descendants(node: SmiNode | undefined): SmiNode[] {
  if (node === undefined) {
    return []
  }
  return node.children.flatMap((c) => [c, ...descendants(c)])
}

function eccSection(node: SmiNode | undefined): EccCounts | undefined {
  if (node === undefined) {
    return undefined
  }
  const single = child(node, 'single_bit')
  const double = child(node, 'double_bit')
  if (single !== undefined || double !== undefined) {
    // up to driver 510: volatile|aggregate / single_bit|double_bit / total
    return { correctable: [valueAt(single, 'total')], uncorrectable: [valueAt(double, 'total')] }
  }
  // from 515: sram_correctable, sram_uncorrectable[_parity|_secded], dram_(un)correctable
  return {
    correctable: node.children
      .filter((c) => /correctable$/.test(c.name) && !c.name.includes('uncorrectable'))
      .map((c) => c.text),
    uncorrectable: node.children.filter((c) => c.name.includes('uncorrectable')).map((c) => c.text),
  }
}

const powerSections = ['gpu_power_readings', 'power_readings']
const drawNames = [
  'power_draw',
  'average_power_draw',
  'instant_power_draw',
  'instantaneous_power_draw',
]
const limitNames = ['current_power_limit', 'power_limit', 'enforced_power_limit']

function power(gpu: SmiNode, names: readonly string[]): string | undefined {
  const section = child(gpu, powerSections)
  for (const n of names) {
    const v = present(valueAt(section, n))
    if (v !== undefined) {
      return v
    }
  }
  return undefined
}

/**
 * The fields of one `<gpu>` element (`-q -x`) or one `GPU 00000000:19:00.0` section (`-q`).
 * Both formats carry the same tree; where their names differ each step lists both.
 */
export function rawGpuFromTree(gpu: SmiNode, order: number): RawGpu {
  const minor = numberIn(present(valueAt(gpu, 'minor_number')))
  const ecc = child(gpu, 'ecc_errors')
  const retired = child(gpu, 'retired_pages')
  const remapped = child(gpu, 'remapped_rows')
  const reasons = child(gpu, ['clocks_event_reasons', 'clocks_throttle_reasons'])
  const pending = [
    ...(retired?.children.filter((c) => c.name.startsWith('pending')) ?? []),
    ...(remapped?.children.filter((c) => /^(remapped_row_)?pending$/.test(c.name)) ?? []),
    ...(ecc?.children.filter((c) => /_repair_pending$/.test(c.name)) ?? []),
  ]
  return {
    index: minor ?? order,
    model: present(valueAt(gpu, 'product_name')) ?? '',
    uuid: valueAt(gpu, ['uuid', 'gpu_uuid']),
    serial: valueAt(gpu, ['serial', 'serial_number']),
    busId: valueAt(gpu, 'pci', ['pci_bus_id', 'bus_id']) ?? gpu.attrs.id ?? gpu.text,
    memoryTotal: valueAt(gpu, 'fb_memory_usage', 'total'),
    memoryUsed: valueAt(gpu, 'fb_memory_usage', 'used'),
    utilization: valueAt(gpu, 'utilization', ['gpu_util', 'gpu']),
    temperature: valueAt(gpu, 'temperature', ['gpu_temp', 'gpu_current_temp']),
    powerDraw: power(gpu, drawNames),
    powerLimit: power(gpu, limitNames),
    fan: valueAt(gpu, 'fan_speed'),
    eccMode: valueAt(gpu, 'ecc_mode', ['current_ecc', 'current']),
    eccAggregate: eccSection(child(ecc, 'aggregate')),
    eccVolatile: eccSection(child(ecc, 'volatile')),
    pending: pending.map((c) => c.text),
    remapFailure: valueAt(remapped, ['remapped_row_failure', 'remapping_failure_occurred']),
    clockReasons: descendants(reasons).map(
      (c) => [c.name.replace(/^clocks_(throttle|event)_reason_/, ''), c.text] as const,
    ),
    resetRequired: valueAt(gpu, 'gpu_reset_status', 'reset_required'),
    drainAndReset: valueAt(gpu, 'gpu_reset_status', 'drain_and_reset_recommended'),
    recoveryAction: valueAt(gpu, 'gpu_recovery_action'),
  }
}
