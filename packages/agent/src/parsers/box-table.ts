import { numberIn } from '../text.js'

/**
 * Cells and words of the nvidia-smi-style box tables that several vendors' tools print
 * (ixsmi, mx-smi, xpu_smi): split a row into cells, a cell into words, and read the usual
 * values from whole words only, so no regex scans a long cell (no quadratic backtracking).
 */

/** A PCI address as these tools print it: `0000:0f:00.0` or `00000000:13:00.0`. */
export const busRe = /^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/

export const words = (cell: string | undefined): string[] =>
  (cell ?? '').split(/\s+/).filter((w) => w !== '')

/** "0  P800 OAM  N/A" → 0 and "P800 OAM", dropping a trailing flag word such as Persistence-M. */
export function indexAndName(
  cell: string | undefined,
  flags: readonly string[],
): { index: number; name: string } | null {
  const [first, ...rest] = words(cell)
  if (first === undefined || !/^\d+$/.test(first) || rest.length === 0) {
    return null
  }
  if (rest.length > 1 && flags.includes(rest[rest.length - 1] ?? '')) {
    rest.pop()
  }
  return { index: Number(first), name: rest.join(' ') }
}

/** The words either side of a "/" word ("88W / 400W", "N/A / N/A"), or of a "103W/350W" word. */
export function ratio(ws: readonly string[]): [string | undefined, string | undefined] {
  const at = ws.indexOf('/')
  if (at > 0) {
    return [ws[at - 1], ws[at + 1]]
  }
  const [a, b] = ws.find((w) => w.includes('/') && w !== 'N/A')?.split('/') ?? []
  return [a, b]
}

// whole-word matches only: no regex scans a long cell (no quadratic backtracking)
export const celsius = (ws: readonly string[]): number | null =>
  numberIn(ws.find((w) => /^-?\d+(\.\d+)?C$/.test(w)))
export const percent = (ws: readonly string[]): number | null =>
  numberIn(ws.find((w) => /^\d+(\.\d+)?%$/.test(w)))

export const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim())

/** Cells of a row `| a | b |`; null for a line that is no row (text, or a rule of `=`, `+`, `-`). */
export function rowCells(line: string): string[] | null {
  const t = line.trim()
  return !t.startsWith('|') || /^\|[\s=+-]*\|?$/.test(t) ? null : cellsOf(t)
}
