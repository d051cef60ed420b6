import { ascendFaultCodeIssue, ascendHealthIssue } from '../health-rules/ascend.js'
import { verdict } from '../health.js'
import type { Device, DeviceInventory, HealthIssue } from '../inventory.js'
import { mebibytes, numberIn, parseError } from '../text.js'
import { isPlaceholder, npuChipOf, sameChip } from './npu-smi-table.js'

/**
 * What one `npu-smi info -i <npu> [-c <chip>] -t health|board|ecc|usages` says of a chip. Every
 * field but the ids is optional: `mergeNpuDetails` fills in what a record has.
 */
export interface NpuDetails {
  /** The NPU (`-i`, or the `NPU ID` line); null: the only device of the inventory. */
  readonly npuId: number | null
  readonly chipId: number | null
  readonly reportedHealth?: string
  readonly issues?: readonly HealthIssue[]
  readonly model?: string
  readonly serial?: string
  readonly busId?: string
  readonly softwareVersion?: string
  readonly firmwareVersion?: string
  readonly ecc?: Device['ecc']
  readonly memoryTotalMiB?: number
  readonly utilizationPercent?: number
}

/** Where a `-t` output came from, when the text itself does not say (`-i 0 -c 0`). */
export interface NpuIds {
  readonly npuId?: number | null
  readonly chipId?: number | null
  /** 1-based line of the text's first line in a larger file, for error messages. */
  readonly firstLine?: number
}

interface Field {
  readonly key: string
  readonly value: string
  readonly line: number
}

/** `Key : value` lines (tab or space indented); `: more` continues the previous key. */
function fieldsOf(text: string, firstLine: number): Field[] {
  const fields: Field[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const colon = raw.indexOf(':')
    if (colon >= 0) {
      const prev = fields[fields.length - 1]
      const own = raw.slice(0, colon).trim()
      const key = own === '' && prev !== undefined ? prev.key : own
      fields.push({ key, value: raw.slice(colon + 1).trim(), line: firstLine + i })
    }
  }
  return fields
}

function valueOf(fields: readonly Field[], ...keys: string[]): string | undefined {
  const v = fields.find((f) => keys.includes(f.key))?.value
  return v === undefined || v === '' || /^NA$/i.test(v) || isPlaceholder(v) ? undefined : v
}

function idOf(fields: readonly Field[], key: string, given: number | null | undefined) {
  return numberIn(valueOf(fields, key)) ?? given ?? null
}

/**
 * `npu-smi info -t health`: `Health Status` (`Health` on 950-generation tools), `Error Code`
 * (`NA` or 8-hex-digit event codes) and `Error Information` with `: …` continuation lines.
 * Each code becomes an issue by MindCluster's level for it (health-rules/ascend).
 */
export function parseNpuHealth(text: string, ids: NpuIds = {}): NpuDetails {
  const fields = fieldsOf(text, ids.firstLine ?? 1)
  const health = valueOf(fields, 'Health Status', 'Health')
  if (health === undefined) {
    throw parseError('npu-smi', ids.firstLine ?? 1, 'no "Health Status" in -t health output')
  }
  const codes = (valueOf(fields, 'Error Code') ?? '')
    .split(/\s+/)
    .filter((c) => /^[0-9A-F]{8,9}$/i.test(c))
  const info = fields
    .filter((f) => f.key === 'Error Information' && f.value !== '' && !/^NA$/i.test(f.value))
    .map((f) => f.value)
  const issues =
    health.toUpperCase() === 'OK' && codes.length === 0
      ? []
      : [ascendHealthIssue(health, info.join('; ')), ...codes.map(ascendFaultCodeIssue)]
  return {
    npuId: idOf(fields, 'NPU ID', ids.npuId),
    chipId: idOf(fields, 'Chip ID', ids.chipId),
    reportedHealth: health,
    issues,
  }
}

/** `npu-smi info -t board`: chip name, serial, bus, software (driver) and firmware versions. */
export function parseNpuBoard(text: string, ids: NpuIds = {}): NpuDetails {
  const fields = fieldsOf(text, ids.firstLine ?? 1)
  const known = ['NPU ID', 'Board ID', 'Firmware Version', 'PCIe Bus Info', 'Chip Name']
  if (!fields.some((f) => known.includes(f.key))) {
    throw parseError('npu-smi', ids.firstLine ?? 1, 'no "NPU ID" or "Board ID" in -t board output')
  }
  const compatibility = valueOf(fields, 'Compatibility')
  const details: {
    -readonly [K in keyof NpuDetails]: NpuDetails[K]
  } = { npuId: idOf(fields, 'NPU ID', ids.npuId), chipId: idOf(fields, 'Chip ID', ids.chipId) }
  const set = (
    key: 'model' | 'serial' | 'busId' | 'softwareVersion' | 'firmwareVersion',
    ...names: string[]
  ) => {
    const v = valueOf(fields, ...names)
    if (v !== undefined) {
      details[key] = v
    }
  }
  set('model', 'Chip Name', 'NPU Name')
  set('serial', 'Serial Number')
  set('busId', 'PCIe Bus Info')
  set('softwareVersion', 'Software Version')
  set('firmwareVersion', 'Firmware Version')
  if (compatibility !== undefined && compatibility.toUpperCase() !== 'OK') {
    details.issues = [
      {
        status: 'degraded',
        action: 'none',
        reason: `driver and firmware compatibility: ${compatibility}`,
        source: 'npu-smi board',
      },
    ]
  }
  return details
}

/**
 * `npu-smi info -t ecc`: DDR and HBM single/double-bit counters, one block per chip ending in
 * its `Chip ID` line. Double-bit (uncorrectable) errors raise an issue.
 */
export function parseNpuEcc(text: string, ids: NpuIds = {}): NpuDetails[] {
  const fields = fieldsOf(text, ids.firstLine ?? 1)
  const npuId = idOf(fields, 'NPU ID', ids.npuId)
  const result: NpuDetails[] = []
  let block: Field[] = []
  const emit = (chipId: number | null) => {
    const sum = (re: RegExp) => {
      const counts = block.filter((f) => re.test(f.key)).map((f) => numberIn(f.value))
      const known = counts.filter((n): n is number => n !== null)
      return known.length === 0 ? null : known.reduce((a, b) => a + b, 0)
    }
    const correctable = sum(/^(?:DDR|HBM) Single Bit Error Count$/)
    const uncorrectable = sum(/^(?:DDR|HBM) Double Bit Error Count$/)
    if (correctable !== null || uncorrectable !== null) {
      const ecc = { enabled: null, correctable, uncorrectable, pending: null }
      const issues: HealthIssue[] =
        (uncorrectable ?? 0) > 0
          ? [
              {
                status: 'degraded',
                action: 'reset-device',
                reason: `${uncorrectable} double-bit (uncorrectable) ECC errors in DDR/HBM`,
                source: 'ecc-uncorrectable',
              },
            ]
          : []
      result.push({ npuId, chipId, ecc, issues })
    }
    block = []
  }
  for (const f of fields) {
    if (f.key === 'Chip ID') {
      emit(numberIn(f.value) ?? ids.chipId ?? null)
    } else {
      block.push(f)
    }
  }
  emit(ids.chipId ?? null)
  if (result.length === 0) {
    throw parseError('npu-smi', ids.firstLine ?? 1, 'no ECC error counts in -t ecc output')
  }
  return result
}

/** `npu-smi info -t usages`: HBM (else DDR) capacity and AICore usage. */
export function parseNpuUsages(text: string, ids: NpuIds = {}): NpuDetails {
  const fields = fieldsOf(text, ids.firstLine ?? 1)
  const hbm = mebibytes(valueOf(fields, 'HBM Capacity(MB)'))
  const ddr = mebibytes(valueOf(fields, 'DDR Capacity(MB)'))
  const util = numberIn(valueOf(fields, 'Aicore Usage Rate(%)'))
  const memory = hbm !== null && hbm > 0 ? hbm : ddr
  if (memory === null && util === null) {
    throw parseError('npu-smi', ids.firstLine ?? 1, 'no capacity or usage in -t usages output')
  }
  return {
    npuId: idOf(fields, 'NPU ID', ids.npuId),
    chipId: idOf(fields, 'Chip ID', ids.chipId),
    ...(memory === null ? {} : { memoryTotalMiB: memory }),
    ...(util === null ? {} : { utilizationPercent: util }),
  }
}

function deviceFor(devices: readonly Device[], d: NpuDetails): number {
  const bus = d.busId?.toLowerCase()
  const byBus = devices.findIndex((x) => bus !== undefined && x.busId?.toLowerCase() === bus)
  if (byBus >= 0) {
    return byBus
  }
  if (d.npuId === null) {
    return devices.length === 1 ? 0 : -1
  }
  const chips = devices.map((x) => npuChipOf(x))
  const byChip = chips.findIndex(
    (c) =>
      c?.npuId === d.npuId && (d.chipId === null || c.chipId === null || c.chipId === d.chipId),
  )
  if (byChip >= 0) {
    return byChip
  }
  return chips.some((c) => c !== undefined) ? -1 : devices.findIndex((x) => x.index === d.npuId)
}

/**
 * Merges `-t` details into an inventory: matched by bus id, else by NPU and chip (or the index,
 * for devices not from an npu-smi table). Issues add up (a `-t health` record replaces the
 * issue of the table's Health column); health becomes their verdict; the first software and
 * firmware versions become the inventory's where it has none. Unmatched details are warnings.
 */
export function mergeNpuDetails(
  inventory: DeviceInventory,
  details: readonly NpuDetails[],
): DeviceInventory {
  const devices = [...inventory.devices]
  const warnings = [...inventory.warnings]
  let { driverVersion, firmwareVersion } = inventory
  for (const d of details) {
    driverVersion ??= d.softwareVersion ?? null
    firmwareVersion ??= d.firmwareVersion ?? null
    const at = deviceFor(devices, d)
    const device = devices[at]
    if (device === undefined) {
      const chip = d.chipId === null ? '' : ` chip ${d.chipId}`
      warnings.push(`npu-smi details for NPU ${d.npuId ?? '?'}${chip} match no device`)
      continue
    }
    // a -t health verdict replaces the table's Health column
    const kept = device.health.issues.filter(
      (i) => d.reportedHealth === undefined || i.source !== 'npu-smi health',
    )
    const seen = new Set(kept.map((i) => `${i.source}|${i.reason}`))
    const issues = [
      ...kept,
      ...(d.issues ?? []).filter((i) => !seen.has(`${i.source}|${i.reason}`)),
    ]
    const merged: Device = {
      ...device,
      serial: device.serial ?? d.serial ?? null,
      busId: device.busId ?? d.busId ?? null,
      memoryTotalMiB: device.memoryTotalMiB ?? d.memoryTotalMiB ?? null,
      utilizationPercent: device.utilizationPercent ?? d.utilizationPercent ?? null,
      ecc: d.ecc ?? device.ecc,
      reportedHealth: d.reportedHealth ?? device.reportedHealth,
      health: verdict(issues),
    }
    devices[at] = sameChip(merged, device)
  }
  return { ...inventory, driverVersion, firmwareVersion, devices, warnings }
}
