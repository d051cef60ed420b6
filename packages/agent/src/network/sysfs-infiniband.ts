import { portVerdicts } from './ib-port.js'
import { isGrepEntry, isTtarPath, readSysfsDump, type SysfsEntry } from './sysfs-entries.js'
import {
  counterDirs,
  counterName,
  fixedPort,
  guidOf,
  linkLayerMismatch,
  physicalStateOf,
  portStateOf,
  rateGbpsOf,
  readingOf,
} from './sysfs-port.js'
import {
  netParseError,
  type CounterSample,
  type NetParser,
  type NetworkReport,
  type NicPort,
} from './types.js'

/**
 * A dump of `/sys/class/infiniband` (`grep -r . /sys/class/infiniband/`, or a ttar archive of
 * the tree): every RDMA device's ports (state, physical state, rate, link layer, firmware,
 * GUID, model) and their counters.
 *
 * Counters: `ports/N/counters/*` (the IB PortCounters), `counters_ext/*` (mlx4's 64-bit
 * PortCountersExtended) and `hw_counters/*` (driver counters: mlx5's `out_of_sequence`,
 * `local_ack_timeout_err`, …) go into one CounterSample per port, `mlx5_0/1`, by file name;
 * every counter is kept, known or not. Device-wide `hw_counters/*` make a sample named after
 * the device alone. `hw_counters/lifespan` is a setting (ms), not a counter, and is left out.
 * A value that is not a number — i40iw's `N/A (no PMA)`, from a device without a Performance
 * Management Agent — is left out with one warning.
 *
 * Verdicts: the same rules as every other tool's port readings (`portVerdicts` in ib-port.ts):
 * not Active or not LinkUp is failed, slower than its peers degraded. Counter rates need two
 * samples: see `health-rates.ts`.
 */
const tool = 'sysfs-infiniband'

/** Per port, how many counter files held no number, and the first such value. */
type NotNumbers = Map<string, { count: number; example: string }>

interface DeviceAttrs {
  readonly attrs: Map<string, string>
  readonly ports: Map<number, Map<string, string>>
  readonly counters: Map<string, Map<string, number>>
}

function detect(text: string): number {
  const lines = text.split('\n', 400)
  const hits = lines.filter((l) => isGrepEntry(l) || isTtarPath(l)).length
  return hits === 0 ? 0 : hits >= 3 ? 0.95 : 0.7
}

function parse(text: string): NetworkReport {
  const dump = readSysfsDump(text)
  if (dump.entries.length === 0) {
    throw netParseError(tool, 1, 'no /sys/class/infiniband file in the text')
  }
  const warnings = [...dump.warnings]
  const devices = new Map<string, DeviceAttrs>()
  const notNumbers: NotNumbers = new Map()
  let ignored = 0
  for (const entry of dump.entries) {
    const placed = place(devices, entry, notNumbers)
    ignored += placed ? 0 : 1
  }
  if (ignored > 0) {
    warnings.push(`ignored ${ignored} sysfs file(s) that hold no port attribute or counter`)
  }
  if (notNumbers.size > 0) {
    warnings.push(notNumbersWarning(notNumbers))
  }
  const nics = [...devices].flatMap(([name, d]) => nicsOf(name, d, warnings))
  const counters: CounterSample[] = [...devices].flatMap(([, d]) =>
    [...d.counters]
      .filter(([, c]) => c.size > 0)
      .map(([port, c]) => ({ port, counters: Object.fromEntries(c) })),
  )
  const verdicts = portVerdicts(nics.map(readingOf))
  const extra = { form: dump.form, devices: Object.fromEntries(deviceExtras(devices)) }
  return { tool, nics, counters, verdicts, extra, warnings }
}

/** Files one entry into its device; false when it is none of the files read. */
function place(devices: Map<string, DeviceAttrs>, e: SysfsEntry, notNumbers: NotNumbers): boolean {
  const [device, ...rest] = e.path.split('/')
  if (device === undefined || device === '' || rest.length === 0) {
    return false
  }
  const d: DeviceAttrs = devices.get(device) ?? {
    attrs: new Map<string, string>(),
    ports: new Map<number, Map<string, string>>(),
    counters: new Map<string, Map<string, number>>(),
  }
  devices.set(device, d)
  const [first, second, third, fourth, fifth] = rest
  if (rest.length === 1 && first !== undefined) {
    d.attrs.set(first, e.value)
    return true
  }
  if (first === 'hw_counters' && rest.length === 2 && second !== undefined) {
    return addCounter(
      d,
      device,
      counterName(first, second, () => false),
      e.value,
      notNumbers,
    )
  }
  const port = Number(second)
  if (first !== 'ports' || !Number.isInteger(port) || port < 0 || third === undefined) {
    return false
  }
  const attrs = d.ports.get(port) ?? new Map<string, string>()
  d.ports.set(port, attrs)
  if (rest.length === 3) {
    attrs.set(third, e.value)
    return true
  }
  const key = `${device}/${port}`
  if (counterDirs.includes(third) && rest.length === 4 && fourth !== undefined) {
    const name = counterName(third, fourth, (n) => d.counters.get(key)?.has(n) ?? false)
    return addCounter(d, key, name, e.value, notNumbers)
  }
  if (third === 'gids' && fourth === '0') {
    attrs.set('gid0', e.value)
    return true
  }
  if (third === 'gid_attrs' && fourth === 'ndevs' && fifth === '0') {
    attrs.set('ndev0', e.value)
    return true
  }
  return false
}

/** Files a counter's value (a `null` name: a file that is no counter, taken and dropped). */
function addCounter(
  d: DeviceAttrs,
  key: string,
  name: string | null,
  value: string,
  notNumbers: NotNumbers,
): boolean {
  if (name === null) {
    return true
  }
  const counters = d.counters.get(key) ?? new Map<string, number>()
  d.counters.set(key, counters)
  if (/^\d+$/.test(value.trim())) {
    counters.set(name, Number(value.trim()))
  } else {
    const seen = notNumbers.get(key)
    notNumbers.set(key, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? value.trim() })
  }
  return true
}

/** One warning for all ports: i40iw's `N/A (no PMA)` is a device without a PM agent. */
function notNumbersWarning(notNumbers: NotNumbers): string {
  const list = [...notNumbers].map(([port, n]) => `${port} (${n.count}, e.g. "${n.example}")`)
  const pma = [...notNumbers.values()].some((n) => n.example.includes('no PMA'))
  const why = pma ? ' — "no PMA": the device has no Performance Management Agent' : ''
  return `counters that are not numbers are left out: ${list.join(', ')}${why}`
}

function nicsOf(device: string, d: DeviceAttrs, warnings: string[]): NicPort[] {
  return [...d.ports]
    .sort(([a], [b]) => a - b)
    .map(([port, attrs]) => {
      const layerText = attrs.get('link_layer')
      if (linkLayerMismatch(device, layerText)) {
        warnings.push(
          `${device}/${port}: an iWARP device whose link_layer says "${layerText ?? ''}"`,
        )
      }
      const { linkLayer, firmware, netdev, guid, model } = fixedPort(
        device,
        port,
        d.ports.size,
        (name) => d.attrs.get(name),
        { linkLayer: layerText, gid0: attrs.get('gid0'), ndev0: attrs.get('ndev0') },
      )
      const state = portStateOf(attrs.get('state'))
      const physicalState = physicalStateOf(attrs.get('phys_state'))
      const rateGbps = rateGbpsOf(attrs.get('rate'))
      return {
        device,
        port,
        linkLayer,
        state,
        physicalState,
        rateGbps,
        firmware,
        netdev,
        guid,
        model,
      }
    })
}

/** Per device: the identity files as read (board id, HCA type, node GUID and description). */
function deviceExtras(devices: ReadonlyMap<string, DeviceAttrs>): [string, object][] {
  return [...devices].map(([name, d]) => {
    const get = (k: string): string | null => d.attrs.get(k)?.trim() || null
    return [
      name,
      {
        boardId: get('board_id'),
        hcaType: get('hca_type'),
        firmware: get('fw_ver'),
        nodeGuid: guidOf(d.attrs.get('node_guid')) ?? get('node_guid'),
        nodeDescription: get('node_desc'),
      },
    ]
  })
}

/** The parser for dumps of `/sys/class/infiniband`. */
export const sysfsInfinibandParser: NetParser = { tool, detect, parse }
