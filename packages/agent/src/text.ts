import { ZhisuanError } from '@zhisuan/domain'
import type { ToolName } from './inventory.js'

/**
 * The error a parser throws for output it cannot read: it names the tool and the 1-based line.
 */
export function parseError(tool: ToolName, line: number, message: string): ZhisuanError {
  return new ZhisuanError('invalid-input', `${tool}: line ${line}: ${message}`, {
    issues: [{ path: tool, message, line }],
  })
}

/** A number from text such as "80 C", "275.86 W", "81559 MiB", "N/A" (null), "[N/A]" (null). */
export function numberIn(text: string | undefined): number | null {
  if (text === undefined) {
    return null
  }
  // "N/A", "[Not Supported]", "ERR!" carry no digits: null
  const m = /-?\d+(?:\.\d+)?/.exec(text.replace(/,/g, ''))
  if (m === null) {
    return null
  }
  const n = Number(m[0])
  return Number.isFinite(n) ? n : null
}

/** Memory text in MiB: "81559 MiB", "32768 MB" (MB as tools print it means MiB), "16 GB". */
export function mebibytes(text: string | undefined): number | null {
  const n = numberIn(text)
  if (n === null || text === undefined) {
    return null
  }
  if (/\bGi?B\b/i.test(text)) {
    return n * 1024
  }
  if (/\bKi?B\b/i.test(text)) {
    return n / 1024
  }
  return n
}

/** The first capture of `re` on the first line it matches; null when none does. */
export function firstCapture(lines: readonly string[], re: RegExp): string | null {
  for (const l of lines) {
    const v = re.exec(l)?.[1]
    if (v !== undefined) {
      return v
    }
  }
  return null
}
