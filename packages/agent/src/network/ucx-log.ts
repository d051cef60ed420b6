import {
  netParseError,
  type NetParser,
  type NetVerdict,
  type NetworkReport,
  type NicPort,
} from './types.js'
import { describeStatus, describeVendorError, statusOfMlx5Syndrome } from './wc-status.js'

/**
 * UCX's log of a failed mlx5 completion (`uct_ib_mlx5_completion_with_err`, ib_mlx5_log.c):
 * `Transport retry count exceeded on mlx5_0:1/RoCE (synd 0x15 vend 0x81 hw_synd 0/0)`, often
 * followed by the QP and WQE it hit (`DCI QP 0x1510 wqe[0]: SEND … [rqpn … rmac … dgid …]`).
 * Each becomes a `failed` verdict for that device and port; the syndrome is decoded as
 * rdma-core does (0x15 = transport retry counter exceeded) and the peer (`dgid`, `dlid`,
 * `rmac`, `rqpn`) taken from the WQE line. The port becomes a NicPort with its link layer.
 */
const tool = 'ucx-log'

const failure = / on ([\w.-]+):(\d+)\/(\w+) \(synd 0x([0-9a-f]+) vend 0x([0-9a-f]+)/i
const procTag = /\[([^\s:[\]]+):(\d+)(?::\d+)*\]/
const ucxLine = /\bUCX\s+(ERROR|WARN|DIAG)\b|\[[^\s:[\]]+:\d+(?::\d+)+\]\s+\w+\.c:\d+\s/

interface UcxFailure {
  readonly line: number
  readonly host: string | null
  readonly what: string
  readonly device: string
  readonly port: number
  readonly transport: string
  readonly syndrome: number
  readonly vendorErr: number
  peer: string | null
}

function detect(text: string): number {
  const head = text.slice(0, 200_000)
  if (failure.test(head)) {
    return 0.95
  }
  return ucxLine.test(head) ? 0.5 : 0
}

function failureOf(text: string, line: number): UcxFailure | null {
  const m = failure.exec(text)
  if (m === null) {
    return null
  }
  const before = text.slice(0, m.index)
  // the words before " on <dev>": after UCX's source location or level, if any
  const what = before.replace(/^.*(?:\.c:\d+|UCX\s+ERROR)\s+/, '').trim()
  return {
    line,
    host: procTag.exec(text)?.[1] ?? null,
    what: what === '' ? 'completion error' : what,
    device: m[1] ?? '',
    port: Number(m[2]),
    transport: m[3] ?? '',
    syndrome: parseInt(m[4] ?? '0', 16),
    vendorErr: parseInt(m[5] ?? '0', 16),
    peer: null,
  }
}

/** The remote end a WQE line names: `dgid fe80::…`, `dlid 12`, `rmac …`, `rqpn 0x…`. */
function peerOf(text: string): string | null {
  if (!/\bQP 0x[0-9a-f]+ wqe\[/i.test(text)) {
    return null
  }
  const parts = ['dgid', 'dlid', 'rmac', 'rqpn'].flatMap((k) => {
    const v = new RegExp(`\\b${k} ([^\\s\\]]+)`).exec(text)?.[1]
    return v === undefined ? [] : [`${k} ${v}`]
  })
  return parts.length > 0 ? parts.join(' ') : null
}

/**
 * How many lines below its error line a WQE line is still that error's: UCX's
 * `ib_mlx5_log.c` prints it on the next line; ESTIMATE: up to 4, for lines of other threads
 * written in between.
 */
const peerLines = 4

function parse(text: string): NetworkReport {
  const lines = text.split(/\r?\n/)
  const failures: UcxFailure[] = []
  lines.forEach((l, i) => {
    const f = failureOf(l, i + 1)
    const last = failures.at(-1)
    if (f !== null) {
      failures.push(f)
    } else if (last !== undefined && last.peer === null && i + 1 - last.line <= peerLines) {
      last.peer = peerOf(l)
    }
  })
  if (failures.length === 0 && !lines.some((l) => ucxLine.test(l))) {
    throw netParseError(tool, 1, 'no UCX log line and no "… on <device>:<port>/… (synd …)" error')
  }
  const nics = new Map<string, NicPort>()
  for (const f of failures) {
    nics.set(`${f.device}:${f.port}`, ucxNic(f))
  }
  return {
    tool,
    nics: [...nics.values()],
    counters: [],
    verdicts: verdictsOf(failures),
    extra: {
      failures: failures.map((f) => ({
        line: f.line,
        host: f.host,
        device: f.device,
        port: f.port,
        transport: f.transport,
        what: f.what,
        status: statusOfMlx5Syndrome(f.syndrome).code,
        syndrome: f.syndrome,
        vendorErr: f.vendorErr,
        peer: f.peer,
      })),
    },
    warnings: [],
  }
}

function ucxNic(f: UcxFailure): NicPort {
  const t = f.transport.toLowerCase()
  return {
    device: f.device,
    port: f.port,
    linkLayer: t === 'roce' ? 'RoCE' : t === 'ib' ? 'IB' : null,
    state: 'unknown',
    physicalState: 'unknown',
    rateGbps: null,
    firmware: null,
    netdev: null,
    guid: null,
    model: null,
  }
}

/** One verdict per device, port and syndrome, with the count and the first peers. */
function verdictsOf(failures: readonly UcxFailure[]): NetVerdict[] {
  const groups = new Map<string, { f: UcxFailure; peers: Set<string>; n: number }>()
  for (const f of failures) {
    const key = `${f.device}:${f.port}:${f.syndrome}:${f.vendorErr}`
    const g = groups.get(key) ?? { f, peers: new Set<string>(), n: 0 }
    g.n++
    if (f.peer !== null) {
      g.peers.add(f.peer)
    }
    groups.set(key, g)
  }
  return [...groups.values()].map(({ f, peers, n }) => {
    const status = describeStatus(statusOfMlx5Syndrome(f.syndrome))
    const peer = peers.size > 0 ? `; peer ${[...peers].slice(0, 3).join(', ')}` : ''
    const times = n > 1 ? ` (${n} times)` : ''
    const where = `${f.device}:${f.port}/${f.transport}`
    const synd = `synd 0x${f.syndrome.toString(16)}`
    return {
      device: f.device,
      port: f.port,
      health: 'failed' as const,
      reason: `UCX: ${f.what} on ${where}: ${status}, ${synd}${describeVendorError(f.vendorErr)}${peer}${times}`,
    }
  })
}

/** The parser for UCX logs of mlx5 completion errors. */
export const ucxLogParser: NetParser = { tool, detect, parse }
