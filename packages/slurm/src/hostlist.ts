import { ZhisuanError } from '@zhisuan/domain'

/**
 * Slurm hostlists: `gpu-[001-003,007],login1` ↔ `gpu-001, gpu-002, gpu-003, gpu-007, login1`.
 *
 * Expansion follows Slurm's rules: top-level commas separate host expressions; each bracket
 * holds comma-separated numbers and `lo-hi` ranges, zero-padded to the width of the lower
 * bound; several brackets in one expression multiply out (`r[1-2]n[1-2]` → r1n1 r1n2 r2n1 r2n2).
 */

/** More names than this from one hostlist is an error, not an allocation of gigabytes. */
const maxHosts = 1_000_000

/** Expands a Slurm hostlist into host names, in the order written (duplicates kept). */
export function expandHostlist(hostlist: string): string[] {
  const out: string[] = []
  for (const expression of splitTopLevel(hostlist)) {
    const trimmed = expression.trim()
    if (trimmed === '') {
      continue
    }
    for (const name of expandExpression(trimmed, hostlist)) {
      out.push(name)
      if (out.length > maxHosts) {
        throw new ZhisuanError(
          'invalid-input',
          `hostlist ${JSON.stringify(hostlist)} names more than ${maxHosts} hosts`,
        )
      }
    }
  }
  return out
}

/**
 * Compresses host names into a Slurm hostlist: names that differ only in a trailing number
 * share one bracket (`gpu-[001-003,007]`). Duplicates are dropped; groups keep the order in
 * which their prefix first appears, numbers inside a bracket ascend. `expandHostlist` of the
 * result gives back the same set of names.
 */
export function compressHostlist(names: Iterable<string>): string {
  interface Group {
    readonly prefix: string
    /** Zero-padding width, 0 for plain numbers. */
    readonly width: number
    readonly numbers: Set<number>
  }
  const seen = new Set<string>()
  const parsed: { name: string; prefix: string; digits: string }[] = []
  for (const name of names) {
    if (seen.has(name)) {
      continue
    }
    seen.add(name)
    if (name.trim() !== name || name === '' || /[[\],]/.test(name)) {
      throw new ZhisuanError('invalid-input', `${JSON.stringify(name)} is not a host name`)
    }
    const m = /^(.*?)(\d+)$/.exec(name)
    parsed.push({ name, prefix: m?.[1] ?? name, digits: m?.[2] ?? '' })
  }
  // The zero-padded numbers fix each prefix's widths (gpu-001 → width 3) ...
  const widths = new Map<string, Set<number>>()
  for (const p of parsed) {
    if (isPadded(p.digits)) {
      const set = widths.get(p.prefix) ?? new Set<number>()
      set.add(p.digits.length)
      widths.set(p.prefix, set)
    }
  }
  const order: (Group | string)[] = []
  const groups = new Map<string, Group>()
  for (const p of parsed) {
    if (p.digits === '' || p.digits.length > 15) {
      // no number (or one too long to be exact as a double): the name stands alone
      order.push(p.name)
      continue
    }
    // ... and a plain number of the same length joins them (gpu-100 with gpu-099).
    const width =
      isPadded(p.digits) || widths.get(p.prefix)?.has(p.digits.length) === true
        ? p.digits.length
        : 0
    const key = `${width}:${p.prefix}`
    let group = groups.get(key)
    if (group === undefined) {
      group = { prefix: p.prefix, width, numbers: new Set<number>() }
      groups.set(key, group)
      order.push(group)
    }
    group.numbers.add(Number(p.digits))
  }
  return order.map((item) => (typeof item === 'string' ? item : formatGroup(item))).join(',')
}

function isPadded(digits: string): boolean {
  return digits.length > 1 && digits.startsWith('0')
}

function formatGroup(group: {
  readonly prefix: string
  readonly width: number
  readonly numbers: ReadonlySet<number>
}): string {
  const numbers = [...group.numbers].sort((a, b) => a - b)
  const pad = (n: number): string => String(n).padStart(group.width, '0')
  const ranges: string[] = []
  let start: number | undefined
  let prev: number | undefined
  for (const n of [...numbers, Number.NaN]) {
    if (prev !== undefined && n === prev + 1) {
      prev = n
      continue
    }
    if (start !== undefined && prev !== undefined) {
      ranges.push(start === prev ? pad(start) : `${pad(start)}-${pad(prev)}`)
    }
    start = n
    prev = n
  }
  const only = numbers.length === 1 ? numbers[0] : undefined
  return only === undefined ? `${group.prefix}[${ranges.join(',')}]` : group.prefix + pad(only)
}

/** Splits at commas outside brackets. */
function splitTopLevel(hostlist: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of hostlist) {
    if (ch === '[') {
      depth++
    } else if (ch === ']') {
      depth--
      if (depth < 0) {
        throw bad(hostlist, 'a ] without its [')
      }
    }
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  if (depth !== 0) {
    throw bad(hostlist, 'a [ without its ]')
  }
  parts.push(current)
  return parts
}

function expandExpression(expression: string, whole: string): string[] {
  const open = expression.indexOf('[')
  if (open < 0) {
    return [expression]
  }
  const close = expression.indexOf(']', open)
  if (close < 0) {
    throw bad(whole, 'a [ without its ]')
  }
  const head = expression.slice(0, open)
  const body = expression.slice(open + 1, close)
  const rest = expandExpression(expression.slice(close + 1), whole)
  const out: string[] = []
  for (const item of body.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(item)
    if (m === null) {
      throw bad(whole, `${JSON.stringify(item)} is not a number or a lo-hi range`)
    }
    const loText = m[1] ?? ''
    const lo = Number(loText)
    const hi = m[2] === undefined ? lo : Number(m[2])
    if (hi < lo) {
      throw bad(whole, `range ${item} runs backwards`)
    }
    if ((hi - lo + 1) * rest.length > maxHosts) {
      throw bad(whole, `range ${item} names more than ${maxHosts} hosts`)
    }
    for (let n = lo; n <= hi; n++) {
      const name = head + String(n).padStart(loText.length, '0')
      for (const tail of rest) {
        out.push(name + tail)
      }
    }
  }
  return out
}

function bad(hostlist: string, why: string): ZhisuanError {
  return new ZhisuanError('invalid-input', `bad Slurm hostlist ${JSON.stringify(hostlist)}: ${why}`)
}
