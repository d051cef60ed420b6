import type { Catalog } from '@zhisuan/domain'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { parseError } from '../text.js'
import { isBundle, parseNpuBundle } from './npu-smi-bundle.js'
import { parseInfoTable } from './npu-smi-info.js'
import { chipsToDevices, huawei, parseChipMap } from './npu-smi-table.js'

export { parseNpuBundle } from './npu-smi-bundle.js'
export {
  mergeNpuDetails,
  parseNpuBoard,
  parseNpuEcc,
  parseNpuHealth,
  parseNpuUsages,
  type NpuDetails,
} from './npu-smi-health.js'
export { parseInfoTable, type NpuSmiTable } from './npu-smi-info.js'
export { npuChipOf } from './npu-smi-table.js'

/*
 * Huawei Ascend npu-smi. Files:
 *   npu-smi-info.ts    the `npu-smi info` table, every layout seen (see its parseInfoTable);
 *   npu-smi-table.ts   chips → devices, catalog mapping, `npu-smi info -m`;
 *   npu-smi-health.ts  `-t health|board|ecc|usages` key-value outputs and mergeNpuDetails;
 *   npu-smi-bundle.ts  MindCluster's npu_info_collect bundle;
 *   health-rules/ascend.ts  health values and MindCluster fault levels as data.
 * Health: the table's Health column and `-t health` give `reportedHealth`; Warning is degraded,
 * Alarm / Critical / UNKNOWN failed with drain-node, and each event code adds the issue of its
 * MindCluster level. toolVersion is npu-smi's, driverVersion the header's `Version:` (the
 * driver package); firmware comes only from `-t board` or a bundle's version.info.
 */
const tableRe = /^\s*\|\s*NPU\b.*\|\s*Health\s*\|/m
const mapRe = /^\s*NPU ID\s+Chip ID\s+Chip Logic ID/m

function parse(text: string, catalog: Catalog): DeviceInventory {
  if (isBundle(text)) {
    return parseNpuBundle(text, catalog)
  }
  const lines = text.split(/\r?\n/)
  const warnings: string[] = []
  const base = { vendor: huawei, tool: 'npu-smi', firmwareVersion: null } as const
  if (tableRe.test(text)) {
    const table = parseInfoTable(lines, 1, warnings)
    const devices = chipsToDevices(table.chips, catalog)
    const { toolVersion, driverVersion } = table
    return { ...base, toolVersion, driverVersion, devices, warnings }
  }
  if (mapRe.test(text)) {
    const devices = chipsToDevices(parseChipMap(lines, 1, warnings), catalog)
    return { ...base, toolVersion: null, driverVersion: null, devices, warnings }
  }
  if (/^\s*(?:Health(?: Status)?|Error Code|Board ID|Chip Count)\s+:/m.test(text)) {
    throw parseError(
      'npu-smi',
      1,
      'this is npu-smi info -t detail output, not a device list: read it with parseNpuHealth, parseNpuBoard or parseNpuEcc and mergeNpuDetails',
    )
  }
  throw parseError('npu-smi', 1, 'no npu-smi info table ("| NPU … | Health |") or -m header')
}

/** Huawei Ascend `npu-smi info`, `npu-smi info -m` and MindCluster's npu_info_collect bundle. */
export const npuSmiParser: SmiParser = {
  tool: 'npu-smi',
  vendor: huawei,
  detect(text) {
    if (/^\s*\|\s*npu-smi\s+\S+\s+Version:/m.test(text)) {
      return 1
    }
    if (tableRe.test(text) || mapRe.test(text) || isBundle(text)) {
      return 0.9
    }
    // -t health / board / ecc key-value output: npu-smi's, but no device list
    if (/^\s*(?:Health Status|Chip Count|NPU ID)\s+:/m.test(text)) {
      return 0.3
    }
    return 0
  },
  parse,
}
