import { numberIn, parseError } from '../text.js'
import { cellsOf, isPlaceholder, usage, type AscendChip } from './npu-smi-table.js'

/** What the `npu-smi info` table gives. */
export interface NpuSmiTable {
  readonly toolVersion: string | null
  readonly driverVersion: string | null
  readonly chips: readonly AscendChip[]
  /** The table header was found (an empty table is a node without NPUs). */
  readonly found: boolean
}

const metricKeys = [
  'Power(W)',
  'Temp(C)',
  'Hugepages-Usage(page)',
  'AICore(%)',
  'NPU Util(%)',
  'Memory-Usage(MB)',
  'HBM-Usage(MB)',
]

/** The metric names of a header cell, in the order they appear. */
function keysOf(cell: string | undefined): string[] {
  const text = cell ?? ''
  return metricKeys
    .map((k) => ({ k, at: text.indexOf(k) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.k)
}

/** Values of a metric cell by header key: `70.5   42   0 / 32768` → three values. */
function valuesOf(cell: string | undefined, keys: readonly string[]): Map<string, string> {
  const tokens = (cell ?? '').replace(/\s*\/\s*/g, '/').split(/\s+/)
  const values = new Map<string, string>()
  for (const [i, key] of keys.entries()) {
    const token = tokens.filter((t) => t !== '')[i]
    if (token !== undefined) {
      values.set(key, token)
    }
  }
  return values
}

const headerRe = /npu-smi\s+(\S+)\s+Version:\s*(\S+)/

/**
 * `npu-smi info`: all table layouts (with or without Hugepages, `Chip Device`, `Chip | Bus-Id`,
 * A3 two chips per NPU, Ascend 950 `NPU ID | Name` with `NPU Util(%)`). Each NPU is a pair of
 * rows (NPU row: id, name, health, power, temperature; chip row: chip, bus id, AICore, memory);
 * the process table after it is skipped.
 */
export function parseInfoTable(
  lines: readonly string[],
  firstLine: number,
  warnings: string[],
): NpuSmiTable {
  let toolVersion: string | null = null
  let driverVersion: string | null = null
  const chips: AscendChip[] = []
  let health = -1 // column of Health / Bus-Id
  let gen950 = false
  let keys1: string[] = []
  let keys2: string[] = []
  let state: 'before' | 'header2' | 'rows' | 'processes' = 'before'
  let npuRow: { line: number; cells: string[] } | null = null

  const flush = (chipCells: string[] | null, line: number) => {
    if (npuRow === null) {
      warnings.push(`line ${line}: chip row without its NPU row`)
      return
    }
    const ident = npuRow.cells.slice(0, health).join(' ').trim()
    const m = /^(\d+)\s*(.*)$/.exec(ident)
    if (m === null) {
      throw parseError('npu-smi', npuRow.line, `expected an NPU id, found "${ident}"`)
    }
    const top = valuesOf(npuRow.cells[health + 1], keys1)
    const bottom = valuesOf(chipCells?.[health + 1], keys2)
    const ids = (chipCells?.slice(0, health).join(' ') ?? '').split(/\s+/).map(numberIn)
    const util = bottom.get('AICore(%)') ?? bottom.get('NPU Util(%)')
    const bus = chipCells?.[health]
    chips.push({
      npuId: Number(m[1]),
      chipId: ids[0] ?? null,
      logicId: ids[1] ?? null,
      name: (m[2] ?? '').trim(),
      health: npuRow.cells[health] ?? null,
      busId: bus === undefined || bus === '' || /^NA$/i.test(bus) ? null : bus,
      powerW: numberIn(top.get('Power(W)')),
      temperatureC: numberIn(top.get('Temp(C)')),
      utilizationPercent: numberIn(util),
      ddr: usage(bottom.get('Memory-Usage(MB)')),
      hbm: usage(bottom.get('HBM-Usage(MB)')),
      gen950,
    })
    if (chipCells === null) {
      warnings.push(`line ${npuRow.line}: NPU ${m[1]} has no chip row (output cut?)`)
    }
    npuRow = null
  }

  for (const [i, text] of lines.entries()) {
    const line = firstLine + i
    const version = headerRe.exec(text)
    if (version !== null && state === 'before') {
      toolVersion = version[1] ?? null
      driverVersion = version[2] ?? null
      continue
    }
    const cells = cellsOf(text)
    if (cells === null || state === 'processes') {
      continue
    }
    if (state === 'before') {
      health = cells.indexOf('Health')
      if (health > 0 && keysOf(cells[health + 1]).length > 0) {
        keys1 = keysOf(cells[health + 1])
        gen950 = cells[0] === 'NPU ID'
        state = 'header2'
      }
    } else if (state === 'header2') {
      if (cells[health] !== 'Bus-Id') {
        throw parseError('npu-smi', line, 'expected the second header row with "Bus-Id"')
      }
      keys2 = keysOf(cells[health + 1])
      state = 'rows'
    } else if (cells.some((c) => c.includes('Process id'))) {
      state = 'processes'
    } else if (cells.length > health) {
      const value = cells[health] ?? ''
      // an NPU row has a health word (OK, Warning, …); a chip row a bus id
      if (/^[A-Za-z][A-Za-z ]*$/.test(value) && !/^NA$/i.test(value)) {
        if (npuRow !== null) {
          flush(null, line)
        }
        npuRow = { line, cells }
      } else {
        flush(cells, line)
      }
    }
  }
  if (npuRow !== null) {
    flush(null, firstLine + lines.length - 1)
  }
  if (state === 'header2') {
    throw parseError('npu-smi', firstLine + lines.length - 1, 'the table header ends early')
  }
  for (const [what, v] of [
    ['npu-smi', toolVersion],
    ['driver', driverVersion],
  ] as const) {
    if (v !== null && isPlaceholder(v)) {
      warnings.push(`the ${what} version is a documentation placeholder ("${v}")`)
    }
  }
  return {
    toolVersion: toolVersion === null || isPlaceholder(toolVersion) ? null : toolVersion,
    driverVersion: driverVersion === null || isPlaceholder(driverVersion) ? null : driverVersion,
    chips,
    found: state !== 'before',
  }
}
