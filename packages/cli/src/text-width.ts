// Terminal columns of text: what a table must measure to fit a terminal, since a CJK character
// takes two columns and a box-drawing line one.

/** Code point ranges of East Asian wide and fullwidth characters (and emoji), two columns each. */
const wide: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo
  [0x2e80, 0x303e], // CJK radicals, Kangxi, CJK punctuation
  [0x3041, 0x33ff], // kana, CJK symbols
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe30, 0xfe4f], // CJK compatibility forms
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd], // CJK extensions B and later
]

/** Ranges that take no column: combining marks, zero-width spaces and joiners, variation selectors. */
const zero: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f],
  [0x200b, 0x200f],
  [0x20d0, 0x20ff],
  [0xfe00, 0xfe0f],
]

const within = (ranges: readonly (readonly [number, number])[], code: number) =>
  ranges.some(([from, to]) => code >= from && code <= to)

/** Columns one character takes in a terminal: 0, 1 or 2. */
function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0
  if (code < 0x20 || within(zero, code)) {
    return 0
  }
  return within(wide, code) ? 2 : 1
}

/**
 * Columns `text` takes in a terminal: CJK and fullwidth characters count 2, box-drawing and
 * other narrow characters 1, combining marks 0. The widest line counts when there are several.
 * @example displayWidth('智算 H800') // 9
 */
export function displayWidth(text: string): number {
  let widest = 0
  for (const line of text.split('\n')) {
    let width = 0
    for (const char of line) {
      width += charWidth(char)
    }
    widest = Math.max(widest, width)
  }
  return widest
}

/**
 * `text` cut to at most `width` columns, ending in … when it was cut.
 * @example truncateToWidth('running on 2 nodes: best-fit block 0', 12) // 'running on…'
 */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) {
    return text
  }
  let kept = ''
  let used = 0
  for (const char of text) {
    const w = charWidth(char)
    if (used + w > width - 1) {
      break
    }
    kept += char
    used += w
  }
  return `${kept.trimEnd()}…`
}

/**
 * Prose broken at single spaces into lines of at most `width` columns; lines after the first
 * start with `indent`. Runs of spaces (a label's padding, an indent) are kept, and a word longer
 * than a line stays whole on a line of its own.
 */
export function wrapWords(text: string, width: number, indent = ''): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/(?<=\S) (?=\S)/)) {
    const candidate = line === '' ? word : `${line} ${word}`
    const prefix = lines.length === 0 ? '' : indent
    if (line !== '' && displayWidth(prefix + candidate) > width) {
      lines.push(prefix + line)
      line = word
    } else {
      line = candidate
    }
  }
  lines.push((lines.length === 0 ? '' : indent) + line)
  return lines.join('\n')
}
