import type { Catalog } from '@zhisuan/domain'
import { matchCatalog } from '../catalog-match.js'
import { verdict } from '../health.js'
import { unknownLinks, type Device, type DeviceInventory, type SmiParser } from '../inventory.js'
import { mebibytes, numberIn, parseError } from '../text.js'
import { busRe, words } from './box-table.js'

/**
 * Moore Threads `mthreads-gmi`: a timestamp, `mthreads-gmi:2.0.0   Driver Version:3.0.0`, then
 * three `|`-separated rows per GPU without a right border:
 *
 *     0    MTT S80        |00000000:01:00.0    |0%    662MiB(16384MiB)
 *          Physical       |16x(16x)            |41C   YES
 *                                              |      N/A
 *
 * (ID and name | PCI address | utilisation and memory `used(total)`; device type | PCIe lane
 * width (max) | temperature and MPC capable; ECC mode.) A row whose second cell is a PCI
 * address opens a GPU; up to two following rows complete it. The process table is not read.
 *
 * Memory is kept as printed even when `used` exceeds `total` (the S4000 fixture shows 44302 MiB
 * of 32768 MiB on a misconfigured host), with a warning.
 *
 * Health: mthreads-gmi's default view has no health or status column, so `reportedHealth` is
 * null and no issue is raised; `ECC Mode` only says whether ECC is on. Temperatures are
 * reported, not judged.
 */
const tool = 'mthreads-gmi'

const vendorRow = /^\d+\s+MTT\s[^|]*\|/

/** "44302MiB(32768MiB)" (also with spaces around the brackets) → used and total in MiB. */
function usedOfTotal(ws: readonly string[]): [number | null, number | null] {
  const at = ws.findIndex((w) => w.includes('('))
  if (at < 0) {
    return [null, null]
  }
  // join the words that make up "used ( total )" and read each side whole
  const start = ws[at]?.startsWith('(') === true ? Math.max(0, at - 1) : at
  const close = ws.findIndex((w, i) => i >= at && w.includes(')'))
  const joined = ws.slice(start, close < 0 ? at + 1 : close + 1).join('')
  const [used = '', rest = ''] = joined.split('(')
  const total = rest.split(')')[0] ?? ''
  const unit = /^[\d.]+[KMG]i?B$/
  return [unit.test(used) ? mebibytes(used) : null, unit.test(total) ? mebibytes(total) : null]
}

function eccMode(text: string | undefined): boolean | null {
  const t = (text ?? '').trim()
  return /^(on|enabled?|yes)$/i.test(t) ? true : /^(off|disabled?|no)$/i.test(t) ? false : null
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const bannerAt = lines.findIndex((l) => /mthreads-gmi:\s*\d/.test(l))
  const banner = lines[bannerAt] ?? ''
  const warnings: string[] = []
  if (bannerAt < 0) {
    // a cut copy of the table still names the vendor in its GPU rows
    if (!lines.some((l) => vendorRow.test(l))) {
      throw parseError(tool, 1, 'no "mthreads-gmi:<version>  Driver Version:<version>" line')
    }
    warnings.push('no "mthreads-gmi:" line: tool and driver versions unknown')
  }
  const blocks: { line: number; rows: string[][] }[] = []
  for (let i = bannerAt + 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (/^\s*Processes:/.test(line)) {
      break
    }
    if (!line.includes('|') || /^[-+=\s]+$/.test(line)) {
      continue
    }
    const cells = line.split('|').map((c) => c.trim())
    const open = blocks[blocks.length - 1]
    if (busRe.test(cells[1] ?? '') && /^\d+\s/.test(cells[0] ?? '')) {
      blocks.push({ line: i + 1, rows: [cells] })
    } else if (open !== undefined && open.rows.length < 3 && !/^ID\b/.test(cells[0] ?? '')) {
      open.rows.push(cells)
    }
  }
  if (blocks.length === 0) {
    throw parseError(
      tool,
      Math.max(1, bannerAt + 1),
      'no GPU rows (a row whose second cell is a PCI address)',
    )
  }
  const devices = blocks.map(({ line, rows }, n): Device => {
    const [top = [], mid = [], last = []] = rows
    if (rows.length < 3) {
      warnings.push(`line ${line}: GPU has ${rows.length} of 3 rows`)
    }
    const [id = '', ...name] = words(top[0])
    const index = /^\d+$/.test(id) ? Number(id) : n
    const model = name.length > 0 ? name.join(' ') : 'unknown'
    // "88%   44302MiB(32768MiB)": utilisation, memory used(total)
    const [memoryUsedMiB, memoryTotalMiB] = usedOfTotal(words(top[2]))
    if (memoryUsedMiB !== null && memoryTotalMiB !== null && memoryUsedMiB > memoryTotalMiB) {
      warnings.push(
        `GPU ${index}: memory used ${memoryUsedMiB} MiB exceeds total ${memoryTotalMiB} MiB (kept as printed)`,
      )
    }
    const match = matchCatalog(catalog, 'Moore Threads', model, memoryTotalMiB)
    return {
      index,
      model,
      catalogId: match.catalogId,
      catalogReason: match.reason,
      uuid: null,
      serial: null,
      busId: top[1] ?? null,
      memoryTotalMiB,
      memoryUsedMiB,
      utilizationPercent: numberIn(words(top[2]).find((w) => /^\d+(\.\d+)?%$/.test(w))),
      temperatureC: numberIn(words(mid[2]).find((w) => /^-?\d+(\.\d+)?C$/.test(w))),
      powerDrawW: null,
      powerLimitW: null,
      ecc: {
        enabled: eccMode(last[last.length - 1]),
        correctable: null,
        uncorrectable: null,
        pending: null,
      },
      links: unknownLinks,
      reportedHealth: null,
      health: verdict([]),
    }
  })
  return {
    vendor: 'Moore Threads',
    tool,
    toolVersion: /mthreads-gmi:\s*(\S+)/.exec(banner)?.[1] ?? null,
    driverVersion: /Driver Version:\s*(\S+)/.exec(banner)?.[1] ?? null,
    firmwareVersion: null,
    devices,
    warnings,
  }
}

export const mthreadsGmiParser: SmiParser = {
  tool,
  vendor: 'Moore Threads',
  detect(text: string): number {
    if (/mthreads-gmi:\s*\d/.test(text)) {
      return 0.95
    }
    return /\|\s*Pcie Lane Width\s*\|/.test(text) || /^\d+[ \t]+MTT[ \t]/m.test(text) ? 0.7 : 0
  },
  parse,
}
