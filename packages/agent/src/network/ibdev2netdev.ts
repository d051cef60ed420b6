import { isCommandEcho, portReading, portReport, type PortReading } from './ib-port.js'
import { netParseError, type LinkLayer, type NetParser, type NetworkReport } from './types.js'

/**
 * `ibdev2netdev` (MLNX_OFED / DOCA): which netdev each RDMA port drives, one line each:
 *
 *     mlx5_3 port 1 ==> net1 (Down)
 *     0002:00:02.0 mlx4_0 (MT4100 - NA)  fw 2.43.7008 port 1 (ACTIVE) ==> ib0 (Down)     (-v)
 *
 * also aligned by `column -t`, and with `# …` remarks a person added. `(Up)`/`(Down)` is the
 * netdev's link, not the RDMA port's: an IPoIB netdev may be down on an active IB port. So
 * only `-v`, which prints the port state (`(ACTIVE)`), gives verdicts; the netdev state is
 * kept in `extra.netdevs`. The link layer follows the netdev's name where it is telling
 * (`ib*` is IPoIB, so IB; `en*`/`eth*` is Ethernet, so RoCE).
 *
 * Lines are read as whitespace-separated words, never by backtracking patterns, so a long
 * line costs its length.
 */
const tool = 'ibdev2netdev'

const pciRe = /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i

interface Mapping {
  readonly reading: PortReading
  readonly pciAddress: string | null
  readonly netdevUp: boolean | null
}

function linkLayerOfNetdev(netdev: string): LinkLayer | null {
  return /^ib/.test(netdev) ? 'IB' : /^(en|eth)/.test(netdev) ? 'RoCE' : null
}

/** `(Up)` → true, `(Down)` → false, else null. */
function upOf(word: string | undefined): boolean | null {
  const w = (word ?? '').replace(/[()]/g, '').toLowerCase()
  return w === 'up' ? true : w === 'down' ? false : null
}

function mappingOf(line: string, n: number): Mapping {
  const words = line.split(/\s+/).filter((w) => w !== '')
  const arrow = words.indexOf('==>')
  const left = words.slice(0, arrow)
  const right = words.slice(arrow + 1)
  const first = left[0] ?? ''
  const pciAddress = pciRe.test(first) ? first : null
  const device = pciAddress === null ? first : (left[1] ?? '')
  const portAt = left.lastIndexOf('port')
  const port = left[portAt + 1] ?? ''
  const netdev = right[0] ?? ''
  if (device === '' || portAt < 0 || !/^\d+$/.test(port) || netdev === '') {
    throw netParseError(tool, n, 'not "<device> port <n> ==> <netdev> (<state>)"')
  }
  const after = left[portAt + 2]
  const stateText = after !== undefined && /^\(\w+\)$/.test(after) ? after.slice(1, -1) : null
  const fwAt = left.indexOf('fw')
  const modelWord = left[left.indexOf(device) + 1]
  const model = modelWord?.startsWith('(') === true ? modelWord.slice(1).replace(/\)$/, '') : null
  const nic = {
    device,
    port: Number(port),
    linkLayer: linkLayerOfNetdev(netdev),
    rateGbps: null,
    firmware: fwAt < 0 || fwAt >= portAt ? null : (left[fwAt + 1] ?? null),
    netdev,
    guid: null,
    model: model === '' ? null : model,
  }
  return { reading: portReading(nic, stateText, null), pciAddress, netdevUp: upOf(right[1]) }
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const mappings: Mapping[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    // a remark starts at a `#` that begins a word; a prompt's `]#` does not
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line === '') {
      continue
    }
    if (line.includes('==>')) {
      mappings.push(mappingOf(line, i + 1))
    } else if (!isCommandEcho(raw, /^ibdev2netdev\b/)) {
      warnings.push(`line ${i + 1}: not a "==>" mapping: ignored`)
    }
  }
  if (mappings.length === 0) {
    throw netParseError(tool, 1, 'no "<device> port <n> ==> <netdev>" line')
  }
  const netdevs = mappings.map((m) => ({
    device: m.reading.nic.device,
    port: m.reading.nic.port,
    netdev: m.reading.nic.netdev,
    netdevUp: m.netdevUp,
    pciAddress: m.pciAddress,
  }))
  const readings = mappings.map((m) => m.reading)
  return portReport(tool, readings, { netdevs }, warnings)
}

/** `ibdev2netdev` (plain, `-v`, `column -t`): see the comment above `tool`. */
export const ibdev2netdevParser: NetParser = {
  tool,
  detect(text: string): number {
    const mapping = (l: string): boolean => l.includes('==>') && /\sport[ \t]+\d+[ \t]/.test(l)
    return text.split('\n').some(mapping) ? 1 : 0
  },
  parse,
}
