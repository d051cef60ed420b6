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
 * MetaX `mx-smi`: optionally `mx-smi  version: 2.2.4`, a log header and `Attached GPUs : 8`,
 * then a box with `MX-SMI 2.2.4  Kernel Mode Driver Version: …` and `MACA Version: …  BIOS
 * Version: …`, then two rows per GPU:
 *
 *     | 0           MetaX C550             | 0000:0f:00.0        | 0%                   |
 *     | 29C         53W / 450W             | 858/65536 MiB       | Available            |
 *
 * (mx-smi 2.2.6 adds `Persistence-M` after the name, a perf state after the power and
 * `sGPU-M` after the utilisation, and may omit the `|====` line.) A row whose second cell is a
 * PCI address opens a GPU; the next row completes it. The process table is not read.
 * `toolVersion` is mx-smi's, `driverVersion` the kernel mode driver's, `firmwareVersion` the
 * BIOS's; the MACA (runtime) version has no field.
 *
 * Health: the `GPU-State` cell is the tool's own verdict and is kept in `reportedHealth`.
 * `Available` is ok. A state naming an error or fault (`Error`, `Fault`, `Failed`, `Lost`) is
 * `failed` with `reset-device`; any other state (e.g. `Unavailable`, `Busy`, one we have not
 * seen) is `degraded` with action `none`: the GPU is not offering itself for work and someone
 * should look. Temperatures are reported, not judged.
 */
const tool = 'mx-smi'

const vendorRow = /^\|\s*\d+\s+MetaX\s/

function stateIssues(state: string | null): HealthIssue[] {
  if (state === null || /^available$/i.test(state)) {
    return []
  }
  const broken = /error|fault|fail|lost/i.test(state)
  return [
    {
      status: broken ? 'failed' : 'degraded',
      action: broken ? 'reset-device' : 'none',
      reason: `mx-smi GPU-State "${state}"`,
      source: 'mx-smi GPU-State',
    },
  ]
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const bannerAt = lines.findIndex((l) => /\bMX-SMI\s+\d/.test(l))
  const versionLine = lines.findIndex((l) => /^mx-smi\s+version:\s*\d/i.test(l.trim()))
  const find = (re: RegExp): string | null => firstCapture(lines, re)
  const warnings: string[] = []
  if (bannerAt < 0 && versionLine < 0) {
    // a cut copy of the table still names the vendor in its GPU rows
    if (!lines.some((l) => vendorRow.test(l))) {
      throw parseError(tool, 1, 'no "MX-SMI <version>" banner')
    }
    warnings.push('no "MX-SMI" banner: tool and driver versions unknown')
  }
  const blocks: { line: number; rows: string[][] }[] = []
  for (let i = Math.max(bannerAt, versionLine) + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (/^\|\s*Process(es)?:/i.test(line)) {
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
      Math.max(bannerAt, versionLine, 0) + 1,
      'no GPU rows (a row whose second cell is a PCI address)',
    )
  }
  const devices = blocks.map(({ line, rows }, n): Device => {
    const [top = [], bottom = []] = rows
    if (rows.length < 2) {
      warnings.push(`line ${line}: GPU has no second row`)
    }
    // "0       MetaX C500             Off": index, name, Persistence-M (mx-smi 2.2.6)
    const head = indexAndName(top[0], ['On', 'Off', 'N/A'])
    const model = head?.name ?? 'unknown'
    // "35C     59W / 350W              P0": temperature, power draw / cap, perf state
    const [draw, cap] = ratio(words(bottom[0]))
    const [used = '', total = ''] = (bottom[1] ?? '').split('/')
    const unit =
      words(total)
        .pop()
        ?.replace(/^[\d.]+/, '') || 'MiB'
    const memoryTotalMiB = mebibytes(total)
    const state = bottom[2] !== undefined && bottom[2] !== '' ? bottom[2] : null
    const match = matchCatalog(catalog, 'MetaX', model, memoryTotalMiB)
    return {
      index: head?.index ?? n,
      model,
      catalogId: match.catalogId,
      catalogReason: match.reason,
      uuid: null,
      serial: null,
      busId: top[1] ?? null,
      memoryTotalMiB,
      memoryUsedMiB: mebibytes(/[A-Za-z]/.test(used) ? used : `${used} ${unit}`),
      utilizationPercent: percent(words(top[2])),
      temperatureC: celsius(words(bottom[0])),
      powerDrawW: numberIn(draw),
      powerLimitW: numberIn(cap),
      ecc: unknownEcc,
      links: unknownLinks,
      reportedHealth: state,
      health: verdict(stateIssues(state)),
    }
  })
  const attached = numberIn(find(/^Attached GPUs\s*:\s*(\d+)/) ?? undefined)
  if (attached !== null && attached !== devices.length) {
    warnings.push(`"Attached GPUs : ${attached}" but ${devices.length} GPU(s) in the table`)
  }
  return {
    vendor: 'MetaX',
    tool,
    toolVersion: find(/\bMX-SMI\s+(\S+)/) ?? find(/^mx-smi\s+version:\s*(\S+)/i),
    driverVersion: find(/Kernel Mode Driver Version:\s*(\S+)/),
    firmwareVersion: find(/BIOS Version:\s*(\S+)/),
    devices,
    warnings,
  }
}

export const mxSmiParser: SmiParser = {
  tool,
  vendor: 'MetaX',
  detect(text: string): number {
    const banner = /\bMX-SMI\s+\d/.test(text)
    const version = /^mx-smi\s+version:\s*\d/m.test(text)
    if (!banner && !version) {
      return /^\|[ \t]*\d+[ \t]+MetaX[ \t]/m.test(text) ? 0.7 : 0
    }
    return banner && /Kernel Mode Driver Version:/.test(text) ? 0.95 : 0.6
  },
  parse,
}
