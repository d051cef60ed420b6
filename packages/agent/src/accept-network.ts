import type { FabricSpec, Pool } from '@zhisuan/domain'
import { cablingReasons, deviceOrder, portName, type FabricMap } from './accept-cabling.js'
import { majority, type AcceptanceReport } from './accept.js'
import type { NicPort } from './network/types.js'

/**
 * The network half of acceptance (issue #21). The cluster file gives each pool's NICs as
 * `count × gbps` (`pools[].nics`, else `fabric.nic`; `Pool.nic`) and `fabric.planes`: a node
 * has `count × planes` scale-out ports at `gbps / planes`. It names no devices and no switches,
 * so a node's scale-out ports are the largest group of its ports of one link layer and NIC model
 * (8 × CX-7 IB, not the BlueField frontend bond), and port k in device order (mlx5_2 before
 * mlx5_10) is rail k / planes, plane k % planes; `accept-cabling.ts` checks where each lands.
 */

/** What a node's NIC report gave: its RDMA ports, or why it could not be read. */
export type NicReport =
  | { readonly kind: 'parsed'; readonly tool: string; readonly ports: readonly NicPort[] }
  | { readonly kind: 'unreadable'; readonly reason: string }

/** A node to check: its pool and leaf block in the cluster file, and its NIC report. */
export interface NicEvidence {
  readonly node: string
  readonly pool: Pool | undefined
  /** Its block in the cluster file's numbering (`clusterNodes`); undefined when it has none. */
  readonly block: number | undefined
  /** undefined when the node sent none. */
  readonly report: NicReport | undefined
}

/** The network checks' outcome: per node, the reasons it fails (none: it passes). */
export interface NetworkAcceptance {
  readonly reasons: Readonly<Record<string, readonly string[]>>
  /** Per pool, per NIC model, the firmware most of the pool's devices run. */
  readonly poolFirmware: Readonly<Record<string, Readonly<Record<string, string | null>>>>
  /** Whether cabling was checked (an ibnetdiscover output was given). */
  readonly cabling: boolean
}

const stateName: Readonly<Record<string, string>> = {
  active: 'Active',
  down: 'Down',
  init: 'Init',
  armed: 'Armed',
  linkup: 'LinkUp',
  polling: 'Polling',
  disabled: 'Disabled',
  sleep: 'Sleep',
  training: 'Training',
}
const byDevice = (a: NicPort, b: NicPort): number =>
  deviceOrder.compare(a.device, b.device) || a.port - b.port
const modelOf = (p: NicPort): string => p.model ?? `unknown ${p.linkLayer ?? ''} NIC`.trim()

/** The largest group of ports of one link layer and model, in device order; ties: the faster. */
export function scaleOutPorts(ports: readonly NicPort[]): NicPort[] {
  const groups = new Map<string, NicPort[]>()
  for (const p of ports) {
    const key = `${p.linkLayer ?? '?'}|${p.model ?? '?'}`
    groups.set(key, [...(groups.get(key) ?? []), p])
  }
  const fastest = (g: readonly NicPort[]) => Math.max(0, ...g.map((p) => p.rateGbps ?? 0))
  const best = [...groups]
    .sort(
      ([ka, a], [kb, b]) => b.length - a.length || fastest(b) - fastest(a) || (ka < kb ? -1 : 1),
    )
    .at(0)?.[1]
  return [...(best ?? [])].sort(byDevice)
}

/** Each scale-out port up and at the nominal rate; the count the pool's NICs say. */
function portReasons(
  pool: Pool,
  planes: number,
  tool: string,
  ports: readonly NicPort[],
  usual: ReadonlySet<string>,
): string[] {
  const reasons: string[] = []
  const want = pool.nic.count * planes
  const gbps = pool.nic.gbps / planes
  if (ports.length !== want) {
    const have = new Set(ports.map(portName))
    const missing = [...usual].filter((u) => !have.has(u))
    const kind = ports[0] === undefined ? '' : ` (${modelOf(ports[0])})`
    reasons.push(
      `${ports.length} scale-out ports found${kind}, pool ${pool.name} expects ${want} × ${gbps} Gb/s` +
        (ports.length < want && missing.length > 0
          ? `; missing ${missing.join(', ')}, which most nodes of the pool have`
          : ''),
    )
  }
  for (const p of ports) {
    if (p.state === 'unknown') {
      reasons.push(`${tool} does not give ${portName(p)}'s state: send ibstat output`)
    } else if (p.state !== 'active') {
      const phys = stateName[p.physicalState] ?? p.physicalState
      const rate = p.rateGbps === null ? '' : `, ${p.rateGbps} Gb/s`
      reasons.push(
        `${portName(p)} is ${stateName[p.state] ?? p.state} (physical state ${phys}${rate}), pool ${pool.name} expects Active at ${gbps} Gb/s`,
      )
    } else if (p.rateGbps === null) {
      reasons.push(
        `${tool} does not give ${portName(p)}'s rate, pool ${pool.name} expects ${gbps} Gb/s`,
      )
    } else if (p.rateGbps < gbps) {
      reasons.push(
        `${portName(p)} runs at ${p.rateGbps} Gb/s, pool ${pool.name} expects ${gbps} Gb/s`,
      )
    }
  }
  return reasons
}

/** A node with a pool and a readable NIC report, and its scale-out ports (`scaleOutPorts`). */
interface Parsed {
  readonly e: NicEvidence
  readonly pool: Pool
  readonly tool: string
  readonly ports: readonly NicPort[]
  readonly scaleOut: readonly NicPort[]
}

/** One firmware per device (its first port's). */
const devicesOf = (ports: readonly NicPort[]): NicPort[] =>
  [...ports].sort(byDevice).filter((p, i, all) => all.findIndex((q) => q.device === p.device) === i)

/** Per pool and NIC model, the firmware most devices run. */
function poolFirmwareOf(parsed: readonly Parsed[]): Record<string, Record<string, string | null>> {
  const seen: Record<string, Record<string, string[]>> = {}
  for (const { pool, ports } of parsed) {
    const models = (seen[pool.name] ??= {})
    for (const d of devicesOf(ports)) {
      if (d.firmware !== null) {
        ;(models[modelOf(d)] ??= []).push(d.firmware)
      }
    }
  }
  return Object.fromEntries(
    Object.entries(seen).map(([pool, models]) => [
      pool,
      Object.fromEntries(Object.entries(models).map(([m, fws]) => [m, majority(fws)])),
    ]),
  )
}

function firmwareReasons(
  pool: Pool,
  ports: readonly NicPort[],
  common: Record<string, string | null>,
) {
  const off = new Map<string, string[]>()
  for (const d of devicesOf(ports)) {
    const want = common[modelOf(d)] ?? null
    if (d.firmware !== null && want !== null && d.firmware !== want) {
      const key = `${modelOf(d)}|${d.firmware}|${want}`
      off.set(key, [...(off.get(key) ?? []), d.device])
    }
  }
  return [...off].map(([key, devices]) => {
    const [model = '', fw = '', want = ''] = key.split('|')
    return `${devices.join(', ')} (${model}) run${devices.length === 1 ? 's' : ''} firmware ${fw}, most of pool ${pool.name} runs ${want}`
  })
}

/** Every port GUID once in the fabric: a duplicate is named on both nodes. */
function guidReasons(parsed: readonly Parsed[]) {
  const holders = new Map<string, { node: string; port: NicPort }[]>()
  for (const { e, ports } of parsed) {
    for (const port of ports) {
      if (port.guid !== null) {
        holders.set(port.guid, [...(holders.get(port.guid) ?? []), { node: e.node, port }])
      }
    }
  }
  const clash = new Map<string, Map<string, string[]>>() // node → other node → ports
  for (const [guid, all] of holders) {
    for (const a of all) {
      for (const b of all) {
        if (a !== b) {
          const byOther = clash.get(a.node) ?? new Map<string, string[]>()
          const what =
            a.node === b.node ? `${portName(a.port)} and ${portName(b.port)}` : portName(a.port)
          byOther.set(b.node, [...(byOther.get(b.node) ?? []), `${what} ${guid}`])
          clash.set(a.node, byOther)
        }
      }
    }
  }
  const reasons = new Map<string, string[]>()
  for (const [node, byOther] of clash) {
    reasons.set(
      node,
      [...byOther]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([other, what]) => {
          const list = [...new Set(what)].sort(deviceOrder.compare).join(', ')
          return other === node
            ? `port GUIDs used twice on this node (each must be unique): ${list}`
            : `port GUIDs also on ${other} (each must be unique): ${list}`
        }),
    )
  }
  return reasons
}

/**
 * The network acceptance checks: every scale-out port the pool's NICs promise is present,
 * Active and at the nominal rate; NIC firmware matches what most of the pool runs (per model);
 * port GUIDs are unique across all nodes; and, with an `ibnetdiscover --ports` map, each port is
 * cabled as the cluster file's block and rails say (see the file's comment). Nodes without a
 * pool are left to `acceptanceChecks`; a node with a pool and no NIC report fails.
 * @example withNetwork(acceptanceChecks(candidates), networkAcceptance(evidence, cluster.fabric.spec))
 */
export function networkAcceptance(
  evidence: readonly NicEvidence[],
  fabric: Pick<FabricSpec, 'design' | 'planes'>,
  map?: FabricMap,
): NetworkAcceptance {
  const reasons: Record<string, string[]> = {}
  const add = (node: string, more: readonly string[]) => {
    if (more.length > 0) {
      reasons[node] = [...new Set([...(reasons[node] ?? []), ...more])]
    }
  }
  const parsed: Parsed[] = []
  for (const e of evidence) {
    if (e.pool === undefined) {
      continue
    }
    if (e.report === undefined) {
      add(e.node, ['no NIC report'])
    } else if (e.report.kind === 'unreadable') {
      add(e.node, [`NIC report: ${e.report.reason}`])
    } else if (e.report.ports.length === 0) {
      add(e.node, [`the NIC report (${e.report.tool}) lists no RDMA port: send ibstat output`])
    } else {
      const { tool, ports } = e.report
      parsed.push({ e, pool: e.pool, tool, ports, scaleOut: scaleOutPorts(ports) })
    }
  }
  const poolFirmware = poolFirmwareOf(parsed)
  const usual = usualPorts(parsed)
  for (const { e, pool, tool, ports, scaleOut } of parsed) {
    add(e.node, portReasons(pool, fabric.planes, tool, scaleOut, usual.get(pool.name) ?? new Set()))
    add(e.node, firmwareReasons(pool, ports, poolFirmware[pool.name] ?? {}))
  }
  for (const [node, more] of guidReasons(parsed)) {
    add(node, more)
  }
  if (map !== undefined) {
    const candidates = parsed.map(({ e, scaleOut }) => ({
      node: e.node,
      block: e.block,
      ports: scaleOut,
    }))
    for (const [node, more] of cablingReasons(candidates, fabric, map)) {
      add(node, more)
    }
  }
  return { reasons, poolFirmware, cabling: map !== undefined }
}

/** Per pool, the scale-out ports (`mlx5_4 port 1`) more than half its reporting nodes have. */
function usualPorts(parsed: readonly Parsed[]) {
  const counts = new Map<string, { nodes: number; ports: Map<string, number> }>()
  for (const { pool, scaleOut } of parsed) {
    const c = counts.get(pool.name) ?? { nodes: 0, ports: new Map<string, number>() }
    c.nodes += 1
    for (const p of scaleOut) {
      c.ports.set(portName(p), (c.ports.get(portName(p)) ?? 0) + 1)
    }
    counts.set(pool.name, c)
  }
  return new Map(
    [...counts].map(([pool, c]) => [
      pool,
      new Set(
        [...c.ports]
          .filter(([, n]) => n * 2 > c.nodes)
          .map(([p]) => p)
          .sort(deviceOrder.compare),
      ),
    ]),
  )
}

/**
 * The acceptance report with the network checks' reasons added: a node with any fails.
 * @example withNetwork(acceptanceChecks(candidates), networkAcceptance(evidence, spec, map))
 */
export function withNetwork(
  report: AcceptanceReport,
  network: NetworkAcceptance,
): AcceptanceReport & { readonly network: Omit<NetworkAcceptance, 'reasons'> } {
  const nodes = report.nodes.map((n) => {
    const reasons = [...n.reasons, ...(network.reasons[n.node] ?? [])]
    return { ...n, reasons, pass: reasons.length === 0 }
  })
  return {
    ...report,
    nodes,
    passed: nodes.filter((n) => n.pass).length,
    failed: nodes.filter((n) => !n.pass).length,
    network: { poolFirmware: network.poolFirmware, cabling: network.cabling },
  }
}
