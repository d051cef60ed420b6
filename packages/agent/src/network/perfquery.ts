import { netParseError, type CounterSample, type NetParser, type NetworkReport } from './types.js'

/**
 * `perfquery` (infiniband-diags): `-x` (extended, 64-bit), `-E` (PortRcvErrorDetails), plain,
 * and the other `-X`/`-T`/`-D` pages, one block per port queried, as many blocks as the
 * command printed (`-a`, a loop over ports):
 *
 *     # Port extended counters: Lid 1719 port 1 (CapMask: 0x5300 CapMask2: 0x0000002)
 *     PortSelect:......................1
 *     PortXmitData:....................36298026860928
 *     PortXmitWait:....................22730501
 *
 * Each port becomes one CounterSample, `port` = `<lid>/<port>` (`1719/1`; the text after the
 * colon when it is not a LID, e.g. a directed route); blocks of the same port (`-x` then
 * `-E`) merge. Every counter is kept, select fields too; hex values (`0x0000`) are read.
 * Counters are 64-bit: one past 2^53 loses precision, with a warning. One sample judges
 * nothing (error counts need a rate), so there are no verdicts.
 */
const tool = 'perfquery'

/** `# Port extended counters: Lid 1719 port 1 …` → its kind and where; read by hand (linear). */
function headerOf(line: string): { kind: string; where: string } | null {
  const colon = line.indexOf(':')
  const kind = line.slice(1, colon).trim()
  if (!line.startsWith('#') || colon < 0 || !/counters/i.test(kind)) {
    return null
  }
  return { kind, where: line.slice(colon + 1).trim() }
}

/** `Lid 1719 port 1 (CapMask: …)` → `1719/1`. */
function portKeyOf(where: string, line: number): string {
  const m = /^Lid\s+(\d+)\s+port\s+(\w+)/i.exec(where)
  if (m?.[1] !== undefined && m[2] !== undefined) {
    return `${m[1]}/${m[2]}`
  }
  const port = /\bport\s+(\w+)/i.exec(where)?.[1]
  if (port === undefined) {
    throw netParseError(tool, line, `header names no port: "${where}"`)
  }
  const node = where
    .slice(0, where.search(/\bport\s/i))
    .trim()
    .replace(/;\s*$/, '')
  return `${node}/${port}`
}

function valueOf(text: string, line: number, name: string): number {
  if (/^0x[0-9a-f]+$/i.test(text)) {
    return Number.parseInt(text.slice(2), 16)
  }
  if (!/^\d+$/.test(text)) {
    throw netParseError(tool, line, `${name} "${text}" is not a number`)
  }
  return Number(text)
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const samples = new Map<string, Record<string, number>>()
  const kinds: { port: string; kind: string }[] = []
  let open: Record<string, number> | null = null
  let openPort = ''
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const n = i + 1
    const line = raw.trim()
    const header = headerOf(line)
    if (line === '' || /^ibwarn:/.test(line)) {
      continue
    }
    if (header !== null) {
      openPort = portKeyOf(header.where, n)
      open = samples.get(openPort) ?? {}
      samples.set(openPort, open)
      kinds.push({ port: openPort, kind: header.kind })
      continue
    }
    if (/iberror:/.test(line)) {
      warnings.push(`line ${n}: ${line}`)
      continue
    }
    const m = /^(\w+):\.*\s*(\S*)$/.exec(line)
    if (m?.[1] === undefined || m[2] === undefined) {
      throw netParseError(tool, n, 'not a "Counter:....value" line')
    }
    if (open === null) {
      throw netParseError(tool, n, 'counter before any "# … counters: Lid <n> port <n>" header')
    }
    const value = valueOf(m[2], n, m[1])
    const before = open[m[1]]
    if (before !== undefined && before !== value && !/Select/.test(m[1])) {
      warnings.push(`line ${n}: ${openPort} ${m[1]} read twice (${before}, then ${value})`)
    }
    if (!Number.isSafeInteger(value)) {
      warnings.push(`line ${n}: ${m[1]} ${m[2]} is past 2^53 and loses precision`)
    }
    open[m[1]] = value
  }
  if (samples.size === 0) {
    throw netParseError(tool, 1, 'no "# … counters: Lid <n> port <n>" header')
  }
  const counters: CounterSample[] = [...samples].map(([port, values]) => ({
    port,
    counters: values,
  }))
  return { tool, nics: [], counters, verdicts: [], extra: { blocks: kinds }, warnings }
}

/** `perfquery` (`-x`, `-E`, …): see the comment above `tool`. */
export const perfqueryParser: NetParser = {
  tool,
  detect(text: string): number {
    const header = (l: string): boolean => /\bport\s+\w/i.test(headerOf(l.trim())?.where ?? '')
    if (!text.split('\n').some(header)) {
      return /^Port(Xmit|Rcv)\w*:\.+\d/m.test(text) ? 0.5 : 0
    }
    return /^\w+:\.{3,}/m.test(text) ? 1 : 0.6
  },
  parse,
}
