/**
 * WCAG 2 contrast of two `#rrggbb` colours, from 1 (none) to 21 (black on white). AA asks 4.5
 * for text (3 for large text and for the graphics one needs to read a chart).
 * @example contrastRatio('#4a5260', '#ffffff') // 7.87
 */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/** Relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  if (m === null) {
    throw new Error(`not a #rrggbb colour: ${hex}`)
  }
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const v = parseInt(h ?? '0', 16) / 255
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/**
 * The series colours of the charts, in order: each at least 3:1 against the white they are
 * drawn on (ECharts' default green and yellow are under 2:1).
 */
export const chartColors: readonly string[] = [
  '#1d4ed8',
  '#b45309',
  '#166534',
  '#b91c1c',
  '#6d28d9',
  '#0e7490',
]
