import {
  decimalOf,
  driverLinkLayer,
  ibGuid,
  ibLinkLayer,
  isCommandEcho,
  portReading,
  portReport,
  setField,
  type DeviceRecord,
  type PortReading,
  type PortRecord,
} from './ib-port.js'
import { netParseError, type NetParser, type NetVerdict, type NetworkReport } from './types.js'

/**
 * `ibstat` (infiniband-diags): one record per CA, its ports nested below it:
 *
 *     CA 'mlx5_0'
 *             CA type: MT4129
 *             Firmware version: 28.41.1000
 *             Port 1:
 *                     State: Active
 *                     Physical state: LinkUp
 *                     Rate: 400
 *                     Port GUID: 0x58a2e10300a7820e
 *                     Link layer: InfiniBand
 *
 * Tab or space indented. `ibwarn:` lines (libibumad debug, on stderr) may fall anywhere and
 * are skipped. ibstat stops at the first device it cannot stat with `ibpanic: … IB device
 * 'mlx5_8' failed: …`: the devices printed before it are read, and the device it names gets a
 * `failed` verdict quoting the message. A record cut short by the end of the text is read as
 * far as it goes, with a warning; one cut short by the next record is an error.
 */
const tool = 'ibstat'

/** Fields a port record always has; a record without them was cut (an error mid-text). */
const portFields = ['state', 'physical state', 'rate'] as const
/** Fields ibstat prints last; their absence is only warned of (old ibstats lack Link layer). */
const lateFields = ['port guid', 'link layer'] as const

const labels: Readonly<Record<string, string>> = {
  state: 'State',
  'physical state': 'Physical state',
  rate: 'Rate',
  'port guid': 'Port GUID',
  'link layer': 'Link layer',
}
const named = (keys: readonly string[]): string => keys.map((k) => labels[k] ?? k).join(', ')

/** Checks a record's completeness: mid-text a gap is an error, at the end a warning. */
function checkRecord(ca: DeviceRecord, nextLine: number | null, warnings: string[]): void {
  const gaps: string[] = []
  for (const p of ca.ports) {
    const missing = portFields.filter((f) => !p.fields.has(f))
    const late = lateFields.filter((f) => !p.fields.has(f))
    const where = `port ${p.port} of CA '${ca.device}'`
    if (missing.length > 0) {
      gaps.push(`${where} has no ${named([...missing, ...late])}`)
    } else if (late.length > 0) {
      const why = nextLine === null ? 'output ends early' : `line ${p.line}`
      warnings.push(`${why}: ${where} has no ${named(late)}`)
    }
  }
  const count = Number(ca.fields.get('number of ports')?.value ?? Number.NaN)
  if (Number.isInteger(count) && ca.ports.length < count) {
    gaps.push(`CA '${ca.device}' lists ${ca.ports.length} of its ${count} port(s)`)
  }
  for (const gap of gaps) {
    if (nextLine !== null) {
      throw netParseError(tool, nextLine, `record cut short: ${gap}`)
    }
    warnings.push(`output ends early: ${gap}`)
  }
}

interface Scan {
  readonly cas: DeviceRecord[]
  readonly warnings: string[]
  readonly panics: { line: number; message: string }[]
}

function scan(text: string): Scan {
  const cas: DeviceRecord[] = []
  const warnings: string[] = []
  const panics: { line: number; message: string }[] = []
  let debugLines = 0
  let port: PortRecord | null = null
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const n = i + 1
    const line = raw.trim()
    const ca = cas[cas.length - 1]
    const head = /^CA '(.*)'$/.exec(line)
    if (line === '') {
      continue
    } else if (/^ibwarn:/.test(line)) {
      debugLines++
    } else if (/^ibpanic:/.test(line)) {
      panics.push({ line: n, message: line.replace(/^ibpanic:\s*/, '') })
    } else if (head?.[1] !== undefined && !/^\s/.test(raw)) {
      if (ca !== undefined) {
        checkRecord(ca, n, warnings)
      }
      cas.push({ device: head[1], line: n, fields: new Map(), ports: [] })
      port = null
    } else if (ca === undefined) {
      if (!isCommandEcho(line, /^ibstat\b/)) {
        warnings.push(`line ${n}: text before the first CA ignored`)
      }
    } else if (/^Port \d+:$/.test(line)) {
      port = { port: Number(line.slice(5, -1)), line: n, fields: new Map() }
      ca.ports.push(port)
    } else if (!setField((port ?? ca).fields, line, n)) {
      throw netParseError(tool, n, `not a "Key: value" line in CA '${ca.device}'`)
    }
  }
  const last = cas[cas.length - 1]
  if (last !== undefined) {
    checkRecord(last, null, warnings)
  }
  if (debugLines > 0) {
    warnings.push(`${debugLines} "ibwarn:" debug line(s) skipped`)
  }
  return { cas, warnings, panics }
}

/** `Rate: 400` → 400, `Rate: 2.5` → 2.5. */
function rateOf(field: { value: string; line: number } | undefined): number | null {
  if (field === undefined) {
    return null
  }
  if (!/^\d+(\.\d+)?$/.test(field.value)) {
    throw netParseError(tool, field.line, `Rate "${field.value}" is not a number`)
  }
  return Number(field.value)
}

function readingOf(ca: DeviceRecord, p: PortRecord): PortReading {
  const f = (key: string): string | null => p.fields.get(key)?.value ?? null
  const caField = (key: string): string | null => ca.fields.get(key)?.value ?? null
  const layer = f('link layer')
  const guid = ibGuid(f('port guid') ?? '')
  const nic = {
    device: ca.device,
    port: p.port,
    linkLayer: layer === null ? driverLinkLayer(ca.device) : ibLinkLayer(layer),
    rateGbps: rateOf(p.fields.get('rate')),
    firmware: caField('firmware version'),
    netdev: null,
    // an all-zero GUID (a RoCE port without a link-local GID) is no GUID
    guid: guid === '0x0000000000000000' ? null : guid,
    model: caField('ca type'),
  }
  return portReading(nic, f('state'), f('physical state'))
}

/** The verdict for the device an `ibpanic:` names (`'' ` when it names none). */
function panicVerdict(message: string): NetVerdict {
  const device = /IB device '([^']*)'/.exec(message)?.[1] ?? ''
  const what = message.replace(/^\[\d+\]\s*\w+:\s*/, '')
  return { device, port: null, health: 'failed', reason: `ibstat failed: ${what}` }
}

function parse(text: string): NetworkReport {
  const { cas, warnings, panics } = scan(text)
  if (cas.length === 0 && panics.length === 0) {
    throw netParseError(tool, 1, `no "CA '<name>'" record`)
  }
  const readings: PortReading[] = []
  for (const ca of cas) {
    for (const p of ca.ports) {
      if (p.fields.has('state') || p.fields.has('physical state')) {
        readings.push(readingOf(ca, p))
      } else {
        warnings.push(`line ${p.line}: port ${p.port} of CA '${ca.device}' has no state: skipped`)
      }
    }
  }
  for (const panic of panics) {
    warnings.push(`line ${panic.line}: ibpanic: ${panic.message}`)
  }
  const extra = {
    devices: cas.map((ca) => ({
      device: ca.device,
      nodeGuid: ibGuid(ca.fields.get('node guid')?.value ?? ''),
      systemImageGuid: ibGuid(ca.fields.get('system image guid')?.value ?? ''),
      hardwareVersion: ca.fields.get('hardware version')?.value ?? null,
      portCount: decimalOf(ca.fields.get('number of ports')?.value),
    })),
    lids: cas.flatMap((ca) =>
      ca.ports.map((p) => ({
        device: ca.device,
        port: p.port,
        baseLid: decimalOf(p.fields.get('base lid')?.value),
        smLid: decimalOf(p.fields.get('sm lid')?.value),
      })),
    ),
  }
  return portReport(
    tool,
    readings,
    extra,
    warnings,
    panics.map((p) => panicVerdict(p.message)),
  )
}

/** `ibstat`: CA records with nested ports; see the comment above `tool`. */
export const ibstatParser: NetParser = {
  tool,
  detect(text: string): number {
    const ca = /^CA '[^'\n]*'[ \t]*$/m.test(text)
    if (!ca) {
      return /^ibpanic:.*IB device/m.test(text) ? 0.6 : 0
    }
    return /^[ \t]+(CA type|Port \d+|Firmware version):/m.test(text) ? 1 : 0.6
  },
  parse,
}
