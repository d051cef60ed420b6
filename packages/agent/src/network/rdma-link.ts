import {
  decimalOf,
  driverLinkLayer,
  ibGuid,
  isCommandEcho,
  portReading,
  portReport,
} from './ib-port.js'
import { netParseError, type LinkLayer, type NetParser, type NetworkReport } from './types.js'

/**
 * `rdma link show` (iproute2), optionally followed by `rdma dev`, both as `key value` words:
 *
 *     link bnxt_re0/1 state ACTIVE physical_state LINK_UP netdev enp194s0f0np0
 *     link mlx5_0/1 subnet_prefix fe80:0000:0000:0000 lid 13 sm_lid 1 lmc 0 state ACTIVE physical_state LINK_UP
 *     0: bnxt_re0: node_type ca protocol roce fw 231.0.154.0 node_guid 8e84:74ff:fe1f:2550 …
 *
 * The link layer comes from `rdma dev`'s `protocol` (ib, roce, iw, opa) when it is there;
 * else a `lid` (only IB ports have one) makes it IB; else the driver decides where it can.
 * The firmware comes from `rdma dev`. rdma prints no rate or model.
 */
const tool = 'rdma-link'

/** `key value key value …` after the leading words; a trailing key without value is kept as ''. */
function pairsOf(words: readonly string[]): Map<string, string> {
  const pairs = new Map<string, string>()
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i]
    if (key !== undefined) {
      pairs.set(key, words[i + 1] ?? '')
    }
  }
  return pairs
}

interface Link {
  readonly device: string
  readonly port: number
  readonly pairs: Map<string, string>
}

interface Dev {
  readonly device: string
  readonly index: number
  readonly pairs: Map<string, string>
}

const protocols: Readonly<Record<string, LinkLayer>> = {
  ib: 'IB',
  opa: 'IB',
  roce: 'RoCE',
  iw: 'iWARP',
}

function linkLayerOf(link: Link, dev: Dev | undefined): LinkLayer | null {
  const protocol = protocols[dev?.pairs.get('protocol')?.toLowerCase() ?? '']
  if (protocol !== undefined) {
    return protocol
  }
  return link.pairs.has('lid') || link.pairs.has('subnet_prefix')
    ? 'IB'
    : driverLinkLayer(link.device)
}

function scan(text: string, warnings: string[]): { links: Link[]; devs: Dev[] } {
  const links: Link[] = []
  const devs: Dev[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const words = raw
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '')
    const [first = '', second = ''] = words
    if (words.length === 0 || /^\s/.test(raw)) {
      continue // blank, or a `caps: <…>` line under a `-d` record
    }
    if (first === 'link') {
      const slash = second.lastIndexOf('/')
      const port = second.slice(slash + 1)
      if (slash <= 0 || !/^\d+$/.test(port)) {
        throw netParseError(tool, i + 1, `"${second}" is not "<device>/<port>"`)
      }
      links.push({
        device: second.slice(0, slash),
        port: Number(port),
        pairs: pairsOf(words.slice(2)),
      })
    } else if (/^\d+:$/.test(first) && second.endsWith(':')) {
      devs.push({
        device: second.slice(0, -1),
        index: Number(first.slice(0, -1)),
        pairs: pairsOf(words.slice(2)),
      })
    } else if (!isCommandEcho(raw, /^rdma\b/)) {
      warnings.push(`line ${i + 1}: not a "link" or "<n>: <device>:" line: ignored`)
    }
  }
  return { links, devs }
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const { links, devs } = scan(text, warnings)
  if (links.length === 0 && devs.length === 0) {
    throw netParseError(tool, 1, 'no "link <device>/<port>" line')
  }
  const readings = links.map((link) => {
    const dev = devs.find((d) => d.device === link.device)
    const nic = {
      device: link.device,
      port: link.port,
      linkLayer: linkLayerOf(link, dev),
      rateGbps: null,
      firmware: dev?.pairs.get('fw') ?? null,
      netdev: link.pairs.get('netdev') ?? null,
      guid: null,
      model: null,
    }
    return portReading(
      nic,
      link.pairs.get('state') ?? null,
      link.pairs.get('physical_state') ?? null,
    )
  })
  const extra = {
    devices: devs.map((d) => ({
      device: d.device,
      index: d.index,
      nodeType: d.pairs.get('node_type') ?? null,
      protocol: d.pairs.get('protocol') ?? null,
      firmware: d.pairs.get('fw') ?? null,
      nodeGuid: ibGuid(d.pairs.get('node_guid') ?? ''),
      systemImageGuid: ibGuid(d.pairs.get('sys_image_guid') ?? ''),
    })),
    lids: links
      .filter((l) => l.pairs.has('lid'))
      .map((l) => ({
        device: l.device,
        port: l.port,
        baseLid: decimalOf(l.pairs.get('lid')),
        smLid: decimalOf(l.pairs.get('sm_lid')),
      })),
  }
  return portReport(tool, readings, extra, warnings)
}

/** `rdma link show` (+ `rdma dev`): see the comment above `tool`. */
export const rdmaLinkParser: NetParser = {
  tool,
  detect(text: string): number {
    if (/^link[ \t]+\S+\/\d+[ \t].*\bstate[ \t]/m.test(text)) {
      return 1
    }
    return /^\d+:[ \t]+\S+:[ \t]+node_type[ \t]/m.test(text) ? 0.6 : 0
  },
  parse,
}
