import { isCommandEcho } from './ib-port.js'
import { netParseError, type NetParser, type NetVerdict, type NetworkReport } from './types.js'

/**
 * `ibnetdiscover --ports` (`-p`): one line per port of the fabric, with its peer when linked:
 *
 *     CA   134  1 0x7cfe9003003b4bde 4x EDR - SW  1719 10 0x7cfe9003009ce5b0 ( 'o0001 HCA-1' - 'ib-i1l1s01' )
 *     SW  2052 37 0x506b4b03005c2740 4x ???                                    'ib-i4l1s01'
 *
 * type (CA, SW, RT), LID, port, GUID, width, speed, then `- <peer type> <lid> <port> <guid>
 * ( '<name>' - '<peer name>' )` or, for a port with no peer, only `'<name>'`. Node names are
 * trimmed (node descriptions often carry stray spaces). A link shows up from both of its ends;
 * `extra.links` holds it once. Ports without a peer are in `extra.unlinked`.
 *
 * This is the fabric, not this node, so it gives no NicPorts. It gives one verdict: a link
 * narrower than the fabric's usual width (a 4x link trained down to 1x after a lane failed)
 * is `degraded`.
 */
const tool = 'ibnetdiscover'

/** Gb/s per lane by speed name, as ibstat counts them (4x FDR = 56, 4x NDR = 400). */
const laneGbps: Readonly<Record<string, number>> = {
  SDR: 2.5,
  DDR: 5,
  QDR: 10,
  FDR10: 10,
  FDR: 14,
  EDR: 25,
  HDR: 50,
  NDR: 100,
  XDR: 200,
}

export interface FabricLink {
  readonly fromGuid: string
  readonly fromPort: number
  readonly toGuid: string
  readonly toPort: number
  readonly width: string
  readonly speed: string
  readonly rateGbps: number | null
  readonly fromName: string
  readonly toName: string
}

export interface FabricNode {
  readonly guid: string
  readonly type: 'CA' | 'SW' | 'RT'
  readonly lid: number
  readonly name: string
}

interface End {
  readonly type: FabricNode['type']
  readonly lid: number
  readonly port: number
  readonly guid: string
}

const typeRe = /^(CA|SW|RT)$/

/** `CA 134 1 0x7cfe…` as four words; null when they are not that. */
function endOf(words: readonly string[]): End | null {
  const [type = '', lid = '', port = '', guid = ''] = words
  if (
    !typeRe.test(type) ||
    !/^\d+$/.test(lid) ||
    !/^\d+$/.test(port) ||
    !/^0x[0-9a-f]+$/i.test(guid)
  ) {
    return null
  }
  return {
    type: type as End['type'],
    lid: Number(lid),
    port: Number(port),
    guid: guid.toLowerCase(),
  }
}

/** `4x` × EDR → 100; null for `???` or a width or speed we do not know. */
function rateOf(width: string, speed: string): number | null {
  const lanes = /^(\d+)x$/i.exec(width)?.[1]
  const perLane = laneGbps[speed.toUpperCase()]
  return lanes === undefined || perLane === undefined ? null : Number(lanes) * perLane
}

interface PortLine {
  readonly from: End
  readonly to: End | null
  readonly width: string
  readonly speed: string
  readonly names: readonly string[]
}

/** Splits a port line at its first quote: words before, quoted names after. */
function portLineOf(line: string, n: number): PortLine {
  const quote = line.indexOf("'")
  const words = (quote < 0 ? line : line.slice(0, quote)).split(/\s+/).filter((w) => w !== '')
  const from = endOf(words)
  const [width = '', speed = ''] = words.slice(4, 6)
  const linked = words[6] === '-'
  const to = linked ? endOf(words.slice(7, 11)) : null
  if (from === null || width === '' || speed === '' || (linked && to === null) || quote < 0) {
    throw netParseError(
      tool,
      n,
      "not a --ports line (<type> <lid> <port> <guid> <width> <speed> … '<name>')",
    )
  }
  // `'a' - 'b' )` or `'a'`: names between quote pairs, the ` - ` between them dropped
  // trimmed by hand: a `\s*\)\s*$` pattern is quadratic on a long run of spaces
  const closed = line.slice(quote).trimEnd()
  const tail = closed.endsWith(')') ? closed.slice(0, -1).trimEnd() : closed
  const names = (linked ? tail.split(/'\s+-\s+'/) : [tail]).map((s) =>
    s.replace(/^'|'$/g, '').trim(),
  )
  return { from, to, width, speed, names }
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const nodes = new Map<string, FabricNode>()
  const links = new Map<string, FabricLink>()
  const unlinked: { guid: string; port: number; width: string; speed: string; name: string }[] = []
  const note = (end: End, name: string): void => {
    if (!nodes.has(end.guid)) {
      nodes.set(end.guid, { guid: end.guid, type: end.type, lid: end.lid, name })
    }
  }
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || isCommandEcho(line, /^ibnetdiscover\b/)) {
      continue
    }
    const { from, to, width, speed, names } = portLineOf(line, i + 1)
    const [fromName = '', toName = ''] = names
    note(from, fromName)
    if (to === null) {
      unlinked.push({ guid: from.guid, port: from.port, width, speed, name: fromName })
      continue
    }
    note(to, toName)
    const a = `${from.guid}/${from.port}`
    const b = `${to.guid}/${to.port}`
    const seen = links.get(`${b}|${a}`)
    if (seen !== undefined) {
      if (seen.width !== width || seen.speed !== speed) {
        warnings.push(
          `line ${i + 1}: the two ends of ${a} disagree: ${seen.width} ${seen.speed} vs ${width} ${speed}`,
        )
      }
      continue
    }
    links.set(`${a}|${b}`, {
      fromGuid: from.guid,
      fromPort: from.port,
      toGuid: to.guid,
      toPort: to.port,
      width,
      speed,
      rateGbps: rateOf(width, speed),
      fromName,
      toName,
    })
  }
  if (nodes.size === 0) {
    throw netParseError(tool, 1, 'no --ports line')
  }
  return {
    tool,
    nics: [],
    counters: [],
    verdicts: narrowLinks([...links.values()]),
    extra: { links: [...links.values()], nodes: [...nodes.values()], unlinked },
    warnings,
  }
}

/** Links narrower than the widest link of the fabric: a lane (or more) failed to train. */
function narrowLinks(links: readonly FabricLink[]): NetVerdict[] {
  const lanes = (l: FabricLink): number => Number(/^(\d+)x$/i.exec(l.width)?.[1] ?? Number.NaN)
  const widest = links.map(lanes).reduce((w, n) => (n > w ? n : w), 0)
  return links
    .filter((l) => lanes(l) < widest)
    .map((l) => ({
      device: l.fromName === '' ? l.fromGuid : l.fromName,
      port: l.fromPort,
      health: 'degraded',
      reason: `link to ${l.toName === '' ? l.toGuid : l.toName} port ${l.toPort} at ${l.width}, narrower than the ${widest}x of other links`,
    }))
}

/** `ibnetdiscover --ports`: see the comment above `tool`. */
export const ibnetdiscoverParser: NetParser = {
  tool,
  detect(text: string): number {
    return /^(CA|SW|RT)[ \t]+\d+[ \t]+\d+[ \t]+0x[0-9a-f]{16}[ \t]+\d+x[ \t]/im.test(text) ? 1 : 0
  },
  parse,
}
