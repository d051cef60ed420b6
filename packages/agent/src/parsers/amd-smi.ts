import type { Catalog } from '@zhisuan/domain'
import { matchCatalog } from '../catalog-match.js'
import { verdict } from '../health.js'
import {
  unknownLinks,
  type Device,
  type DeviceInventory,
  type HealthIssue,
  type SmiParser,
} from '../inventory.js'
import { firstCapture, mebibytes, numberIn, parseError } from '../text.js'
import { cellsOf } from './box-table.js'

/**
 * `amd-smi` with no arguments (ROCm ≥ 6.4): a banner with the tool, amdgpu and ROCm versions
 * and the VBIOS, then two rows per GPU:
 *
 *     | BDF                        GPU-Name | Mem-Uti   Temp   UEC       Power-Usage |
 *     | GPU  HIP-ID  OAM-ID  Partition-Mode | GFX-Uti    Fan               Mem-Usage |
 *     | 0000:03:00.0 ...Radeon AI PRO R9700 | 1 %      79 °C   0           103/300 W |
 *     |   0       0     N/A             N/A | 100 %   38.82           29777/32624 MB |
 *
 * A row whose first cell starts with a PCI address opens a device; the next row completes it.
 * GPU-Name is cut to its last characters with a leading `...`: the parser drops the dots and
 * warns. The process table after the GPUs is not read. Mem-Usage "MB" is what amd-smi prints
 * for MiB (32624 MB on a 32 GB card).
 *
 * Health: the default view has no health column. Its `UEC` column (uncorrectable ECC errors)
 * is the one fault signal: a count above 0 is `degraded` with `reset-device` (the errors clear
 * on a reset; a page that keeps failing is retired by the driver), source `ecc-uncorrectable`.
 * Temperatures are reported, not judged.
 */
const tool = 'amd-smi'

const bdfRe = /^([0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s*(.*)$/

/** Values of a cell, each number joined to the unit after it: "1 %", "79 °C", "103/300 W". */
function valuesOf(cell: string | undefined): string[] {
  const out: string[] = []
  for (const token of (cell ?? '').split(/\s+/)) {
    const last = out.length - 1
    if (/^(%|°C|C|W|KB|MB|GB|KiB|MiB|GiB|B)$/.test(token) && last >= 0) {
      out[last] = `${out[last] ?? ''} ${token}`
    } else if (token !== '') {
      out.push(token)
    }
  }
  return out
}

/** "103/300 W" → [103, 300]; "29777/32624 MB" → MiB. */
function pair(
  value: string | undefined,
  toNumber: (s: string) => number | null,
): [number | null, number | null] {
  if (value === undefined) {
    return [null, null]
  }
  const [left = '', right = ''] = value.split('/')
  const unit = right.trim().replace(/^[\d.\s]+/, '')
  return [toNumber(`${left} ${unit}`), toNumber(right)]
}

interface Row {
  readonly line: number
  readonly bdf: string
  readonly name: string
  readonly top: readonly string[]
  second?: readonly string[]
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const bannerAt = lines.findIndex((l) => /^\s*(?:\|\s*)?AMD-SMI\s+\S/.test(l))
  if (bannerAt < 0) {
    throw parseError(tool, 1, 'no "AMD-SMI <version>" banner')
  }
  const find = (re: RegExp): string | null => firstCapture(lines, re)
  const warnings: string[] = []
  const rows: Row[] = []
  let table = false
  for (let i = bannerAt + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (/^\|\s*Processes:/.test(line)) {
      break
    }
    if (/^\|=+/.test(line)) {
      table = true
      continue
    }
    if (!table || !line.startsWith('|') || /^\|[-+]+/.test(line)) {
      continue
    }
    const cells = cellsOf(line)
    const bdf = bdfRe.exec(cells[0] ?? '')
    const open = rows[rows.length - 1]
    if (bdf !== null) {
      rows.push({ line: i + 1, bdf: bdf[1] ?? '', name: bdf[2] ?? '', top: cells })
    } else if (open !== undefined && open.second === undefined) {
      open.second = cells
    } else {
      warnings.push(`line ${i + 1}: row outside a GPU: "${line.slice(0, 80)}"`)
    }
  }
  if (rows.length === 0) {
    throw parseError(
      tool,
      bannerAt + 1,
      table
        ? 'no GPU rows (a row starts with its PCI address)'
        : 'no "|====" line above the GPU rows',
    )
  }

  const devices = rows.map((row, n): Device => {
    const top = valuesOf(row.top[1])
    const bottom = valuesOf(row.second?.[1])
    const ids = valuesOf(row.second?.[0])
    if (row.second === undefined) {
      warnings.push(`line ${row.line}: GPU ${row.bdf} has no second row`)
    }
    const truncated = row.name.startsWith('...')
    const model = row.name.replace(/^\.\.\./, '').trim() || 'unknown'
    if (truncated) {
      warnings.push(`GPU ${row.bdf}: amd-smi cut the name to "${row.name}"`)
    }
    const [powerDrawW, powerLimitW] = pair(
      top.find((v) => v.includes('/') && v.endsWith('W')),
      numberIn,
    )
    const [memoryUsedMiB, memoryTotalMiB] = pair(
      bottom.find((v) => v.includes('/') && v.endsWith('B')),
      mebibytes,
    )
    // Mem-Uti, Temp, UEC, Power-Usage by position when all four are there, else by their units
    const uec = numberIn(top.length === 4 ? top[2] : top.find((v) => /^\d+$/.test(v)))
    const issues: HealthIssue[] =
      uec !== null && uec > 0
        ? [
            {
              status: 'degraded',
              action: 'reset-device',
              reason: `${uec} uncorrectable ECC error(s) (amd-smi UEC)`,
              source: 'ecc-uncorrectable',
            },
          ]
        : []
    const match = matchCatalog(catalog, 'AMD', model, memoryTotalMiB)
    const index = /^\d+$/.test(ids[0] ?? '') ? Number(ids[0]) : n
    return {
      index,
      model,
      catalogId: match.catalogId,
      catalogReason: truncated ? `${match.reason} (name truncated by amd-smi)` : match.reason,
      uuid: null,
      serial: null,
      busId: row.bdf,
      memoryTotalMiB,
      memoryUsedMiB,
      utilizationPercent: numberIn(bottom.find((v) => v.endsWith('%'))),
      temperatureC: numberIn(top.length === 4 ? top[1] : top.find((v) => v.endsWith('C'))),
      powerDrawW,
      powerLimitW,
      ecc: { enabled: null, correctable: null, uncorrectable: uec, pending: null },
      links: unknownLinks,
      reportedHealth: null,
      health: verdict(issues),
    }
  })
  return {
    vendor: 'AMD',
    tool,
    toolVersion: find(/\bAMD-SMI\s+(\S+)/),
    driverVersion: find(/amdgpu version:\s*(\S+)/i),
    firmwareVersion: find(/VBIOS version:\s*(\S+)/i),
    devices,
    warnings,
  }
}

export const amdSmiParser: SmiParser = {
  tool,
  vendor: 'AMD',
  detect(text: string): number {
    // the banner opens a box row: "| AMD-SMI 26.2.1+fc0010cf6a    amdgpu version: …"
    if (!/^[ \t]*\|[ \t]*AMD-SMI\s+\d/m.test(text)) {
      return 0
    }
    return /\bGPU-Name\b|\bBDF\b/.test(text) ? 0.95 : 0.5
  },
  parse,
}
