import type { NetVerdict, NicPort } from './types.js'
import {
  describeStatus,
  describeVendorError,
  generalError,
  statusOfMlx5Syndrome,
  wcStatus,
  wcStatusByName,
  type WcStatus,
} from './wc-status.js'

/**
 * What NCCL's IB transport says in a log (NCCL_DEBUG=INFO or WARN): the devices it uses and
 * the completions that failed. Shared by the NCCL log parser and the nccl-tests parser, whose
 * output carries the same lines when a run breaks.
 *
 * Failure lines, in the formats NCCL has printed over the years (src/transport/net_ib.cc):
 * - 2.4-era: `NET/IB : Got completion with error 4, opcode 1, len 0, vendor err 81`
 * - 2.1x: `NET/IB : Got completion from peer <ip><port> with error 4, opcode …, len …, vendor
 *   err 81 (Send)`, then `… with status=12 opcode=0 len=0 vendor err 129 (Recv) localGid …
 *   remoteGids…` (RoCE adds the GIDs)
 * - 2.2x: the same with `NET/IB:` and a trailing `hca mlx5_10`
 * - newer: `status=IBV_WC_RETRY_EXC_ERR(12) opcode=IBV_WC_SEND(0) reqSize=… vendor_err=129
 *   req_type=Recv … hca mlx5_10`
 * and libmlx5's own dump of the error CQE (`mlx5: <host>: got completion with error:` and four
 * lines of hex), whose syndrome bytes are decoded as rdma-core does.
 */

/** One failed work completion found in a log. */
export interface IbFailure {
  /** 1-based line of the report. */
  readonly line: number
  /** The host that logged it (NCCL's `host:pid:tid` prefix, or libmlx5's host). */
  readonly host: string | null
  readonly pid: string | null
  /** The peer as printed, port dropped (`10.216.210.236`, `fe80::…%ib0`), when named. */
  readonly peer: string | null
  readonly status: WcStatus
  readonly vendorErr: number | null
  /** `Send` or `Recv` (NCCL's request type), when given. */
  readonly request: string | null
  /** The HCA NCCL names (`hca mlx5_10`), else null. */
  readonly hca: string | null
  readonly localGid: string | null
  readonly remoteGid: string | null
  readonly source: 'nccl' | 'libmlx5'
}

const prefix = /^([^\s:]+):(\d+):\d+ \[\d+\]/
const failure = /\bGot completion (?:from peer (\S+) )?with (?:status=|error )/
const cqeHeader = /^mlx[45]: ([^\s:]+): got completion with error:\s*$/
const hexWords = /^[0-9a-f]{8}( [0-9a-f]{8}){3}\s*$/i

const field = (line: string, re: RegExp): string | null => re.exec(line)?.[1] ?? null
const numberField = (line: string, re: RegExp): number | null => {
  const v = field(line, re)
  return v === null ? null : Number(v)
}

/** The failure a NCCL `Got completion` line reports, or null when the line is not one. */
export function ncclFailureOf(text: string, line: number): IbFailure | null {
  const m = failure.exec(text)
  if (m === null) {
    return null
  }
  const named = field(text, /status=(IBV_WC_\w+)\(/)
  const code = numberField(text, /(?:status=(?:[A-Z_]+\()?|with error )(\d+)/)
  const status =
    (named === null ? undefined : wcStatusByName(named)) ?? wcStatus(code ?? generalError)
  const p = prefix.exec(text)
  return {
    line,
    host: p?.[1] ?? null,
    pid: p?.[2] ?? null,
    peer: m[1]?.replace(/<\d+>$/, '') ?? null,
    status,
    vendorErr: numberField(text, /vendor(?: err |_err=)(\d+)/),
    request: field(text, /\((Unused|Send|Recv|Flush|IPut)\)/) ?? field(text, /req_type=(\w+)/),
    hca: field(text, /\bhca (\S+)/),
    localGid: field(text, /localGid (\S+)/),
    remoteGid: field(text, /remoteGids ?(\S+)/),
    source: 'nccl',
  }
}

/** Every failure in the lines: NCCL's own and libmlx5's CQE dumps. */
export function ibFailures(lines: readonly string[]): IbFailure[] {
  const found: IbFailure[] = []
  lines.forEach((text, i) => {
    const nccl = ncclFailureOf(text, i + 1)
    if (nccl !== null) {
      found.push(nccl)
      return
    }
    const host = cqeHeader.exec(text)?.[1]
    if (host !== undefined) {
      found.push(cqeFailure(lines, i, host))
    }
  })
  return found
}

/**
 * A libmlx5 error CQE: 64 bytes in four lines of four words. Bytes 54 and 55 hold the vendor
 * syndrome and the syndrome (rdma-core `struct mlx5_err_cqe`), i.e. the low half of word 13.
 */
function cqeFailure(lines: readonly string[], at: number, host: string): IbFailure {
  const words = lines
    .slice(at + 1, at + 5)
    .filter((l) => hexWords.test(l))
    .flatMap((l) => l.trim().split(' '))
  const word = words.length === 16 ? parseInt(words[13] ?? '', 16) : NaN
  const known = Number.isFinite(word)
  return {
    line: at + 1,
    host,
    pid: null,
    peer: null,
    status: known ? statusOfMlx5Syndrome(word & 0xff) : wcStatus(generalError),
    vendorErr: known ? (word >> 8) & 0xff : null,
    request: null,
    hca: null,
    localGid: null,
    remoteGid: null,
    source: 'libmlx5',
  }
}

/** The devices NCCL says it uses, per process (`host:pid`). */
export interface NcclDevices {
  readonly nics: readonly NicPort[]
  readonly sharp: readonly string[]
  readonly byProcess: ReadonlyMap<string, readonly string[]>
  readonly oob: string | null
}

const using = /NET\/IB ?: Using (.*)$/
const deviceToken = /\[\d+\]([\w.:+-]+?)\/(IB|RoCE)(\/SHARP)?(?=\s|$|;)/g

/** `NET/IB : Using [0]mlx5_0:1/IB/SHARP [1]mlx5_1:1/RoCE …; OOB ibp25s0:10.20.0.120<0>`. */
export function ncclDevices(lines: readonly string[]): NcclDevices {
  const nics = new Map<string, NicPort>()
  const sharp = new Set<string>()
  const byProcess = new Map<string, string[]>()
  let oob: string | null = null
  for (const text of lines) {
    const list = using.exec(text)?.[1]
    if (list === undefined) {
      continue
    }
    oob ??= field(list, /; OOB (\S+)/)
    const p = prefix.exec(text)
    const proc = p === null ? null : `${p[1] ?? ''}:${p[2] ?? ''}`
    for (const [, devs = '', layer, isSharp] of list.matchAll(deviceToken)) {
      for (const dp of devs.split('+')) {
        const [device = '', port = ''] = dp.split(':')
        if (device === '' || !/^\d+$/.test(port)) {
          continue
        }
        nics.set(`${device}:${port}`, ncclNic(device, Number(port), layer === 'IB' ? 'IB' : 'RoCE'))
        if (isSharp !== undefined) {
          sharp.add(device)
        }
        if (proc !== null) {
          const seen = byProcess.get(proc) ?? []
          byProcess.set(proc, seen.includes(device) ? seen : [...seen, device])
        }
      }
    }
  }
  return { nics: [...nics.values()], sharp: [...sharp], byProcess, oob }
}

/** NCCL lists only ports it can use: active ones (net_ib.cc skips the others), so linked up. */
function ncclNic(device: string, port: number, linkLayer: 'IB' | 'RoCE'): NicPort {
  return {
    device,
    port,
    linkLayer,
    state: 'active',
    physicalState: 'linkup',
    rateGbps: null,
    firmware: null,
    netdev: null,
    guid: null,
    model: null,
  }
}

/**
 * One `failed` verdict per device, port and status, the peers and count in its reason. The
 * device is the HCA NCCL names; else, when the process that failed used a single NET/IB
 * device, that one; else `` (the log does not say). The port is the one NCCL listed for the
 * device, when it listed one.
 */
export function failureVerdicts(
  failures: readonly IbFailure[],
  devices: NcclDevices,
): NetVerdict[] {
  const groups = new Map<string, { f: IbFailure; device: string; all: IbFailure[] }>()
  for (const f of failures) {
    const device = f.hca ?? soleDevice(f, devices) ?? ''
    const key = `${device}|${f.status.code}|${f.vendorErr ?? ''}`
    const g = groups.get(key) ?? { f, device, all: [] }
    g.all.push(f)
    groups.set(key, g)
  }
  return [...groups.values()].map(({ f, device, all }) => {
    const ports = devices.nics.filter((nic) => nic.device === device).map((nic) => nic.port)
    return {
      device,
      port: ports.length === 1 ? (ports[0] ?? null) : null,
      health: 'failed' as const,
      reason: `${sourcesOf(all)}: ${describeStatus(f.status)}${describeVendorError(f.vendorErr)}${context(all, device)}`,
    }
  })
}

function sourcesOf(all: readonly IbFailure[]): string {
  const nccl = all.some((f) => f.source === 'nccl') ? ['NCCL NET/IB completion error'] : []
  const mlx5 = all.some((f) => f.source === 'libmlx5') ? ['libmlx5 error CQE'] : []
  return [...nccl, ...mlx5].join(' and ')
}

/** ` from peer a, b on host h (3 times); the log does not name the device`. */
function context(all: readonly IbFailure[], device: string): string {
  const peers = [...new Set(all.flatMap((f) => f.peer ?? []))]
  const hosts = [...new Set(all.flatMap((f) => f.host ?? []))]
  const more = peers.length > 3 ? ` and ${peers.length - 3} more` : ''
  const from = peers.length > 0 ? ` from peer ${peers.slice(0, 3).join(', ')}${more}` : ''
  const on = hosts.length === 1 ? ` on ${hosts[0] ?? ''}` : ''
  const times = all.length > 1 ? ` (${all.length} times)` : ''
  const who = device === '' ? '; the log does not name the device' : ''
  return `${from}${on}${times}${who}`
}

function soleDevice(f: IbFailure, devices: NcclDevices): string | null {
  const used =
    f.host === null || f.pid === null ? undefined : devices.byProcess.get(`${f.host}:${f.pid}`)
  return used?.length === 1 ? (used[0] ?? null) : null
}
