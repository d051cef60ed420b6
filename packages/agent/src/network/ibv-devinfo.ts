import {
  driverLinkLayer,
  guidOfGid,
  ibGuid,
  ibLinkLayer,
  isCommandEcho,
  portReading,
  portReport,
  type DeviceRecord,
  type Fields,
  type PortReading,
  type PortRecord,
} from './ib-port.js'
import { netParseError, type LinkLayer, type NetParser, type NetworkReport } from './types.js'

/**
 * `ibv_devinfo` (rdma-core, also `-v` and MLNX_OFED's `-vv`): a `hca_id:` block per device,
 * with `port:` blocks nested below it, tab- or space-indented:
 *
 *     hca_id:	mlx5_bond_0
 *     	transport:			InfiniBand (0)
 *     	fw_ver:				16.28.2006
 *     	vendor_id:			0x02c9
 *     	vendor_part_id:			4119
 *     	phys_port_cnt:			1
 *     		port:	1
 *     			state:			PORT_ACTIVE (4)
 *     			link_layer:		Ethernet
 *
 * `-v` adds `active_width` × `active_speed` (the rate: `4X` × `25.0 Gbps` = 100), `phys_state`
 * and `GID[n]` lines, and flag lists on lines of their own (no colon), which are skipped. The
 * model is `MT<part>` for Mellanox/NVIDIA (as ibstat's CA type), `<vendor>:<part>` otherwise.
 * A transport of `iWARP` makes every port iWARP; otherwise `link_layer` decides.
 */
const tool = 'ibv_devinfo'

function gaps(d: DeviceRecord): string[] {
  const out = d.ports
    .filter((p) => !p.fields.has('state'))
    .map((p) => `${d.device} port ${p.port} has no state`)
  const count = Number(d.fields.get('phys_port_cnt')?.value ?? Number.NaN)
  if (Number.isInteger(count) && d.ports.length < count) {
    out.push(`${d.device} lists ${d.ports.length} of its ${count} port(s)`)
  }
  return out
}

function blocksOf(text: string, warnings: string[]): DeviceRecord[] {
  const devices: DeviceRecord[] = []
  let port: PortRecord | null = null
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const n = i + 1
    const line = raw.trim()
    const colon = line.indexOf(':')
    const key = colon > 0 ? line.slice(0, colon).trim() : ''
    const value = line.slice(colon + 1).trim()
    const open = devices[devices.length - 1]
    if (key === 'hca_id') {
      const cut = open === undefined ? [] : gaps(open)
      if (cut[0] !== undefined) {
        throw netParseError(tool, n, `record cut short: ${cut[0]}`)
      }
      devices.push({ device: value, line: n, fields: new Map(), ports: [] })
      port = null
    } else if (open === undefined) {
      if (line !== '' && !isCommandEcho(line, /^ibv_devinfo\b/)) {
        warnings.push(`line ${n}: text before the first hca_id ignored`)
      }
    } else if (key === 'port') {
      if (port !== null && !port.fields.has('state')) {
        throw netParseError(
          tool,
          n,
          `record cut short: ${open.device} port ${port.port} has no state`,
        )
      }
      if (!/^\d+$/.test(value)) {
        throw netParseError(tool, n, `port "${value}" is not a number`)
      }
      port = { port: Number(value), line: n, fields: new Map() }
      open.ports.push(port)
    } else if (key !== '') {
      // the key's first use wins: `-vv` repeats none, and a flag list never has a colon
      const into = port?.fields ?? open.fields
      if (!into.has(key)) {
        into.set(key, { value, line: n })
      }
    }
  }
  const last = devices[devices.length - 1]
  for (const gap of last === undefined ? [] : gaps(last)) {
    warnings.push(`output ends early: ${gap}`)
  }
  return devices
}

/** `4X (2)` × `25.0 Gbps (32)` → 100; null when the tool says the speed is invalid. */
function rateOf(fields: Fields): number | null {
  const width = fields.get('active_width')
  const speed = fields.get('active_speed')
  if (width === undefined || speed === undefined) {
    return null
  }
  const lanes = /^(\d+)X\b/i.exec(width.value)?.[1]
  const gbps = /^(\d+(?:\.\d+)?)\s*Gbps\b/.exec(speed.value)?.[1]
  if (/invalid/i.test(width.value) || /invalid/i.test(speed.value)) {
    return null
  }
  if (lanes === undefined) {
    throw netParseError(tool, width.line, `active_width "${width.value}" is not "<N>X"`)
  }
  if (gbps === undefined) {
    throw netParseError(tool, speed.line, `active_speed "${speed.value}" is not "<N> Gbps"`)
  }
  return Math.round(Number(lanes) * Number(gbps) * 1000) / 1000
}

function modelOf(fields: Fields): string | null {
  const vendor = fields.get('vendor_id')?.value.toLowerCase()
  const part = fields.get('vendor_part_id')?.value
  if (part === undefined) {
    return null
  }
  // 0x02c9 is Mellanox's IEEE OUI, which verbs report; 0x15b3 its PCI vendor id
  return vendor === '0x02c9' || vendor === '0x15b3' ? `MT${part}` : `${vendor ?? '?'}:${part}`
}

function readingOf(d: DeviceRecord, p: PortRecord): PortReading {
  const f = (key: string): string | null => p.fields.get(key)?.value ?? null
  const layer = f('link_layer')
  const iwarp = /^iWARP\b/i.test(d.fields.get('transport')?.value ?? '')
  const linkLayer: LinkLayer | null = iwarp
    ? 'iWARP'
    : layer === null
      ? driverLinkLayer(d.device)
      : ibLinkLayer(layer)
  // `GID[  0]:  fe80:…:0c42:a103:0023:ac92, RoCE v1` in newer releases: the GID comes first
  const gid0 = [...p.fields.entries()].find(([k]) => /^GID\[\s*0\]$/.test(k))?.[1].value
  const nic = {
    device: d.device,
    port: p.port,
    linkLayer,
    rateGbps: rateOf(p.fields),
    firmware: d.fields.get('fw_ver')?.value ?? null,
    netdev: null,
    guid: guidOfGid((gid0 ?? '').split(',')[0] ?? ''),
    model: modelOf(d.fields),
  }
  return portReading(nic, f('state'), f('phys_state'))
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const devices = blocksOf(text, warnings)
  if (devices.length === 0) {
    const none = text.split(/\r?\n/).findIndex((l) => /No IB devices found/i.test(l))
    if (none < 0) {
      throw netParseError(tool, 1, 'no "hca_id:" line')
    }
    return {
      tool,
      nics: [],
      counters: [],
      verdicts: [],
      warnings: [`line ${none + 1}: no IB devices found`],
    }
  }
  const readings = devices.flatMap((d) =>
    d.ports.filter((p) => p.fields.has('state')).map((p) => readingOf(d, p)),
  )
  const v = (fields: Fields, key: string): string | null => fields.get(key)?.value ?? null
  // `4096 (5)` → 4096, `0x00` → 0
  const int = (fields: Fields, key: string): number | null => {
    const t = v(fields, key) ?? ''
    return /^0x[0-9a-f]+$/i.test(t)
      ? Number.parseInt(t, 16)
      : /^\d+\b/.test(t)
        ? Number.parseInt(t, 10)
        : null
  }
  const extra = {
    devices: devices.map((d) => ({
      device: d.device,
      transport: v(d.fields, 'transport'),
      firmware: v(d.fields, 'fw_ver'),
      model: modelOf(d.fields),
      nodeGuid: ibGuid(v(d.fields, 'node_guid') ?? ''),
      systemImageGuid: ibGuid(v(d.fields, 'sys_image_guid') ?? ''),
      boardId: v(d.fields, 'board_id'),
      portCount: int(d.fields, 'phys_port_cnt'),
    })),
    ports: devices.flatMap((d) =>
      d.ports.map((p) => ({
        device: d.device,
        port: p.port,
        activeMtu: int(p.fields, 'active_mtu'),
        maxMtu: int(p.fields, 'max_mtu'),
        lid: int(p.fields, 'port_lid'),
        smLid: int(p.fields, 'sm_lid'),
      })),
    ),
  }
  return portReport(tool, readings, extra, warnings)
}

/** `ibv_devinfo` (and `-v`, `-vv`): see the comment above `tool`. */
export const ibvDevinfoParser: NetParser = {
  tool,
  detect(text: string): number {
    if (!/^hca_id:[ \t]*\S/m.test(text)) {
      return 0
    }
    return /^[ \t]+(transport|fw_ver|node_guid):/m.test(text) ? 1 : 0.7
  },
  parse,
}
