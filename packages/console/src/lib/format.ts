/** A share as a percentage: `0.4567` → `45.7%`. */
export function percent(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–'
}

/** A count with thousands separators: `12345` → `12,345`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** A count and its noun, singular for one: `counted(1, 'spine', 'spines')` → `1 spine`. */
export function counted(n: number, one: string, many: string): string {
  return `${count(n)} ${n === 1 ? one : many}`
}

/** Standard compute units, to two decimals below 100 and whole above. */
export function scu(x: number): string {
  return x >= 100
    ? `${Math.round(x).toLocaleString('en-US')} SCU`
    : `${(Math.round(x * 100) / 100).toString()} SCU`
}

/**
 * A span of seconds in its two largest units, in words: `347` → `5 min 47 s`, `93784` →
 * `1 d 2 h`; under a minute to the second (`42 s`), and `0 s` for less than half a second.
 */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return '–'
  }
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ]
  const parts: string[] = []
  let rest = Math.round(seconds)
  for (const [name, size] of units) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) {
      parts.push(`${n} ${name}`)
    }
    // the two largest units: a unit after the first counts even when it is zero (`1 h`, not `1 h 0 s`)
    if (parts.length === 2 || (parts.length === 1 && n === 0)) {
      break
    }
  }
  return parts.length === 0 ? '0 s' : parts.join(' ')
}

/**
 * A share of a whole as a whole percentage, never rounded up to 100% nor down to 0% when it is
 * not: `0.996` → `99%`, `0.004` → `<1%`, `3.04` → `304%`.
 */
export function wholePercent(x: number): string {
  if (!Number.isFinite(x)) {
    return '–'
  }
  const p = x * 100
  if (p > 0 && p < 1) {
    return '<1%'
  }
  if (p > 99 && p < 100) {
    return '99%'
  }
  return `${Math.round(p)}%`
}

/** Unix seconds as local date and time, to the second. */
export function dateTime(unixS: number | null | undefined): string {
  if (unixS === null || unixS === undefined) {
    return '–'
  }
  const d = new Date(unixS * 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** Accelerator-seconds as accelerator-hours: `7200` → `2.0 accelerator-h`. */
export function acceleratorHours(seconds: number): string {
  return `${(seconds / 3600).toFixed(seconds < 36_000 ? 2 : 0)} accelerator-h`
}
