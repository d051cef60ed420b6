import type { Catalog } from '@zhisuan/domain'
import { matchCatalog, type CatalogMatch } from '../catalog-match.js'
import { ascendHealthIssue } from '../health-rules/ascend.js'
import { verdict } from '../health.js'
import { unknownEcc, unknownLinks, type Device } from '../inventory.js'
import { numberIn, parseError } from '../text.js'

export const huawei = 'Huawei'

/** One chip row pair of `npu-smi info`, or one row of `npu-smi info -m`. */
export interface AscendChip {
  readonly npuId: number
  readonly chipId: number | null
  /** The Device / Chip Logic ID / Chip Phy-ID column, where the layout has one. */
  readonly logicId: number | null
  readonly name: string
  readonly health: string | null
  readonly busId: string | null
  readonly powerW: number | null
  readonly temperatureC: number | null
  readonly utilizationPercent: number | null
  /** `Memory-Usage(MB)`: on-board DDR on 310/910 (0 / 0 on 910B and later). */
  readonly ddr: Usage | null
  readonly hbm: Usage | null
  /** The layout is the Ascend 950 one (`NPU ID | Name`, `NPU Util(%)`). */
  readonly gen950: boolean
}
interface Usage {
  readonly used: number | null
  readonly total: number | null
}

// which NPU and chip each device is, for merging `-i <npu> -c <chip>` details into it
const chipOfDevice = new WeakMap<Device, { npuId: number; chipId: number | null }>()

/** The NPU and chip a device of an npu-smi inventory is (unknown for devices built elsewhere). */
export function npuChipOf(device: Device): { npuId: number; chipId: number | null } | undefined {
  return chipOfDevice.get(device)
}

/** Records that a (merged) device is the same NPU chip as another. */
export function sameChip(device: Device, as: Device): Device {
  const chip = chipOfDevice.get(as)
  if (chip !== undefined) {
    chipOfDevice.set(device, chip)
  }
  return device
}

/** A documentation placeholder: `xxx`, `x.x.x`. */
export function isPlaceholder(value: string): boolean {
  return /^x+(?:\.x+)*$/i.test(value.trim())
}

/** Cells of a table line `| a | b |`, trimmed; null for other lines. */
export function cellsOf(line: string): string[] | null {
  const t = line.trim()
  if (!t.startsWith('|')) {
    return null
  }
  const cells = t.slice(1).split('|')
  if (t.endsWith('|') && t.length > 1) {
    cells.pop()
  }
  return cells.map((c) => c.trim())
}

/** `used / total`, with or without spaces around the slash. */
export function usage(text: string | undefined): Usage | null {
  if (text === undefined) {
    return null
  }
  const [used, total] = text.split('/')
  return { used: numberIn(used), total: numberIn(total) }
}

/**
 * Maps a chip to the catalog. A 910-class chip printed without its 910B bin ("910", "910B",
 * "Ascend910") that has DDR beside 32 GB of HBM is a first-generation Ascend 910: the 910B
 * series prints its bin (910B2C, …) and shows 0 / 0 DDR (fixture npu-smi-info_910-name910B-x8).
 */
export function catalogOfChip(catalog: Catalog, chip: AscendChip): CatalogMatch {
  const name = chip.name.trim()
  const hbmGb = (chip.hbm?.total ?? 0) / 1024
  const hasDdr = (chip.ddr?.total ?? 0) > 0
  if (name === '' || isPlaceholder(name)) {
    return {
      catalogId: null,
      reason: chip.gen950
        ? `the name is a documentation placeholder ("${name}"); the NPU Util(%) layout is the Ascend 950 generation, which the catalog does not have`
        : `the name is a documentation placeholder ("${name}")`,
    }
  }
  if (/^(?:ascend\s*)?910b?$/i.test(name) && hasDdr && hbmGb > 30 && hbmGb <= 32.5) {
    const found = catalog.accelerators.some((a) => a.id === 'huawei-ascend-910a')
    if (found) {
      return {
        catalogId: 'huawei-ascend-910a',
        reason: `"${name}" with 32 GB HBM and on-board DDR is a first-generation Ascend 910 (910B-series chips print their bin and have no DDR)`,
      }
    }
  }
  const memory = hbmGb > 0 ? hbmGb * 1024 : (chip.ddr?.total ?? null)
  const match = matchCatalog(catalog, huawei, name, memory)
  if (match.catalogId === null && /^(?:ascend\s*)?310/i.test(name)) {
    return {
      catalogId: null,
      reason: `"${name}" is an Ascend 310-series inference chip; the catalog has no 310 entry`,
    }
  }
  return match
}

/**
 * Devices from chips. The index is the NPU id; where one NPU holds several chips (a 310 card,
 * A3), it is the chip's Device / logic id, or its position when the layout has none.
 */
export function chipsToDevices(chips: readonly AscendChip[], catalog: Catalog): Device[] {
  const npuIds = new Set(chips.map((c) => c.npuId))
  const logicIds = new Set(chips.map((c) => c.logicId))
  const byLogic = !logicIds.has(null) && logicIds.size === chips.length
  return chips.map((chip, position) => {
    const index =
      npuIds.size === chips.length ? chip.npuId : byLogic ? (chip.logicId ?? 0) : position
    const match = catalogOfChip(catalog, chip)
    const memory = (chip.hbm?.total ?? 0) > 0 ? chip.hbm : chip.ddr
    const issues =
      chip.health === null || chip.health.toUpperCase() === 'OK'
        ? []
        : [ascendHealthIssue(chip.health)]
    const device: Device = {
      index,
      model: chip.name,
      catalogId: match.catalogId,
      catalogReason: match.reason,
      uuid: null,
      serial: null,
      busId: chip.busId,
      memoryTotalMiB: memory?.total ?? null,
      memoryUsedMiB: memory?.used ?? null,
      utilizationPercent: chip.utilizationPercent,
      temperatureC: chip.temperatureC,
      powerDrawW: chip.powerW,
      powerLimitW: null,
      ecc: unknownEcc,
      links: unknownLinks,
      reportedHealth: chip.health,
      health: verdict(issues),
    }
    chipOfDevice.set(device, { npuId: chip.npuId, chipId: chip.chipId })
    return device
  })
}

/**
 * `npu-smi info -m`: `NPU ID  Chip ID  Chip Logic ID  [Chip Phy-ID]  Chip Name`, columns two or
 * more spaces apart. Rows whose logic id is `-` (the MCU of a card) are not chips.
 */
export function parseChipMap(
  lines: readonly string[],
  firstLine: number,
  warnings: string[],
): AscendChip[] {
  const start = lines.findIndex((l) => /^\s*NPU ID\s+Chip ID\s+Chip Logic ID/.test(l))
  if (start < 0) {
    throw parseError('npu-smi', firstLine, 'no "NPU ID  Chip ID  Chip Logic ID" header')
  }
  const columns = (lines[start] ?? '').trim().split(/\s{2,}|\t+/)
  const at = (name: string) => columns.indexOf(name)
  const chips: AscendChip[] = []
  for (const [i, line] of lines.entries()) {
    if (i <= start || line.trim() === '') {
      continue
    }
    const values = line.trim().split(/\s{2,}|\t+/)
    const npuId = numberIn(values[at('NPU ID')])
    const logic = values[at('Chip Logic ID')]
    const name = values[at('Chip Name')]
    if (values.length !== columns.length || npuId === null || name === undefined) {
      warnings.push(`line ${firstLine + i}: not an npu-smi info -m row: "${line.trim()}"`)
      continue
    }
    if (logic === '-') {
      warnings.push(`line ${firstLine + i}: ${name} of NPU ${npuId} has no logic id (not a chip)`)
      continue
    }
    chips.push({
      npuId,
      chipId: numberIn(values[at('Chip ID')]),
      logicId: numberIn(logic),
      name,
      health: null,
      busId: null,
      powerW: null,
      temperatureC: null,
      utilizationPercent: null,
      ddr: null,
      hbm: null,
      gen950: false,
    })
  }
  return chips
}
