import { verdict } from '../health.js'
import {
  unknownEcc,
  unknownLinks,
  type Device,
  type DeviceInventory,
  type SmiParser,
} from '../inventory.js'
import { numberIn, parseError } from '../text.js'

/**
 * The concise table of Hygon DTK `hy-smi` / `rocm-smi` (and of the ROCm-4.0.1-era `rocm-smi`
 * run on DCUs):
 *
 *     DCU  Temp   AvgPwr  Fan   Perf  PwrCap  VRAM%  DCU%   [Mode]
 *     0    30.0c  38.0W   0.0%  auto  280.0W    0%   0%
 *
 * Columns are read by their header name, so tables with or without `Fan`, `SCLK`/`MCLK` or
 * `Mode` all work; the first header word (`DCU`, `HCU` in DTK 25+, `GPU` in the old table) is
 * the device index column.
 *
 * The table prints no model name and no memory size (only `VRAM%`), so every device is
 * `catalogId: null`; `hy-smi --showproductname` or `rocm-smi --json` (the rocm-smi-json
 * parser) say which DCU it is. A `GPU` header is what AMD's own rocm-smi printed too: the
 * inventory still says Hygon (this is the Hygon tool's parser) and warns.
 *
 * Health: the table has no health column. `Mode` (`Normal` in the fixture) is an operating
 * mode whose other values we have not seen, so it is not taken as health: any other value is
 * kept as a warning. Temperatures are reported, not judged.
 */
const tool = 'hy-smi'

const headerRe = /^(DCU|HCU|GPU)\s+Temp\b/

function parse(text: string): DeviceInventory {
  const lines = text.split(/\r?\n/)
  const headerAt = lines.findIndex((l) => headerRe.test(l.trim()))
  const header = lines[headerAt]
  if (header === undefined) {
    throw parseError(tool, 1, 'no "DCU  Temp  AvgPwr …" header line')
  }
  const columns = header
    .trim()
    .split(/\s+/)
    .map((c) => c.toLowerCase())
  const deviceWord = header.trim().split(/\s+/)[0] ?? 'DCU'
  const warnings: string[] = []
  if (deviceWord === 'GPU') {
    warnings.push(
      'the table says GPU, not DCU/HCU: AMD rocm-smi prints the same table; taken as Hygon DCUs',
    )
  }

  const devices: Device[] = []
  const seen = new Set<number>()
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line.startsWith('=') || /^End of .{0,20}Log/i.test(line)) {
      break
    }
    if (line === '') {
      continue
    }
    const cells = line.split(/\s+/)
    const index = /^\d+$/.test(cells[0] ?? '') ? Number(cells[0]) : null
    if (index === null) {
      warnings.push(`line ${i + 1}: not a device row: "${line.slice(0, 80)}"`)
      continue
    }
    if (cells.length !== columns.length) {
      warnings.push(`line ${i + 1}: ${cells.length} cells under ${columns.length} columns`)
    }
    if (seen.has(index)) {
      warnings.push(`line ${i + 1}: ${deviceWord} ${index} listed twice`)
    }
    seen.add(index)
    const cell = (...names: string[]): string | undefined => {
      const at = columns.findIndex((c) => names.includes(c))
      return at < 0 ? undefined : cells[at]
    }
    const mode = cell('mode')
    if (mode !== undefined && !/^normal$/i.test(mode)) {
      warnings.push(`${deviceWord} ${index}: Mode "${mode}" (only "Normal" is known)`)
    }
    devices.push({
      index,
      model: deviceWord,
      catalogId: null,
      catalogReason: `the ${deviceWord} table prints no model name (hy-smi --showproductname does)`,
      uuid: null,
      serial: null,
      busId: null,
      memoryTotalMiB: null,
      memoryUsedMiB: null,
      utilizationPercent: numberIn(cell('dcu%', 'hcu%', 'gpu%')),
      temperatureC: numberIn(cell('temp')),
      powerDrawW: numberIn(cell('avgpwr')),
      powerLimitW: numberIn(cell('pwrcap')),
      ecc: unknownEcc,
      links: unknownLinks,
      reportedHealth: null,
      health: verdict([]),
    })
  }
  if (devices.length === 0) {
    throw parseError(tool, headerAt + 2, `no ${deviceWord} rows under the header`)
  }
  return {
    vendor: 'Hygon',
    tool,
    toolVersion: null,
    driverVersion: null,
    firmwareVersion: null,
    devices,
    warnings,
  }
}

export const hySmiParser: SmiParser = {
  tool,
  vendor: 'Hygon',
  detect(text: string): number {
    const header = /^[ \t]*(DCU|HCU|GPU)[ \t]+Temp[ \t]+AvgPwr\b/m.test(text)
    if (!header) {
      return 0
    }
    return /System Management Interface/.test(text) ? 0.9 : 0.5
  },
  parse,
}
