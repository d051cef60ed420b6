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

/** A span of seconds in the two largest units: `93784` → `1d 2h`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return '–'
  }
  if (seconds < 60) {
    return `${Math.round(seconds)}s`
  }
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ]
  const parts: string[] = []
  let rest = Math.round(seconds)
  for (const [name, size] of units) {
    const n = Math.floor(rest / size)
    if (n > 0 || parts.length > 0) {
      parts.push(`${n}${name}`)
    }
    rest -= n * size
    if (parts.length === 2) {
      break
    }
  }
  return parts.filter((p) => !p.startsWith('0')).join(' ')
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
