import { ibGuid } from './ib-port.js'
import { netParseError, type NetParser, type NetVerdict, type NetworkReport } from './types.js'

/**
 * `ibswinfo` (stanford-rc/ibswinfo, over MFT registers): an unmanaged switch's vitals.
 * The default output is `key | value` lines under a `====` box holding the node description,
 * PSU details indented under their `PSUn status` line:
 *
 *     =================================================
 *     SwitchIB Mellanox Technologies
 *     =================================================
 *     part number        | MSB7790-ES2F
 *     PSU0 status        | OK
 *          DC power      | OK
 *          fan status    | OK
 *          power (W)     | 72
 *     temperature (C)    | 45
 *     fan status         | ERROR
 *     fan#1 (rpm)        | 8493
 *
 * `-o status|vitals|inventory` prints `key : value` with dotted keys (`psu0.dc`, `fans`,
 * `cur.temp (C)`, `fan#1.speed (rpm)`); both are read. Everything goes to `extra`. A PSU, its
 * DC power or its fan, or the switch's fans, in any state but OK make the switch `degraded`
 * (device: its node description, port null); temperatures are reported, not judged.
 */
const tool = 'ibswinfo'

interface SwitchPsu {
  readonly index: number
  status: string | null
  partNumber: string | null
  serialNumber: string | null
  dcPower: string | null
  fanStatus: string | null
  powerW: number | null
}

interface Vitals {
  name: string | null
  info: Record<string, string>
  psus: SwitchPsu[]
  fans: { index: number; rpm: number | null }[]
  numbers: Record<string, number | null>
  fanStatus: string | null
}

/** Keys of the default output and of `-o`, to one name each. */
const infoKeys: Readonly<Record<string, string>> = {
  'part number': 'partNumber',
  part_number: 'partNumber',
  'serial number': 'serialNumber',
  serial: 'serialNumber',
  'product name': 'productName',
  product_name: 'productName',
  revision: 'revision',
  psid: 'psid',
  guid: 'guid',
  'firmware version': 'firmware',
  fw_version: 'firmware',
  cpld: 'cpld',
  'uptime (d-h:m:s)': 'uptime',
  'warn threshold (c)': 'warnThreshold',
}

const numberKeys: Readonly<Record<string, string>> = {
  ports: 'ports',
  'temperature (c)': 'temperatureC',
  'cur.temp (c)': 'temperatureC',
  'max temp (c)': 'maxTemperatureC',
  'max.temp (c)': 'maxTemperatureC',
  'uptime (sec)': 'uptimeSeconds',
}

/** A number, or null for `N/A` and empty; anything else is malformed. */
function numberAt(value: string, line: number, key: string): number | null {
  if (value === '' || /^n\/?a$/i.test(value)) {
    return null
  }
  if (!/^-?\d+(\.\d+)?$/.test(value)) {
    throw netParseError(tool, line, `${key} "${value}" is not a number`)
  }
  return Number(value)
}

/** `160d-10:38:53` → seconds. */
function secondsOf(uptime: string): number | null {
  const m = /^(\d+)d-(\d+):(\d+):(\d+)$/.exec(uptime)
  return m === null
    ? null
    : ((Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])
}

function psuOf(v: Vitals, index: number): SwitchPsu {
  let psu = v.psus.find((p) => p.index === index)
  if (psu === undefined) {
    psu = {
      index,
      status: null,
      partNumber: null,
      serialNumber: null,
      dcPower: null,
      fanStatus: null,
      powerW: null,
    }
    v.psus.push(psu)
  }
  return psu
}

type PsuField = 'status' | 'partNumber' | 'serialNumber' | 'dcPower' | 'fanStatus' | 'powerW'

/** `-o` keys after `psuN.` */
const dottedPsuKeys: Readonly<Record<string, PsuField>> = {
  status: 'status',
  dc: 'dcPower',
  fan: 'fanStatus',
  part_number: 'partNumber',
  serial: 'serialNumber',
  'power (w)': 'powerW',
}

/** Default-output keys indented under `PSUn status`. */
const indentedPsuKeys: Readonly<Record<string, PsuField>> = {
  'p/n': 'partNumber',
  's/n': 'serialNumber',
  'dc power': 'dcPower',
  'fan status': 'fanStatus',
  'power (w)': 'powerW',
}

function setPsu(p: SwitchPsu, field: PsuField, value: string, line: number, key: string): void {
  if (field === 'powerW') {
    p.powerW = numberAt(value, line, key)
  } else {
    p[field] = value
  }
}

/** Puts one `key | value` into `v`; `psu` is the PSU an indented key belongs to. */
function take(
  v: Vitals,
  key: string,
  value: string,
  line: number,
  psu: SwitchPsu | null,
): SwitchPsu | null {
  const k = key.toLowerCase()
  const top = /^psu(\d+)[ .](status|dc|fan|part_number|serial|power \(w\))$/.exec(k)
  if (top?.[1] !== undefined && top[2] !== undefined) {
    const p = psuOf(v, Number(top[1]))
    setPsu(p, dottedPsuKeys[top[2]] ?? 'status', value, line, key)
    return top[2] === 'status' ? p : psu
  }
  const fan = /^fan#(\d+)(?:\.speed)? \(rpm\)$/.exec(k)
  const psuKey = indentedPsuKeys[k]
  if (psu !== null && psuKey !== undefined) {
    setPsu(psu, psuKey, value, line, key)
  } else if (fan?.[1] !== undefined) {
    v.fans.push({ index: Number(fan[1]), rpm: numberAt(value, line, key) })
  } else if (k === 'fan status' || k === 'fans') {
    v.fanStatus = value
  } else if (k === 'node_desription' || k === 'node_description') {
    v.name = value
  } else if (infoKeys[k] !== undefined) {
    v.info[infoKeys[k]] = value
  } else if (numberKeys[k] !== undefined) {
    v.numbers[numberKeys[k]] = numberAt(value, line, key)
  }
  return psu
}

function scan(text: string, warnings: string[]): Vitals {
  const v: Vitals = { name: null, info: {}, psus: [], fans: [], numbers: {}, fanStatus: null }
  let psu: SwitchPsu | null = null
  let afterBox = false
  let pairs = 0
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    const bar = line.indexOf('|')
    const colon = line.indexOf(' : ')
    const at = bar >= 0 ? bar : colon
    if (/^(=+|-+)$/.test(line)) {
      afterBox = line.startsWith('=') && v.name === null
      psu = line.startsWith('-') ? null : psu
    } else if (at > 0) {
      const key = line.slice(0, at).trim()
      const value = line.slice(at + (bar >= 0 ? 1 : 3)).trim()
      psu = take(v, key, value, i + 1, /^\s/.test(raw) ? psu : null)
      pairs++
    } else if (afterBox && line !== '') {
      v.name = line
      afterBox = false
    } else if (line !== '') {
      warnings.push(`line ${i + 1}: not a "key | value" line: ignored`)
    }
  }
  if (pairs === 0) {
    throw netParseError(tool, 1, 'no "key | value" line')
  }
  return v
}

function parse(text: string): NetworkReport {
  const warnings: string[] = []
  const v = scan(text, warnings)
  const guid = ibGuid(v.info.guid ?? '')
  const name = v.name ?? guid ?? 'switch'
  const problems: string[] = []
  for (const p of v.psus) {
    for (const [what, state] of [
      ['status', p.status],
      ['DC power', p.dcPower],
      ['fan status', p.fanStatus],
    ] as const) {
      if (state !== null && state !== '' && state.toUpperCase() !== 'OK') {
        problems.push(`PSU${p.index} ${what} ${state}`)
      }
    }
  }
  if (v.fanStatus !== null && v.fanStatus.toUpperCase() !== 'OK') {
    problems.push(`fan status ${v.fanStatus}`)
  }
  const temperature = v.numbers.temperatureC ?? null
  const checked = v.psus.length > 0 || v.fanStatus !== null
  const verdicts: NetVerdict[] = []
  if (problems.length > 0) {
    verdicts.push({ device: name, port: null, health: 'degraded', reason: problems.join('; ') })
  } else if (checked) {
    const at = temperature === null ? '' : `, ${temperature} °C`
    verdicts.push({ device: name, port: null, health: 'healthy', reason: `PSUs and fans OK${at}` })
  }
  const uptime = v.info.uptime
  return {
    tool,
    nics: [],
    counters: [],
    verdicts,
    extra: {
      name,
      ...v.info,
      guid,
      ports: v.numbers.ports ?? null,
      uptimeSeconds: v.numbers.uptimeSeconds ?? (uptime === undefined ? null : secondsOf(uptime)),
      psus: v.psus,
      temperatureC: temperature,
      maxTemperatureC: v.numbers.maxTemperatureC ?? null,
      fanStatus: v.fanStatus,
      fans: v.fans,
    },
    warnings,
  }
}

/** `ibswinfo`: see the comment above `tool`. */
export const ibswinfoParser: NetParser = {
  tool,
  detect(text: string): number {
    const keys = [
      /^PSU\d status[ \t]+\|/m,
      /^part number[ \t]+\|/m,
      /^fan#\d+ \(rpm\)[ \t]+\|/m,
      /^psu\d\.status[ \t]+:/m,
      /^fan#\d+\.speed \(rpm\)[ \t]+:/m,
      /^temperature \(C\)[ \t]+\|/m,
    ]
    const hits = keys.filter((re) => re.test(text)).length
    return hits >= 2 ? 1 : hits === 1 ? 0.5 : 0
  },
  parse,
}
