import { ZhisuanError, type FabricSpec } from '@zhisuan/domain'
import type { FabricLink, FabricNode } from './network/ibnetdiscover.js'
import type { NetworkReport, NicPort } from './network/types.js'

/**
 * The cabling half of the network acceptance checks (issue #21), on an `ibnetdiscover --ports`
 * map. The cluster file names no switches, so the leaf a port should land on is the leaf most
 * of its group lands on: its block's nodes' port k (rail-optimized: port k is rail k / planes,
 * plane k % planes) or every port of its block (fat tree, per plane). A port elsewhere, a group
 * split with no majority, and a leaf that two groups share are each a reason.
 */

/** Device names in numeric order: mlx5_2 before mlx5_10. */
export const deviceOrder = new Intl.Collator('en', { numeric: true })
/** `mlx5_4 port 1`, as the reasons name a port. */
export const portName = (p: NicPort): string => `${p.device} port ${p.port}`

/** A node's scale-out ports in rail order, and its leaf block in the cluster file. */
export interface CablingCandidate {
  readonly node: string
  /** undefined when the cluster file gives the node no block. */
  readonly block: number | undefined
  readonly ports: readonly NicPort[]
}

/** `ibnetdiscover --ports` as the cabling check reads it. */
export interface FabricMap {
  readonly links: readonly FabricLink[]
  readonly nodes: readonly FabricNode[]
}

/**
 * The fabric an `ibnetdiscover --ports` report describes.
 * @throws ZhisuanError `invalid-input` when the report is another tool's.
 */
export function fabricMapOf(report: NetworkReport): FabricMap {
  const links = report.extra?.['links']
  const nodes = report.extra?.['nodes']
  if (report.tool !== 'ibnetdiscover' || !Array.isArray(links) || !Array.isArray(nodes)) {
    throw new ZhisuanError(
      'invalid-input',
      `cabling needs ibnetdiscover --ports output, got ${report.tool}`,
    )
  }
  return { links: links as FabricLink[], nodes: nodes as FabricNode[] }
}

/** A port's far end as the fabric map shows it. */
interface Landing {
  readonly node: string
  readonly port: NicPort
  readonly group: string
  readonly switchGuid: string
  readonly switchPort: number
}

/** Each IB scale-out port on the leaf its block (and rail, and plane) has; no leaf shared. */
export function cablingReasons(
  candidates: readonly CablingCandidate[],
  fabric: Pick<FabricSpec, 'design' | 'planes'>,
  map: FabricMap,
): Map<string, string[]> {
  const reasons = new Map<string, string[]>()
  const add = (node: string, reason: string) => {
    reasons.set(node, [...(reasons.get(node) ?? []), reason])
  }
  const locate = locator(map)
  const landings: Landing[] = []
  for (const e of candidates) {
    const scaleOut = e.ports
    const ib = scaleOut.filter((p) => p.linkLayer !== 'RoCE' && p.linkLayer !== 'Ethernet')
    const up = ib.filter((p) => p.state === 'active')
    if (up.length > 0 && e.block === undefined) {
      add(e.node, 'the cluster file puts this node under no leaf block: its cabling is not checked')
      continue
    }
    const found = up.map((p) => ({ p, end: locate(e.node, p, scaleOut.length) }))
    if (found.length > 0 && found.every((f) => f.end === undefined)) {
      add(
        e.node,
        `none of its ${found.length} IB ports is in the ibnetdiscover output (by port GUID or by the node description "${e.node} <device>")`,
      )
      continue
    }
    for (const { p, end } of found) {
      const k = scaleOut.indexOf(p)
      const rail = fabric.design === 'rail-optimized' ? Math.floor(k / fabric.planes) : null
      const plane = k % fabric.planes
      const label = `block ${e.block ?? 0}${rail === null ? '' : ` rail ${rail}`}${fabric.planes > 1 ? ` plane ${plane}` : ''}`
      if (end === undefined) {
        add(
          e.node,
          `${portName(p)} (GUID ${p.guid ?? 'unknown'}) is not in the ibnetdiscover output: not cabled, or on another subnet`,
        )
      } else if (end.peerType !== 'SW') {
        add(
          e.node,
          `${portName(p)} is cabled to ${end.peerName || end.peerGuid} (${end.peerType ?? 'unknown'}), not to a leaf switch`,
        )
      } else {
        landings.push({
          node: e.node,
          port: p,
          group: label,
          switchGuid: end.peerGuid,
          switchPort: end.peerPort,
        })
      }
    }
  }
  for (const [node, reason] of leafReasons(landings, fabric, switchLabel(map))) {
    add(node, reason)
  }
  return reasons
}

interface End {
  readonly port: number
  readonly peerGuid: string
  readonly peerPort: number
  readonly peerName: string
  readonly peerType: FabricNode['type'] | undefined
}

/** Finds a port's link by its GUID, else by a node description `<node> <device>`. */
function locator(map: FabricMap) {
  const types = new Map(map.nodes.map((n) => [n.guid, n.type]))
  const ends = new Map<string, End[]>()
  const note = (guid: string, end: End) => ends.set(guid, [...(ends.get(guid) ?? []), end])
  for (const l of map.links) {
    note(l.fromGuid, {
      port: l.fromPort,
      peerGuid: l.toGuid,
      peerPort: l.toPort,
      peerName: l.toName,
      peerType: types.get(l.toGuid),
    })
    note(l.toGuid, {
      port: l.toPort,
      peerGuid: l.fromGuid,
      peerPort: l.fromPort,
      peerName: l.fromName,
      peerType: types.get(l.fromGuid),
    })
  }
  const hcas = map.nodes
    .filter((n) => n.type === 'CA')
    .map((n) => {
      const [host = '', ...rest] = n.name.split(/\s+/)
      return { guid: n.guid, host: host.toLowerCase(), device: rest.join(' ') }
    })
  const pick = (guid: string | undefined, port: number): End | undefined => {
    const all = guid === undefined ? [] : (ends.get(guid) ?? [])
    return all.find((e) => e.port === port) ?? (all.length === 1 ? all[0] : undefined)
  }
  return (node: string, p: NicPort, ports: number): End | undefined => {
    const byGuid = p.guid === null ? undefined : pick(p.guid, p.port)
    if (byGuid !== undefined) {
      return byGuid
    }
    const mine = hcas.filter((h) => h.host === node.toLowerCase())
    const named =
      mine.find((h) => h.device === p.device) ??
      (ports === 1 && mine.length === 1 ? mine[0] : undefined)
    return pick(named?.guid, p.port)
  }
}

/** A switch by its name, with its GUID where the name is empty or another switch's too. */
function switchLabel(map: FabricMap): (guid: string) => string {
  const names = new Map(map.nodes.map((n) => [n.guid, n.name]))
  return (guid) => {
    const name = names.get(guid) ?? ''
    const shared = map.nodes.filter((n) => n.name === name).length > 1
    return name === '' ? guid : shared ? `${name} (${guid})` : name
  }
}

/** The leaf most of a group lands on; a port elsewhere, a split group, a shared leaf. */
function leafReasons(
  landings: readonly Landing[],
  fabric: Pick<FabricSpec, 'design' | 'planes'>,
  leaf: (guid: string) => string,
): [string, string][] {
  const out: [string, string][] = []
  const groups = new Map<string, Landing[]>()
  for (const l of landings) {
    groups.set(l.group, [...(groups.get(l.group) ?? []), l])
  }
  const carried = new Map<string, string[]>() // leaf → groups it is the leaf of
  for (const [group, members] of [...groups].sort(([a], [b]) => deviceOrder.compare(a, b))) {
    const votes = new Map<string, number>()
    for (const m of members) {
      votes.set(m.switchGuid, (votes.get(m.switchGuid) ?? 0) + 1)
    }
    const ranked = [...votes].sort(([ga, a], [gb, b]) => b - a || (ga < gb ? -1 : 1))
    const [top, second] = ranked
    if (top === undefined) {
      continue
    }
    if (second !== undefined && second[1] === top[1]) {
      const where = ranked.map(
        ([g]) =>
          `${leaf(g)} (${members
            .filter((m) => m.switchGuid === g)
            .map((m) => m.node)
            .sort()
            .join(', ')})`,
      )
      for (const m of members) {
        out.push([
          m.node,
          `${group} is split across leaves ${where.join(', ')}; the cluster file puts it under one leaf`,
        ])
      }
      continue
    }
    carried.set(top[0], [...(carried.get(top[0]) ?? []), group])
    const within = /^block \d+ (.+)$/.exec(group)?.[1]
    const others = fabric.design === 'rail-optimized' ? 'the other nodes of' : 'most ports of'
    for (const m of members.filter((x) => x.switchGuid !== top[0])) {
      out.push([
        m.node,
        `${portName(m.port)}${within === undefined ? '' : ` (${within})`} lands on leaf ${leaf(m.switchGuid)} port ${m.switchPort}, ${others} ${group} are on leaf ${leaf(top[0])}`,
      ])
    }
  }
  const own =
    fabric.design === 'rail-optimized'
      ? 'each block, rail and plane its own leaf'
      : 'each block and plane its own leaf'
  for (const [guid, shared] of carried) {
    if (shared.length > 1) {
      for (const m of landings.filter((l) => l.switchGuid === guid && shared.includes(l.group))) {
        out.push([
          m.node,
          `leaf ${leaf(guid)} carries ${shared.join(' and ')}; the cluster file (${fabric.design}) gives ${own}`,
        ])
      }
    }
  }
  return out
}
