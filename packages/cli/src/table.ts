import Table from 'cli-table3'
import { formatNumber } from './numbers.js'
import { displayWidth, truncateToWidth } from './text-width.js'

/** The widest line a table prints without `--wide`: it fits a terminal of 100 columns. */
export const tableWidth = 100

/** A cell: numbers get separators and align right. */
export type Cell = string | number

/** How a table is laid out. */
export interface TableOptions {
  /**
   * The widest a line may be: the widest text columns are cut, each long cell ending in …, until
   * the table fits. Default {@link tableWidth}; `Infinity` keeps every cell whole.
   */
  readonly maxWidth?: number
  /**
   * Per column, the narrowest it is cut to (default 8 columns, or its header's width);
   * `Infinity` never cuts it: an id people copy into the next command.
   */
  readonly minWidths?: readonly (number | undefined)[]
}

// A cell that reads as a figure: 3,612 · 87.0% · 12.9 s · ≤ 50 ms · ×1.0000 · 8x400 · −6.8%
const figure = /^(?:[-−+×~$]|[≤≥<>] ?)?\$?\d/
const placeholders = new Set(['', '—', '–'])
// a column is not cut below this by default, so a cut cell still says something
const narrowest = 8

/** A column of figures (numbers, or numbers with their unit) aligns right. */
function alignsRight(cells: readonly Cell[]): boolean {
  const isFigure = (c: Cell) => typeof c === 'number' || figure.test(c)
  return cells.some(isFigure) && cells.every((c) => isFigure(c) || placeholders.has(c as string))
}

/**
 * Widths of the columns after cutting the widest text columns until the table fits `maxWidth`:
 * a row of n columns of widths w is Σw + 3n + 1 wide (a space each side, a border between).
 */
function fittedWidths(
  head: readonly string[],
  cells: readonly (readonly string[])[],
  cuttable: readonly boolean[],
  maxWidth: number,
  minWidths: readonly (number | undefined)[],
): number[] {
  const widths = head.map((h, i) =>
    Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i] ?? ''))),
  )
  const floor = head.map((h, i) => Math.max(displayWidth(h), minWidths[i] ?? narrowest))
  const total = () => widths.reduce((s, w) => s + w, 0) + 3 * widths.length + 1
  while (total() > maxWidth) {
    let widest = -1
    widths.forEach((w, i) => {
      if (cuttable[i] === true && w > (floor[i] ?? 0) && w > (widths[widest] ?? 0)) {
        widest = i
      }
    })
    if (widest < 0) {
      break // nothing left to cut: the table stays wider than asked
    }
    widths[widest] = (widths[widest] ?? 0) - 1
  }
  return widths
}

/**
 * A plain table with a header row that fits {@link tableWidth} columns: figures align right, and
 * when the table is too wide the widest text columns are cut, their long cells ending in …,
 * never wrapped. A header may hold a line break for a two-line heading.
 * @example table(['node', 'health'], [['h100-001', 'healthy']])
 */
export function table(
  head: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string {
  const right = head.map((_, i) => alignsRight(rows.map((r) => r[i] ?? '')))
  // a cell is one line: a line break inside it would wrap the row
  const text = rows.map((row) =>
    row.map((cell) =>
      typeof cell === 'number' ? formatNumber(cell) : cell.replace(/\s*\n\s*/g, ' '),
    ),
  )
  const widths = fittedWidths(
    head,
    text,
    right.map((r) => !r),
    options.maxWidth ?? tableWidth,
    options.minWidths ?? [],
  )
  const t = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    colAligns: right.map((r) => (r ? 'right' : 'left')),
  })
  for (const row of text) {
    t.push(row.map((cell, i) => truncateToWidth(cell, widths[i] ?? Infinity)))
  }
  return t.toString()
}

/** A column of a table built from records, with what `--wide` adds. */
export interface Column<T> {
  readonly head: string
  /** The cell of a row; `wide` says whether `--wide` was given, for a cell that shortens without it. */
  readonly cell: (row: T, wide: boolean) => Cell
  /** Shown only with `--wide`, which keeps the default table within {@link tableWidth} columns. */
  readonly wide?: boolean
  /** The narrowest the column is cut to fit (default 8); `Infinity` for an id people copy. */
  readonly minWidth?: number
}

/**
 * A table of records: without `wide`, the columns not marked `wide`, fitted to
 * {@link tableWidth}; with it, every column and every cell whole.
 */
export function columnTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  wide = false,
): string {
  const shown = columns.filter((c) => wide || c.wide !== true)
  return table(
    shown.map((c) => c.head),
    rows.map((row) => shown.map((c) => c.cell(row, wide))),
    wide ? { maxWidth: Infinity } : { minWidths: shown.map((c) => c.minWidth) },
  )
}
