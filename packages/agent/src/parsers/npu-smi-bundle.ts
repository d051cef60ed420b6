import { ZhisuanError, type Catalog } from '@zhisuan/domain'
import type { CatalogMatch } from '../catalog-match.js'
import type { Device, DeviceInventory } from '../inventory.js'
import { parseError } from '../text.js'
import {
  mergeNpuDetails,
  parseNpuBoard,
  parseNpuEcc,
  parseNpuHealth,
  parseNpuUsages,
  type NpuDetails,
  type NpuIds,
} from './npu-smi-health.js'
import { parseInfoTable, type NpuSmiTable } from './npu-smi-info.js'
import { chipsToDevices, huawei, parseChipMap, sameChip, type AscendChip } from './npu-smi-table.js'

// a command the collector echoes before its output, at column 0
const commandRe = /^(?:\/\S+|lspci|cat|pip|npu-smi|hccn_tool)(?:\s|$)/
const npuSmiCommandRe = /^(?:\/\S*\/)?npu-smi info\b/m

/** MindCluster's `npu_info_collect.sh` output: commands at column 0, each followed by its output. */
export function isBundle(text: string): boolean {
  return npuSmiCommandRe.test(text)
}

/**
 * Huawei PCI device ids (`lspci`: `Huawei Technologies Co., Ltd. Device d801`), for bundles
 * whose npu-smi gave no device list. d801 and d806 are seen in the fixtures; d100, d500 and
 * d802 are the Ascend 310, 310P and 910B ids of the PCI id registry.
 */
const pciChips: Readonly<Record<string, { chip: string; catalogId: string | null; why: string }>> =
  {
    d801: {
      chip: 'first-generation Ascend 910',
      catalogId: 'huawei-ascend-910a',
      why: 'the collector run on a healthy node maps d801 to "Ascend 910A" (npu-smi info -m)',
    },
    d802: { chip: 'Ascend 910B', catalogId: null, why: 'the id does not tell the bin (910B1-B4)' },
    d806: { chip: 'Ascend 950', catalogId: null, why: 'the catalog has no Ascend 950' },
    d100: { chip: 'Ascend 310', catalogId: null, why: 'the catalog has no 310 (inference)' },
    d500: { chip: 'Ascend 310P', catalogId: null, why: 'the catalog has no 310P (inference)' },
  }

function pciMatch(catalog: Catalog, ids: ReadonlySet<string>): CatalogMatch {
  const [id] = [...ids]
  const known = id === undefined ? undefined : pciChips[id]
  if (ids.size !== 1 || id === undefined || known === undefined) {
    const seen = ids.size === 0 ? 'no Huawei device' : `Huawei devices ${[...ids].join(', ')}`
    return {
      catalogId: null,
      reason: `no npu-smi device list in the bundle, and lspci shows ${seen}`,
    }
  }
  const inCatalog = catalog.accelerators.some((a) => a.id === known.catalogId)
  return {
    catalogId: inCatalog ? known.catalogId : null,
    reason: `no npu-smi device list in the bundle; lspci shows only PCI device ${id}, the ${known.chip}: ${known.why}`,
  }
}

interface Section {
  readonly command: string
  readonly firstLine: number
  readonly lines: string[]
}

function sectionsOf(text: string): Section[] {
  const sections: Section[] = []
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (commandRe.test(line)) {
      sections.push({ command: line.trim(), firstLine: i + 2, lines: [] })
    } else {
      sections[sections.length - 1]?.lines.push(line)
    }
  }
  return sections
}

/**
 * A MindCluster `npu_info_collect` bundle: `npu-smi info -m`, `npu-smi info` (may be empty),
 * `-t board|usages|health|ecc` per NPU, `lspci`, driver and firmware `version.info`, hccn_tool
 * output (skipped). Devices come from the `npu-smi info` table, else from `-m`, else one per
 * NPU that a `-t` output names (model from `-t board` or lspci); the `-t` outputs are merged in.
 * A `-t` command that failed (`Invalid card id.`) is a warning; a health block that cannot be
 * read is an error.
 */
export function parseNpuBundle(text: string, catalog: Catalog): DeviceInventory {
  const warnings: string[] = []
  const details: NpuDetails[] = []
  const pci = new Set<string>()
  let table: NpuSmiTable | null = null
  let map: AscendChip[] = []
  let driverVersion: string | null = null
  let firmwareVersion: string | null = null
  for (const { command, firstLine, lines } of sectionsOf(text)) {
    const body = lines.join('\n')
    const npu = /npu-smi info\b(.*)$/.exec(command)
    if (npu === null) {
      const version = /^\s*Version=(\S+)/m.exec(body)?.[1] ?? null
      if (command.includes('driver/version.info')) {
        driverVersion ??= version
      } else if (command.includes('firmware/version.info')) {
        firmwareVersion ??= version
      } else if (command.startsWith('lspci')) {
        for (const m of body.matchAll(/Huawei.*\bDevice ([0-9a-f]{4})\b/gi)) {
          pci.add((m[1] ?? '').toLowerCase())
        }
      }
      continue
    }
    const args = npu[1] ?? ''
    const type = /-t\s+(\w+)/.exec(args)?.[1]
    const ids: NpuIds = {
      npuId: numberOf(/-i\s+(\d+)/.exec(args)?.[1]),
      chipId: numberOf(/-c\s+(\d+)/.exec(args)?.[1]),
      firstLine,
    }
    const said = lines.find((l) => l.trim() !== '')?.trim()
    if (said === undefined) {
      warnings.push(`line ${firstLine - 1}: "${command}" printed nothing`)
    } else if (/^(?:Invalid|Error|Usage:)/.test(said)) {
      warnings.push(`line ${firstLine}: "${command}" failed: ${said}`)
    } else if (/\s-m\b/.test(args)) {
      map = parseChipMap(lines, firstLine, warnings)
    } else if (type === undefined) {
      table = parseInfoTable(lines, firstLine, warnings)
    } else if (type === 'health') {
      details.push(parseNpuHealth(body, ids))
    } else {
      details.push(...optional(type, body, ids, warnings))
    }
  }
  const chips = table !== null && table.chips.length > 0 ? table.chips : map
  let devices: Device[] = chipsToDevices(chips, catalog)
  if (devices.length === 0) {
    devices = fromDetails(details, catalog, pci)
  }
  if (devices.length === 0 && table?.found !== true) {
    throw parseError('npu-smi', 1, 'the bundle has no npu-smi info table, -m mapping or -t output')
  }
  const inventory: DeviceInventory = {
    vendor: huawei,
    tool: 'npu-smi',
    toolVersion: table?.toolVersion ?? null,
    driverVersion: table?.driverVersion ?? driverVersion,
    firmwareVersion,
    devices,
    warnings,
  }
  return mergeNpuDetails(inventory, details)
}

function numberOf(text: string | undefined): number | null {
  return text === undefined ? null : Number(text)
}

// board, usages and ecc outputs: a block that cannot be read is a warning, not the bundle's end
function optional(type: string, body: string, ids: NpuIds, warnings: string[]): NpuDetails[] {
  try {
    switch (type) {
      case 'board':
        return [parseNpuBoard(body, ids)]
      case 'usages':
        return [parseNpuUsages(body, ids)]
      case 'ecc':
        return parseNpuEcc(body, ids)
      default:
        return []
    }
  } catch (e) {
    if (e instanceof ZhisuanError) {
      warnings.push(e.message)
      return []
    }
    throw e
  }
}

/** One device per NPU that a `-t` output names; the model from `-t board`, else from lspci. */
function fromDetails(
  details: readonly NpuDetails[],
  catalog: Catalog,
  pci: ReadonlySet<string>,
): Device[] {
  const npuIds = [...new Set(details.map((d) => d.npuId))]
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b)
  const chips = npuIds.map((npuId): AscendChip => {
    const board = details.find((d) => d.npuId === npuId && d.model !== undefined)
    return {
      npuId,
      chipId: null,
      logicId: null,
      name: board?.model ?? (pci.size === 1 ? `PCI device ${[...pci].join('')}` : ''),
      health: null,
      busId: null,
      powerW: null,
      temperatureC: null,
      utilizationPercent: null,
      ddr: null,
      hbm: null,
      gen950: false,
    }
  })
  return chipsToDevices(chips, catalog).map((device) => {
    if (!device.model.startsWith('PCI device') && device.model !== '') {
      return device
    }
    const match = pciMatch(catalog, pci)
    const named = { ...device, catalogId: match.catalogId, catalogReason: match.reason }
    return sameChip(named, device)
  })
}
