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
 * Cambricon `cnmon` (no arguments): an optional timestamp, a box headed `CNMON v5.10.10
 * Driver v5.10.10` (v4: `CNMON v4.20.11`, the driver per card), then two rows per card:
 *
 *     | 0     /   MLU370-X4    v1.1.6 |         0000:1B:00.0 | 0%                N/A |
 *     |  0%   41C         27 W/ 150 W |     0 MiB/ 23308 MiB | N/A         Exclusive |
 *
 * v4 prints `Inited  Driver` (`On  v4.20.11`) where v5 prints the bus id, and `vMemory-Usage`
 * where v5 prints `SR-IOV  Compute-Mode`. The process table is not read. cnmon shows no health
 * verdict; `Ecc-Error` is kept as a warning when it is a count above zero, since the table
 * does not say whether the errors were corrected.
 */
const tool = 'cnmon'
const vendor = 'Cambricon'

/**
 * Catalog match that refuses a family-only match onto a sibling model: the catalog's one
 * MLU370 entry is the X8 (two chips, 250 W); an MLU370-X4 (one chip, 150 W cap, ~23 GB in the
 * fixtures) is a different card.
 */
export function cambriconMatch(
  catalog: Catalog,
  name: string,
  memoryMiB: number | null,
): CatalogMatch {
  const match = matchCatalog(catalog, vendor, name, memoryMiB)
  if (match.catalogId !== null && match.reason.startsWith('family')) {
    return {
      catalogId: null,
      reason: `"${name}" is not in the catalog: the ${match.reason} entry is ${match.catalogId}, a different card`,
    }
  }
  return match
}

interface Card {
  readonly line: number
  readonly index: number
  readonly name: string
  readonly firmware: string | null
  readonly busId: string | null
  readonly driver: string | null
  readonly util: number | null
  readonly ecc: string | undefined
}

function parseCardRow(cells: readonly string[], line: number, v4: boolean): Card {
  const tokens = (cells[0] ?? '').split(/\s+/)
  const index = Number(tokens[0])
  const last = tokens[tokens.length - 1] ?? ''
  const hasFirmware = tokens.length > 3 && /^v?\d+(?:\.\d+)+$/.test(last)
  const name = tokens.slice(2, hasFirmware ? -1 : undefined).join(' ')
  const second = (cells[1] ?? '').split(/\s+/)
  const [util, ecc] = (cells[2] ?? '').split(/\s+/)
  return {
    line,
    index,
    name,
    firmware: hasFirmware ? last.replace(/^v/, '') : null,
    busId: v4 ? null : second[0] === '' || second[0] === undefined ? null : second[0],
    driver: v4 ? (second[1]?.replace(/^v/, '') ?? null) : null,
    util: numberIn(util),
    ecc,
  }
}

function same(values: readonly (string | null)[], what: string, warnings: string[]): string | null {
  const set = [...new Set(values.filter((v): v is string => v !== null))]
  if (set.length > 1) {
    warnings.push(`cards report different ${what} versions: ${set.join(', ')}`)
  }
  return set[0] ?? null
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const warnings: string[] = []
  const devices: Device[] = []
  const cards: Card[] = []
  let toolVersion: string | null = null
  let driverVersion: string | null = null
  let header = false
  let v4 = false
  let card: Card | null = null
  for (const [i, row] of lines.entries()) {
    const line = i + 1
    const cells = rowCells(row)
    if (cells === null) {
      continue
    }
    const version = /CNMON\s+v?(\S+)/.exec(row)
    if (version !== null) {
      toolVersion = version[1] ?? null
      driverVersion = /Driver\s+v?(\S+)/.exec(row)?.[1] ?? null
    } else if (/^Card\s+VF\s+Name/.test(cells[0] ?? '')) {
      header = true
      v4 = /Driver/.test(cells[1] ?? '')
    } else if (/^Processes:/.test(cells[0] ?? '')) {
      break
    } else if (header && /^Fan\s+Temp/.test(cells[0] ?? '')) {
      continue
    } else if (header && /^\d+\s+(?:\/|\d+)\s+\S/.test(cells[0] ?? '')) {
      if (card !== null) {
        warnings.push(`line ${card.line}: card ${card.index} has no second row`)
      }
      card = parseCardRow(cells, line, v4)
    } else if (header && card !== null) {
      const temp = /(-?\d+(?:\.\d+)?)\s*C\b/.exec(cells[0] ?? '')?.[1]
      const power = /(\S+)\s*W\s*\/\s*(\S+)\s*W/.exec(cells[0] ?? '')
      const [used, total] = (cells[1] ?? '').split('/')
      const memoryTotalMiB = mebibytes(total)
      const match = cambriconMatch(catalog, card.name, memoryTotalMiB)
      if ((numberIn(card.ecc) ?? 0) > 0) {
        warnings.push(`card ${card.index}: Ecc-Error ${card.ecc ?? ''}`)
      }
      devices.push({
        index: card.index,
        model: card.name,
        catalogId: match.catalogId,
        catalogReason: match.reason,
        uuid: null,
        serial: null,
        busId: card.busId,
        memoryTotalMiB,
        memoryUsedMiB: mebibytes(used),
        utilizationPercent: card.util,
        temperatureC: numberIn(temp),
        powerDrawW: numberIn(power?.[1]),
        powerLimitW: numberIn(power?.[2]),
        ecc: unknownEcc,
        links: unknownLinks,
        reportedHealth: null,
        health: verdict([]),
      })
      cards.push(card)
      card = null
    }
  }
  if (!header) {
    throw parseError(tool, 1, 'no cnmon table header ("| Card  VF  Name  Firmware |")')
  }
  if (card !== null) {
    warnings.push(`line ${card.line}: card ${card.index} has no second row (output cut?)`)
  }
  return {
    vendor,
    tool,
    toolVersion,
    driverVersion:
      driverVersion ??
      same(
        cards.map((c) => c.driver),
        'driver',
        warnings,
      ),
    firmwareVersion: same(
      cards.map((c) => c.firmware),
      'firmware',
      warnings,
    ),
    devices,
    warnings,
  }
}

/** Cambricon `cnmon` (v4 and v5 table layouts). */
export const cnmonParser: SmiParser = {
  tool,
  vendor,
  detect(text) {
    if (/\|\s*CNMON\s+v?\d/.test(text)) {
      return 1
    }
    return /\|\s*Card\s+VF\s+Name/.test(text) ? 0.9 : 0
  },
  parse,
}
