import type {
  LinkLayer,
  NetToolName,
  NetVerdict,
  NetworkReport,
  NicPort,
  PhysicalState,
  PortState,
} from './types.js'

/**
 * What the InfiniBand tools (ibstat, ibstatus, ibv_devinfo, rdma, ibdev2netdev) say of a port,
 * in one vocabulary, and the verdicts one reading of the ports of a node supports.
 */

/** Letters only, lower case: `PORT_ACTIVE (4)`, `4: ACTIVE`, `Active` → `portactive`/`active`. */
function word(text: string): string {
  return text
    .replace(/\(\s*\d+\s*\)|^\s*\d+\s*:/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()
    .replace(/^port(?!configuration)/, '')
}

/**
 * A logical port state as any IB tool prints it: `Active` (ibstat), `4: ACTIVE` (ibstatus),
 * `PORT_ACTIVE (4)` (ibv_devinfo), `ACTIVE` (rdma, ibdev2netdev -v), `Initializing`/`INIT`.
 * ACTIVE_DEFER is an active port that defers a state change, so active.
 */
export function ibPortState(text: string): PortState {
  switch (word(text)) {
    case 'active':
    case 'activedefer':
      return 'active'
    case 'down':
      return 'down'
    case 'init':
    case 'initializing':
      return 'init'
    case 'armed':
      return 'armed'
    default:
      return 'unknown'
  }
}

/**
 * A physical port state: `LinkUp`, `5: LinkUp`, `LINK_UP (5)`, `Polling`, `DISABLED`, `Sleep`,
 * `PortConfigurationTraining`. Link error recovery and the phy test state are `unknown`: the
 * reason then quotes the tool's own words.
 */
export function ibPhysicalState(text: string): PhysicalState {
  switch (word(text)) {
    case 'linkup':
      return 'linkup'
    case 'polling':
      return 'polling'
    case 'disabled':
      return 'disabled'
    case 'sleep':
      return 'sleep'
    case 'portconfigurationtraining':
      return 'training'
    default:
      return 'unknown'
  }
}

/** `InfiniBand` → IB, `Ethernet` (on an RDMA device) → RoCE, `iWARP` → iWARP; else null. */
export function ibLinkLayer(text: string): LinkLayer | null {
  const w = word(text)
  return w === 'infiniband' ? 'IB' : w === 'ethernet' ? 'RoCE' : w === 'iwarp' ? 'iWARP' : null
}

/**
 * The link layer a driver implies when the tool does not say (a cut ibstat, `rdma link`):
 * Broadcom bnxt_re and soft-RoCE rxe speak only RoCE; siw, i40iw and Chelsio cxgb only iWARP;
 * hfi1 (Omni-Path) and qib only IB. Others (mlx*, qedr, irdma) can be either: null.
 */
export function driverLinkLayer(device: string): LinkLayer | null {
  if (/^(bnxt_re|rxe)/.test(device)) {
    return 'RoCE'
  }
  if (/^(siw|i40iw|iw_cxgb|cxgb)/.test(device)) {
    return 'iWARP'
  }
  return /^(hfi1|qib)/.test(device) ? 'IB' : null
}

/** `0x58A2E10300A7820E` or `58a2:e103:00a7:820e` → `0x58a2e10300a7820e`; null otherwise. */
export function ibGuid(text: string): string | null {
  const t = text.trim().toLowerCase()
  if (/^0x[0-9a-f]{1,16}$/.test(t)) {
    return `0x${t.slice(2).padStart(16, '0')}`
  }
  return /^[0-9a-f]{4}(:[0-9a-f]{4}){3}$/.test(t) ? `0x${t.replace(/:/g, '')}` : null
}

/**
 * The port GUID inside a link-local GID (`fe80:0000:0000:0000:0015:5dff:fd34:11eb`): its low
 * 64 bits, which is what ibstat prints as `Port GUID`. Null for other GIDs (a RoCE v2 GID
 * holds an IP address, not a GUID) and for `unknown`.
 */
export function guidOfGid(text: string): string | null {
  const groups = text.trim().toLowerCase().split(':')
  if (
    groups.length !== 8 ||
    groups[0] !== 'fe80' ||
    groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))
  ) {
    return null
  }
  return ibGuid(
    groups
      .slice(4)
      .map((g) => g.padStart(4, '0'))
      .join(':'),
  )
}

/** A record's `key: value` lines by key, each with its 1-based line. */
export type Fields = Map<string, { readonly value: string; readonly line: number }>

/**
 * Files a `Key: value` line (ibstat, ibstatus) under its lower-case key; false when the line
 * has no key before a colon.
 */
export function setField(fields: Fields, line: string, n: number): boolean {
  const colon = line.indexOf(':')
  if (colon <= 0) {
    return false
  }
  fields.set(line.slice(0, colon).trim().toLowerCase(), {
    value: line.slice(colon + 1).trim(),
    line: n,
  })
  return true
}

/** A port's record where a tool nests ports under devices (ibstat, ibv_devinfo). */
export interface PortRecord {
  readonly port: number
  readonly line: number
  readonly fields: Fields
}

/** A device's record and the port records below it (ibstat's CA, ibv_devinfo's hca_id). */
export interface DeviceRecord {
  readonly device: string
  readonly line: number
  readonly fields: Fields
  readonly ports: PortRecord[]
}

/** The ibstat spelling of a physical state, for reasons an operator reads. */
const physicalNames: Readonly<Record<PhysicalState, string>> = {
  linkup: 'LinkUp',
  polling: 'Polling',
  disabled: 'Disabled',
  sleep: 'Sleep',
  training: 'PortConfigurationTraining',
  unknown: 'unknown',
}

const stateNames: Readonly<Record<PortState, string>> = {
  active: 'active',
  down: 'down',
  init: 'initializing',
  armed: 'armed',
  unknown: 'in an unknown state',
}

/** One port as a tool printed it: the mapped NicPort and the tool's own words for its states. */
export interface PortReading {
  readonly nic: NicPort
  /** The state text as printed (`Initializing`); null when the tool does not print one. */
  readonly stateText: string | null
  /** The physical state text as printed (`Polling`); null when the tool does not print one. */
  readonly physicalText: string | null
}

/**
 * A port as a tool printed it, its states read from the tool's words (`unknown` where it
 * printed none).
 */
export function portReading(
  nic: Omit<NicPort, 'state' | 'physicalState'>,
  stateText: string | null,
  physicalText: string | null,
): PortReading {
  const { device, port, linkLayer, ...rest } = nic
  const state = ibPortState(stateText ?? '')
  const physicalState = ibPhysicalState(physicalText ?? '')
  return {
    nic: { device, port, linkLayer, state, physicalState, ...rest },
    stateText,
    physicalText,
  }
}

/**
 * The report of a tool that prints port states (ibstat, ibstatus, ibv_devinfo, rdma,
 * ibdev2netdev): the ports read, their verdicts (`portVerdicts`) then `more`, and no counters.
 */
export function portReport(
  tool: NetToolName,
  readings: readonly PortReading[],
  extra: Readonly<Record<string, unknown>>,
  warnings: readonly string[],
  more: readonly NetVerdict[] = [],
): NetworkReport {
  return {
    tool,
    nics: readings.map((r) => r.nic),
    counters: [],
    verdicts: [...portVerdicts(readings), ...more],
    extra,
    warnings,
  }
}

/** A decimal field (`Base lid: 13`, `sm_lid 1`) → 13; null when absent or not a number. */
export function decimalOf(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null
}

/** The words a reason uses for a state: ours when mapped, the tool's when not. */
function said(mapped: string, raw: string | null, unknown: boolean): string {
  return unknown && raw !== null ? `"${raw.trim()}"` : mapped
}

/**
 * Ports that share a model, a silicon family and a link layer are expected to run at one rate.
 * The firmware's major version names the family: MT4126 is the id of every mlx5 virtual
 * function, so a ConnectX-6 Dx VF (22.x) and a ConnectX-7 VF (28.x) share it but not a speed.
 */
function peerGroup(nic: NicPort): string {
  const family = nic.firmware?.split('.')[0] ?? ''
  return `${nic.model ?? ''}|${family}|${nic.linkLayer ?? ''}`
}

/** Why a port is failed, or null when it is active and linked up (or the tool cannot say). */
function failure(r: PortReading): string | null {
  const { state, physicalState } = r.nic
  const badState = state !== 'active' && r.stateText !== null
  const badPhysical = physicalState !== 'linkup' && r.physicalText !== null
  if (!badState && !badPhysical) {
    return null
  }
  const st = said(stateNames[state], r.stateText, state === 'unknown')
  const ph = said(physicalNames[physicalState], r.physicalText, physicalState === 'unknown')
  const physical = r.physicalText === null ? '' : ` (physical state ${ph})`
  const head = badState ? `port ${st}${physical}` : `port active but physical state ${ph}`
  // LinkUp but not Active is the classic "no subnet manager" case: say so, it is the fix
  return (state === 'init' || state === 'armed') && physicalState === 'linkup'
    ? `${head}: the link is up but no subnet manager has activated it`
    : head
}

/**
 * The verdicts one reading of a node's ports supports:
 * - `failed`: a port not Active, or whose physical state is not LinkUp
 *   (`port down (physical state Polling)`);
 * - `degraded`: an active port slower than the fastest active port of its peer group (same
 *   model, firmware family and link layer on this node): a link that came up at half speed;
 * - `healthy`: `active at 400 Gb/s`.
 * A port whose tool prints neither state (plain ibdev2netdev) gets no verdict.
 */
export function portVerdicts(readings: readonly PortReading[]): NetVerdict[] {
  const fastest = new Map<string, number>()
  for (const { nic } of readings) {
    if (nic.state === 'active' && nic.rateGbps !== null) {
      const g = peerGroup(nic)
      fastest.set(g, Math.max(fastest.get(g) ?? 0, nic.rateGbps))
    }
  }
  const verdicts: NetVerdict[] = []
  for (const r of readings) {
    const { device, port, rateGbps } = r.nic
    if (r.stateText === null && r.physicalText === null) {
      continue
    }
    const failed = failure(r)
    const top = fastest.get(peerGroup(r.nic)) ?? 0
    if (failed !== null) {
      verdicts.push({ device, port, health: 'failed', reason: failed })
    } else if (rateGbps === null) {
      verdicts.push({ device, port, health: 'healthy', reason: 'active (rate not reported)' })
    } else if (rateGbps < top) {
      const peers = r.nic.model === null ? 'other ports like it' : `other ${r.nic.model} ports`
      const reason = `active at ${rateGbps} Gb/s, below the ${top} Gb/s of ${peers} on this node`
      verdicts.push({ device, port, health: 'degraded', reason })
    } else {
      verdicts.push({ device, port, health: 'healthy', reason: `active at ${rateGbps} Gb/s` })
    }
  }
  return verdicts
}

/**
 * The command itself echoed above its output: after a prompt (`$ ibstat`, `[root@pod /]#
 * ibdev2netdev`), by bash's `set -x` (`+ ibstat`), or bare (`rdma dev`).
 */
export function isCommandEcho(line: string, command: RegExp): boolean {
  const t = line
    .trim()
    .replace(/^(\[[^\]]*\][#$]|[#$]|\++)\s*/, '')
    .replace(/^sudo\s+/, '')
  return command.test(t)
}
