import {
  guidOfGid,
  ibLinkLayer,
  isCommandEcho,
  portReading,
  portReport,
  setField,
  type PortReading,
  type PortRecord,
} from './ib-port.js'
import { netParseError, type NetParser, type NetworkReport } from './types.js'

/**
 * `ibstatus` (infiniband-diags' script over sysfs): one block per port, blank-line separated:
 *
 *     Infiniband device 'mlx5_0' port 1 status:
 *             default gid:     fe80:0000:0000:0000:0015:5dff:fd34:11eb
 *             base lid:        0x33bf
 *             state:           4: ACTIVE
 *             phys state:      5: LinkUp
 *             rate:            200 Gb/sec (4X HDR)
 *             link_layer:      InfiniBand
 *
 * It prints no model or firmware. The port GUID is the low half of a link-local default GID.
 * A block without `state` is cut short: an error mid-text, a warning at the end.
 */
const tool = 'ibstatus'

const headRe = /^Infiniband device '([^']*)' port (\d+) status:$/

/** Fields every block has; a block without them was cut. */
const required = ['state', 'phys state', 'rate'] as const

interface Block extends PortRecord {
  readonly device: string
}

/** `200 Gb/sec (4X HDR)` → 200; the unit is required so a cut value is not misread. */
function rateOf(value: string, line: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*Gb\/sec\b/.exec(value)
  if (m?.[1] === undefined) {
    throw netParseError(tool, line, `rate "${value}" is not "<N> Gb/sec"`)
  }
  return Number(m[1])
}

function blocksOf(text: string, warnings: string[]): Block[] {
  const blocks: Block[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    const head = headRe.exec(line)
    const open = blocks[blocks.length - 1]
    if (line === '') {
      continue
    }
    if (head?.[1] !== undefined && head[2] !== undefined) {
      const missing = open === undefined ? [] : required.filter((k) => !open.fields.has(k))
      if (open !== undefined && missing.length > 0) {
        const what = `${open.device} port ${open.port}`
        throw netParseError(tool, i + 1, `block of ${what} cut short: no ${missing.join(', ')}`)
      }
      blocks.push({ device: head[1], port: Number(head[2]), line: i + 1, fields: new Map() })
    } else if (open === undefined) {
      if (!isCommandEcho(line, /^ibstatus\b/)) {
        warnings.push(`line ${i + 1}: text before the first device ignored`)
      }
    } else if (!setField(open.fields, line, i + 1)) {
      throw netParseError(tool, i + 1, 'not a "key: value" line')
    }
  }
  return blocks
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const blocks = blocksOf(text, warnings)
  if (blocks.length === 0) {
    throw netParseError(tool, 1, `no "Infiniband device '<name>' port <n> status:" line`)
  }
  const readings: PortReading[] = []
  for (const b of blocks) {
    const f = (key: string): string | null => b.fields.get(key)?.value ?? null
    const state = f('state')
    const missing = required.filter((k) => !b.fields.has(k))
    if (missing.length > 0) {
      const skipped = state === null ? ': skipped' : ''
      warnings.push(
        `line ${b.line}: output ends inside ${b.device} port ${b.port} (no ${missing.join(', ')})${skipped}`,
      )
    }
    if (state === null) {
      continue
    }
    const rate = b.fields.get('rate')
    const nic = {
      device: b.device,
      port: b.port,
      linkLayer: ibLinkLayer(f('link_layer') ?? ''),
      rateGbps: rate === undefined ? null : rateOf(rate.value, rate.line),
      firmware: null,
      netdev: null,
      guid: guidOfGid(f('default gid') ?? ''),
      model: null,
    }
    readings.push(portReading(nic, state, f('phys state')))
  }
  const lid = (v: string | undefined): number | null =>
    v !== undefined && /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v.slice(2), 16) : null
  const lids = blocks.map((b) => ({
    device: b.device,
    port: b.port,
    baseLid: lid(b.fields.get('base lid')?.value),
    smLid: lid(b.fields.get('sm lid')?.value),
  }))
  return portReport(tool, readings, { lids }, warnings)
}

/** `ibstatus`: one block per port; see the comment above `tool`. */
export const ibstatusParser: NetParser = {
  tool,
  detect(text: string): number {
    return /^Infiniband device '[^'\n]*' port \d+ status:/m.test(text) ? 1 : 0
  },
  parse,
}
