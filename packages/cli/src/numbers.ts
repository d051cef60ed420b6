// Numbers as people read them in human output: thousands separators, units, plurals. JSON output
// never goes through here; it keeps raw numbers.

const formats = new Map<string, Intl.NumberFormat>()

/** The one en-US number format behind every helper here, cached per option set. */
function format(value: number, minDecimals: number, maxDecimals: number): string {
  const key = `${minDecimals}:${maxDecimals}`
  let f = formats.get(key)
  if (f === undefined) {
    f = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: minDecimals,
      maximumFractionDigits: maxDecimals,
    })
    formats.set(key, f)
  }
  return f.format(value)
}

/**
 * A count, rounded to a whole number, with thousands separators.
 * @example formatCount(100000) // '100,000'
 */
export function formatCount(value: number): string {
  return format(Math.round(value), 0, 0)
}

/**
 * A number with separators and exactly `decimals` decimals, as `toFixed` gives them.
 * @example formatFixed(1234.5, 2) // '1,234.50'
 */
export function formatFixed(value: number, decimals: number): string {
  return format(value, decimals, decimals)
}

/** Compact numbers for tables: integers with separators, others with up to 3 significant decimals. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    return format(value, 0, 0)
  }
  return format(value, 0, Math.abs(value) < 10 ? 3 : 1)
}

/**
 * A count and its noun, singular for exactly 1.
 * @example plural(1, 'vendor') // '1 vendor'
 * @example plural(1024, 'node') // '1,024 nodes'
 * @example plural(2, 'entry', 'entries') // '2 entries'
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatNumber(count)} ${count === 1 ? singular : pluralForm}`
}

/**
 * A fraction as a percentage.
 * @example formatPercent(0.5021) // '50.2%'
 */
export function formatPercent(fraction: number, decimals = 1): string {
  return `${formatFixed(fraction * 100, decimals)}%`
}

/**
 * An amount of US dollars: whole dollars from $100 up, cents below.
 * @example formatUsd(711404.2) // '$711,404'
 * @example formatUsd(2) // '$2.00'
 */
export function formatUsd(amount: number): string {
  return `$${formatFixed(amount, Math.abs(amount) < 100 ? 2 : 0)}`
}

/**
 * A large quantity with a short scale word: k, million, billion, trillion.
 * @example formatScaled(70.55e9) // '70.6 billion'
 * @example formatScaled(1.411e12) // '1.41 trillion'
 */
export function formatScaled(value: number): string {
  const scales: [number, string][] = [
    [1e12, 'trillion'],
    [1e9, 'billion'],
    [1e6, 'million'],
  ]
  for (const [size, word] of scales) {
    if (Math.abs(value) >= size) {
      const scaled = value / size
      return `${format(scaled, 0, Math.abs(scaled) < 10 ? 2 : 1)} ${word}`
    }
  }
  return formatNumber(value)
}

/** Gb/s as the largest sensible unit. */
export function formatGbps(gbps: number): string {
  if (gbps >= 1e6) {
    return `${formatNumber(gbps / 1e6)} Pb/s`
  }
  if (gbps >= 1e3) {
    return `${formatNumber(gbps / 1e3)} Tb/s`
  }
  return `${formatNumber(gbps)} Gb/s`
}

/**
 * Bytes in binary units.
 * @example formatBytes(402653184) // '384.0 MiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 'B'
  for (const next of units) {
    if (value < 1024) {
      break
    }
    value /= 1024
    unit = next
  }
  return unit === 'B' ? `${formatCount(value)} B` : `${formatFixed(value, 1)} ${unit}`
}
