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
import { busRe, cellsOf, celsius, indexAndName, percent, ratio, words } from './box-table.js'

/**
 * Iluvatar CoreX `ixsmi`, an nvidia-smi look-alike: an optional `Timestamp` line, the banner
 * `IX-ML: 4.3.0  Driver Version: 4.3.0  CUDA Version: 10.2`, then two rows per device:
 *
 *     | 0    Iluvatar BI-V150         | 00000000:13:00.0     | 1500MHz   1600MHz    |
 *     | N/A  35C   P0    103W / 350W  | 64MiB / 32768MiB     | 0%        Default    |
 *
 * A row whose second cell is a PCI address opens a device; the next row completes it. The
 * process table is not read. `toolVersion` is the IX-ML version (ixsmi is IX-ML's CLI).
 *
 * Each die of a dual-die BI-V150 card is its own device with 32 GiB (the catalog describes the
 * card). `BI-V150S` is not taken as the catalog's BI-V150: it is a different SKU whose die
 * count and memory per card we cannot confirm (one device of 32768 MiB fits one BI-V150 die and
 * also a single-die card), so it maps to null with that reason.
 *
 * Health: ixsmi's default view has no health, ECC or status column, so `reportedHealth` is
 * null and no issue is raised. Temperatures are reported, not judged.
 */
const tool = 'ixsmi'

const vendorRow = /^\|\s*\d+\s+Iluvatar\s/

/** Printed names that must not fall through to the catalog's family match. */
const notInCatalog: Readonly<Record<string, string>> = {
  'BI-V150S':
    'BI-V150S is a different SKU from the catalog BI-V150 (dual-die card); its memory per device (32 GiB) cannot tell them apart',
}

function match(catalog: Catalog, model: string, memoryMiB: number | null): CatalogMatch {
  const bare = model.replace(/^Iluvatar\s+/i, '').trim()
  const why = notInCatalog[bare.toUpperCase()]
  return why !== undefined
    ? { catalogId: null, reason: `"${model}" is not in the catalog: ${why}` }
    : matchCatalog(catalog, 'Iluvatar', model, memoryMiB)
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const bannerAt = lines.findIndex((l) => /\bIX-ML:\s*\S/.test(l))
  const banner = lines[bannerAt] ?? ''
  const warnings: string[] = []
  if (bannerAt < 0) {
    // a cut copy of the table still names the vendor in its device rows
    if (!lines.some((l) => vendorRow.test(l))) {
      throw parseError(tool, 1, 'no "IX-ML: <version>  Driver Version: …" banner')
    }
    warnings.push('no "IX-ML:" banner: tool and driver versions unknown')
  }
  const blocks: { line: number; rows: string[][] }[] = []
  for (let i = bannerAt + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (/^\|\s*Processes:/.test(line)) {
      break
    }
    if (!line.startsWith('|') || /^\|[-=+|]+$/.test(line.replace(/\s/g, ''))) {
      continue
    }
    const cells = cellsOf(line)
    const open = blocks[blocks.length - 1]
    if (busRe.test(cells[1] ?? '') && /^\d+\s/.test(cells[0] ?? '')) {
      blocks.push({ line: i + 1, rows: [cells] })
    } else if (open !== undefined && open.rows.length < 2) {
      open.rows.push(cells)
    }
  }
  if (blocks.length === 0) {
    throw parseError(
      tool,
      Math.max(1, bannerAt + 1),
      'no device rows (a row whose second cell is a PCI address)',
    )
  }
  const devices = blocks.map(({ line, rows }, n): Device => {
    const [top = [], bottom = []] = rows
    if (rows.length < 2) {
      warnings.push(`line ${line}: device has no second row`)
    }
    const head = indexAndName(top[0], [])
    const model = head?.name ?? 'unknown'
    // "N/A  35C   P0    103W / 350W": fan, temperature, perf state, power draw / cap
    const [draw, cap] = ratio(words(bottom[0]))
    const [used = '', total = ''] = (bottom[1] ?? '').split('/')
    const memoryTotalMiB = mebibytes(total)
    const m = match(catalog, model, memoryTotalMiB)
    return {
      index: head?.index ?? n,
      model,
      catalogId: m.catalogId,
      catalogReason: m.reason,
      uuid: null,
      serial: null,
      busId: top[1] ?? null,
      memoryTotalMiB,
      memoryUsedMiB: mebibytes(used),
      utilizationPercent: percent(words(bottom[2])),
      temperatureC: celsius(words(bottom[0])),
      powerDrawW: numberIn(draw),
      powerLimitW: numberIn(cap),
      ecc: unknownEcc,
      links: unknownLinks,
      reportedHealth: null,
      health: verdict([]),
    }
  })
  return {
    vendor: 'Iluvatar',
    tool,
    toolVersion: /IX-ML:\s*(\S+)/.exec(banner)?.[1] ?? null,
    driverVersion: /Driver Version:\s*(\S+)/.exec(banner)?.[1] ?? null,
    firmwareVersion: null,
    devices,
    warnings,
  }
}

export const ixsmiParser: SmiParser = {
  tool,
  vendor: 'Iluvatar',
  detect(text: string): number {
    if (!/\bIX-ML:\s*\S/.test(text)) {
      return /^\|[ \t]*\d+[ \t]+Iluvatar[ \t]/m.test(text) ? 0.7 : 0
    }
    return /Driver Version:/.test(text) ? 0.95 : 0.6
  },
  parse,
}
