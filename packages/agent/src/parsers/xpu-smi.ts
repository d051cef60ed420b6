import type { Catalog } from '@zhisuan/domain'
import { matchCatalog } from '../catalog-match.js'
import { verdict } from '../health.js'
import {
  unknownEcc,
  unknownLinks,
  type Device,
  type DeviceInventory,
  type HealthIssue,
  type SmiParser,
} from '../inventory.js'
import { firstCapture, mebibytes, numberIn, parseError } from '../text.js'
import { busRe, cellsOf, celsius, indexAndName, percent, ratio, words } from './box-table.js'

/**
 * Kunlunxin `xpu_smi`, in its two layouts:
 *
 * - old (runtime/driver 4.x: K200, R200, R300): `Runtime Version:` / `Driver Version:` lines,
 *   then a DEVICES table `| DevID | PCI Addr | Model | SN | INODE | UseRate | L3 | Memory |`
 *   read by column name; the VIDEO and PROCESSES tables are not read. A K200 board shows as
 *   two devices with one PCI address, which is kept as printed.
 * - new (5.x: P800), nvidia-smi-like: `XPU-SMI  Driver Version: …  XPU-RT Version: …`, then
 *   three rows per device; a row whose second cell is a PCI address opens a device.
 *
 * The tool's version: xpu_smi ships in the XPU runtime (XRE), so `toolVersion` is the runtime
 * version (`Runtime Version` / `XPU-RT Version`).
 *
 * Health: neither layout has a health column. The new layout's `Volatile Uncorr. ECC` count is
 * the one fault signal: above 0 it is `degraded` with `reset-device`, source
 * `ecc-uncorrectable`. Temperatures are reported, not judged.
 */
const tool = 'xpu-smi'

/** "504 / 8064 MB", "0MiB / 98304MiB" → [used, total] in MiB. */
function usage(text: string | undefined): [number | null, number | null] {
  const [used = '', total = ''] = (text ?? '').split('/')
  const unit =
    words(total)
      .pop()
      ?.replace(/^[\d.]+/, '') || 'MiB'
  return [mebibytes(/[A-Za-z]/.test(used) ? used : `${used} ${unit}`), mebibytes(total)]
}

function device(
  catalog: Catalog,
  index: number,
  model: string,
  rest: Partial<Omit<Device, 'index' | 'model' | 'catalogId' | 'catalogReason'>>,
): Device {
  const memoryTotalMiB = rest.memoryTotalMiB ?? null
  const match = matchCatalog(catalog, 'Kunlunxin', model, memoryTotalMiB)
  const issues: HealthIssue[] = []
  const uncorrectable = rest.ecc?.uncorrectable ?? null
  if (uncorrectable !== null && uncorrectable > 0) {
    issues.push({
      status: 'degraded',
      action: 'reset-device',
      reason: `${uncorrectable} volatile uncorrectable ECC error(s)`,
      source: 'ecc-uncorrectable',
    })
  }
  return {
    index,
    model,
    catalogId: match.catalogId,
    catalogReason: match.reason,
    uuid: null,
    serial: rest.serial ?? null,
    busId: rest.busId ?? null,
    memoryTotalMiB,
    memoryUsedMiB: rest.memoryUsedMiB ?? null,
    utilizationPercent: rest.utilizationPercent ?? null,
    temperatureC: rest.temperatureC ?? null,
    powerDrawW: rest.powerDrawW ?? null,
    powerLimitW: rest.powerLimitW ?? null,
    ecc: rest.ecc ?? unknownEcc,
    links: unknownLinks,
    reportedHealth: null,
    health: verdict(issues),
  }
}

function parseOld(lines: readonly string[], catalog: Catalog, warnings: string[]): Device[] {
  const headerAt = lines.findIndex((l) => {
    const c = cellsOf(l)
    return c.includes('DevID') && (c.includes('Memory') || c.includes('PCI Addr'))
  })
  if (headerAt < 0) {
    throw parseError(tool, 1, 'no "| DevID | PCI Addr | Model | … |" header and no XPU-SMI banner')
  }
  const columns = cellsOf(lines[headerAt] ?? '')
  const devices: Device[] = []
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (/^-+$/.test(line)) {
      if (devices.length > 0) {
        break
      }
      continue
    }
    if (!line.startsWith('|')) {
      break
    }
    const cells = cellsOf(line)
    const cell = (name: string): string | undefined => cells[columns.indexOf(name)]
    const id = cell('DevID') ?? ''
    if (!/^\d+$/.test(id)) {
      warnings.push(`line ${i + 1}: not a device row: "${line.slice(0, 80)}"`)
      continue
    }
    if (cells.length !== columns.length) {
      warnings.push(`line ${i + 1}: ${cells.length} cells under ${columns.length} columns`)
    }
    const [memoryUsedMiB, memoryTotalMiB] = usage(cell('Memory'))
    devices.push(
      device(catalog, Number(id), cell('Model') || 'unknown', {
        serial: cell('SN') || null,
        busId: cell('PCI Addr') || null,
        memoryTotalMiB,
        memoryUsedMiB,
        utilizationPercent: numberIn(cell('UseRate')),
      }),
    )
  }
  if (devices.length === 0) {
    throw parseError(tool, headerAt + 2, 'no device rows under the DEVICES header')
  }
  return devices
}

function parseNew(
  lines: readonly string[],
  bannerAt: number,
  catalog: Catalog,
  warnings: string[],
): Device[] {
  const blocks: { line: number; rows: string[][] }[] = []
  for (let i = bannerAt + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (/^\|\s*Processes:/.test(line)) {
      break
    }
    if (!line.startsWith('|') || /^\|[-=+]+\|?$/.test(line.replace(/\s/g, ''))) {
      continue
    }
    const cells = cellsOf(line)
    const open = blocks[blocks.length - 1]
    if (busRe.test(words(cells[1])[0] ?? '') && /^\d+\s/.test(cells[0] ?? '')) {
      blocks.push({ line: i + 1, rows: [cells] })
    } else if (open !== undefined && open.rows.length < 3) {
      open.rows.push(cells)
    }
  }
  if (blocks.length === 0) {
    throw parseError(
      tool,
      bannerAt + 1,
      'no device rows (a row whose second cell is a PCI address)',
    )
  }
  return blocks.map(({ line, rows }, n) => {
    const [top = [], mid = []] = rows
    if (rows.length < 2) {
      warnings.push(`line ${line}: device has no second row`)
    }
    // "0  P800 OAM           N/A": index, name, Persistence-M
    const head = indexAndName(top[0], ['N/A', 'On', 'Off', 'Enabled', 'Disabled'])
    const [draw, cap] = ratio(words(mid[0]))
    const [memoryUsedMiB, memoryTotalMiB] = usage(mid[1])
    return device(catalog, head?.index ?? n, head?.name ?? 'unknown', {
      busId: words(top[1])[0] ?? null,
      memoryTotalMiB,
      memoryUsedMiB,
      utilizationPercent: percent(words(mid[2])),
      temperatureC: celsius(words(mid[0])),
      powerDrawW: numberIn(draw),
      powerLimitW: numberIn(cap),
      ecc: { ...unknownEcc, uncorrectable: numberIn(top[2]) },
    })
  })
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const warnings: string[] = []
  const find = (re: RegExp): string | null => firstCapture(lines, re)
  const bannerAt = lines.findIndex((l) => /\bXPU-SMI\b/.test(l))
  const devices =
    bannerAt >= 0
      ? parseNew(lines, bannerAt, catalog, warnings)
      : parseOld(lines, catalog, warnings)
  return {
    vendor: 'Kunlunxin',
    tool,
    toolVersion: find(/(?:XPU-RT|Runtime) Version:\s*(\S+)/),
    driverVersion: find(/Driver Version:\s*(\S+)/),
    firmwareVersion: null,
    devices,
    warnings,
  }
}

export const xpuSmiParser: SmiParser = {
  tool,
  vendor: 'Kunlunxin',
  detect(text: string): number {
    if (/\bXPU-SMI\b/.test(text) && /XPU-RT Version:/.test(text)) {
      return 0.95
    }
    if (/\|\s*DevID\s*\|\s*PCI Addr\s*\|/.test(text)) {
      return /^Runtime Version:/m.test(text) ? 0.95 : 0.8
    }
    return 0
  },
  parse,
}
