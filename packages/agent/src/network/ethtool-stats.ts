import { netParseError, type NetParser, type NetworkReport } from './types.js'

/**
 * `ethtool -S <netdev>` (mlx5_core, i40e, bnxt_en, …): one `name: value` line per counter,
 * under a `NIC statistics:` header that copies and `grep` often leave out, indented or not.
 * The result is one CounterSample whose port is the netdev when the text names it (a prompt
 * line such as `$ ethtool -S enp178s0f0 | grep prio`), else ``.
 *
 * Names are kept exactly as ethtool prints them — the split is at the last `:` — so they
 * match the driver's documentation: bnxt_en's per-ring counters stay `[3]: rx_ucast_packets`,
 * i40e's `tx-0.tx_packets`, mlx5's `rx_prio3_pause`. Every counter is kept. Values above
 * 2^53 lose precision as numbers (a warning says how many).
 */
const tool = 'ethtool-stats'

const header = /^(NIC|PHY) statistics:$/
const command = /\bethtool\s+(?:-S|--statistics)\s+([A-Za-z0-9_.:@-]+)/
/** A counter line as detection wants it: a one-word name (maybe ring-prefixed), an integer. */
const counterLine = /^\s*(?:\[\d+\]: )?[A-Za-z][\w.-]*:\s+\d+\s*$/

function detect(text: string): number {
  const lines = text
    .split('\n', 400)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !command.test(l))
  if (lines.length === 0) {
    return 0
  }
  const counters = lines.filter((l) => counterLine.test(l)).length
  if (header.test(lines[0] ?? '') && counters > 0) {
    return 0.95
  }
  return counters >= 4 && counters / lines.length >= 0.9 ? 0.9 : 0
}

/** A counter line split at its last `:`, or null when the part after it is not an integer. */
function counterOf(line: string): { name: string; value: number } | null {
  const colon = line.lastIndexOf(':')
  const name = line.slice(0, colon).trim()
  const value = line.slice(colon + 1).trim()
  return colon > 0 && name !== '' && /^\d+$/.test(value) ? { name, value: Number(value) } : null
}

function parse(text: string): NetworkReport {
  const counters = new Map<string, number>()
  const warnings: string[] = []
  let netdev: string | null = null
  let other = 0
  let duplicates = 0
  let firstOther = 0
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    const named = command.exec(line)?.[1]
    if (named !== undefined) {
      netdev ??= named
      continue
    }
    if (line === '' || header.test(line)) {
      continue
    }
    const c = counterOf(line)
    if (c === null) {
      other++
      firstOther ||= i + 1
    } else if (counters.has(c.name)) {
      duplicates++
    } else {
      counters.set(c.name, c.value)
    }
  }
  if (counters.size === 0) {
    const at = firstOther || 1
    throw netParseError(
      tool,
      at,
      'no "name: value" counter line (ethtool -S prints one per counter)',
    )
  }
  if (other > 0) {
    warnings.push(
      `ignored ${other} line(s) that are not "name: value" counters (first: line ${firstOther})`,
    )
  }
  if (duplicates > 0) {
    warnings.push(`kept the first of ${duplicates} repeated counter name(s)`)
  }
  const imprecise = [...counters.values()].filter((v) => v > Number.MAX_SAFE_INTEGER).length
  if (imprecise > 0) {
    warnings.push(`${imprecise} counter(s) exceed 2^53 and are kept to double precision`)
  }
  const perRing = [...counters.keys()].filter((k) => k.startsWith('[')).length
  return {
    tool,
    nics: [],
    counters: [{ port: netdev ?? '', counters: Object.fromEntries(counters) }],
    verdicts: [],
    extra: { netdev, counterCount: counters.size, perRingCounters: perRing },
    warnings,
  }
}

/** The parser for `ethtool -S` output. */
export const ethtoolStatsParser: NetParser = { tool, detect, parse }
