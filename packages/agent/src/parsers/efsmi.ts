import type { Catalog } from '@zhisuan/domain'
import { matchCatalog, type CatalogMatch } from '../catalog-match.js'
import { verdict } from '../health.js'
import {
  unknownEcc,
  unknownLinks,
  type Device,
  type DeviceInventory,
  type SmiParser,
} from '../inventory.js'
import { mebibytes, numberIn, parseError } from '../text.js'
import { rowCells } from './box-table.js'

/**
 * Enflame `efsmi` (no arguments): a banner, `EFSMI V1.2.0.301  Driver Ver: 1.2.0.301` (1.6:
 * `EFSMI: 1.6.3.12`), then two rows per device:
 *
 *     | 0      S60                 | 33.6.2          | 00:01:00.0  Disable       |
 *     | 39 C   Sleep    105W  300W | 49120MiB Disable|   0.0%      A073640510015 |
 *
 * DEV and NAME, firmware, bus id and ECC (Enable/Disable); temperature (`39 C` or `34℃`), power
 * state (`Dpm`, 1.6: `Lpm`), power usage and cap (or `N/A`); `Mem` (read as the device's
 * memory size: efsmi prints no used figure), `GCU Virt` (`Disable` or `SRIOV`), `DUsed` (the
 * utilisation) and the serial. Under SR-IOV each row is a virtual function (two rows can share a
 * serial). efsmi shows no health verdict.
 */
const tool = 'efsmi'
const vendor = 'Enflame'

/**
 * Catalog match that refuses a family-only match onto a variant the catalog does not list
 * ("Enflame S60G" is not assumed to be the S60), nor an SR-IOV virtual function, which holds
 * only part of a card.
 */
export function enflameMatch(
  catalog: Catalog,
  name: string,
  memoryMiB: number | null,
  sriov: boolean,
): CatalogMatch {
  const match = matchCatalog(catalog, vendor, name, memoryMiB)
  if (match.catalogId !== null && match.reason.startsWith('family')) {
    return {
      catalogId: null,
      reason: `"${name}" is not in the catalog (the ${match.reason} entry ${match.catalogId} is not assumed to be the same card${sriov ? '; each row is an SR-IOV virtual function' : ''})`,
    }
  }
  if (match.catalogId !== null && sriov) {
    return {
      catalogId: null,
      reason: `an SR-IOV virtual function of a ${match.catalogId}, not the whole card`,
    }
  }
  return match
}

interface Top {
  readonly line: number
  readonly index: number
  readonly name: string
  readonly firmware: string | null
  readonly busId: string | null
  readonly ecc: string | undefined
}

const temperatureRe = /^-?\d+(?:\.\d+)?\s*(?:°?C|℃)(?:\s|$)/

function parse(text: string, catalog: Catalog): DeviceInventory {
  const warnings: string[] = []
  const devices: Device[] = []
  const firmware: string[] = []
  let toolVersion: string | null = null
  let driverVersion: string | null = null
  let header = false
  let top: Top | null = null
  for (const [i, row] of text.split(/\r?\n/).entries()) {
    const cells = rowCells(row)
    if (cells === null) {
      continue
    }
    const first = cells[0] ?? ''
    const version = /EFSMI:?\s+V?(\d\S*)/i.exec(first)
    if (version !== null) {
      toolVersion = version[1] ?? null
      driverVersion = /Driver Ver:\s*(\S+)/.exec(first)?.[1] ?? null
    } else if (/^DEV\s+NAME/.test(first)) {
      header = true
    } else if (!header || /^TEMP\s/.test(first)) {
      continue
    } else if (/^\d+\s+\S/.test(first) && !temperatureRe.test(first)) {
      if (top !== null) {
        warnings.push(`line ${top.line}: device ${top.index} has no second row`)
      }
      const m = /^(\d+)\s+(.*)$/.exec(first)
      const [bus, ecc] = (cells[2] ?? '').split(/\s+/)
      top = {
        line: i + 1,
        index: Number(m?.[1] ?? 0),
        name: (m?.[2] ?? '').trim(),
        firmware: cells[1] === undefined || cells[1] === '' ? null : cells[1],
        busId: bus === undefined || bus === '' ? null : bus,
        ecc,
      }
    } else if (top !== null) {
      const tokens = first.replace(/(\d)\s+C\b/, '$1C').split(/\s+/)
      const watts = tokens.filter((t) => /^\d+(?:\.\d+)?W$/.test(t))
      const [mem, virt] = (cells[1] ?? '').split(/\s+/)
      const [util, serial] = (cells[2] ?? '').split(/\s+/)
      const memoryTotalMiB = mebibytes(mem)
      const sriov = /sr-?iov/i.test(virt ?? '')
      const match = enflameMatch(catalog, top.name, memoryTotalMiB, sriov)
      const eccEnabled = top.ecc === 'Enable' ? true : top.ecc === 'Disable' ? false : null
      if (top.firmware !== null) {
        firmware.push(top.firmware)
      }
      devices.push({
        index: top.index,
        model: top.name,
        catalogId: match.catalogId,
        catalogReason: match.reason,
        uuid: null,
        serial: serial === undefined || serial === '' ? null : serial,
        busId: top.busId,
        memoryTotalMiB,
        memoryUsedMiB: null,
        utilizationPercent: numberIn(util),
        temperatureC: numberIn(tokens[0]),
        powerDrawW: numberIn(watts[0]),
        powerLimitW: numberIn(watts[1]),
        ecc: { ...unknownEcc, enabled: eccEnabled },
        links: unknownLinks,
        reportedHealth: null,
        health: verdict([]),
      })
      top = null
    }
  }
  if (!header) {
    throw parseError(tool, 1, 'no efsmi table header ("| DEV    NAME | FW VER | BUS-ID  ECC |")')
  }
  if (top !== null) {
    warnings.push(`line ${top.line}: device ${top.index} has no second row (output cut?)`)
  }
  const versions = [...new Set(firmware)]
  if (versions.length > 1) {
    warnings.push(`devices run different firmware: ${versions.join(', ')}`)
  }
  return {
    vendor,
    tool,
    toolVersion,
    driverVersion,
    firmwareVersion: versions.length === 1 ? (versions[0] ?? null) : null,
    devices,
    warnings,
  }
}

/** Enflame `efsmi` (1.2 and 1.6 layouts, SR-IOV). */
export const efsmiParser: SmiParser = {
  tool,
  vendor,
  detect(text) {
    if (/Enflame System Management Interface|\|\s*EFSMI[:\s]+V?\d/i.test(text)) {
      return 1
    }
    return /\|\s*DEV\s+NAME\s+\|\s*FW VER/.test(text) ? 0.8 : 0
  },
  parse,
}
