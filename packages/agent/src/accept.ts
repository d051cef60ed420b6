import type { Pool } from '@zhisuan/domain'
import type { DeviceInventory } from './inventory.js'

/** A node to admit: its name, the pool the cluster file puts it in, and its agent's last report. */
export interface Candidate {
  readonly node: string
  readonly pool: Pool | undefined
  readonly health: string
  readonly report: { readonly inventories: readonly DeviceInventory[] } | undefined
}

/** The verdict on one node. */
export interface NodeVerdict {
  readonly node: string
  readonly pool: string | null
  readonly pass: boolean
  readonly reasons: readonly string[]
  readonly devices: number
  readonly driverVersion: string | null
}

/** A readiness report: per node pass or fail with reasons, and the pools' common versions. */
export interface AcceptanceReport {
  readonly nodes: readonly NodeVerdict[]
  readonly passed: number
  readonly failed: number
  /** Per pool, the driver version most of its nodes run (the one the others must match). */
  readonly poolDrivers: Readonly<Record<string, string | null>>
}

/** The value most often given (ties: the first in sort order); null for none. */
export const majority = (values: readonly string[]): string | null => {
  const counts = new Map<string, number>()
  for (const v of values) {
    counts.set(v, (counts.get(v) ?? 0) + 1)
  }
  let best: string | null = null
  let n = 0
  for (const [v, c] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c > n) {
      best = v
      n = c
    }
  }
  return best
}

/**
 * The rack-to-training checks on nodes' agent reports against the cluster file: the node
 * reports at all; its accelerators are the pool's model, count and memory; its driver matches
 * the version most of the pool runs; ECC is on; no scale-up link is down; its health is ok.
 */
export function acceptanceChecks(candidates: readonly Candidate[]): AcceptanceReport {
  const driverOf = (c: Candidate) => c.report?.inventories[0]?.driverVersion ?? null
  const poolDrivers: Record<string, string | null> = {}
  for (const c of candidates) {
    if (c.pool !== undefined && !(c.pool.name in poolDrivers)) {
      const versions = candidates
        .filter((o) => o.pool?.name === c.pool?.name)
        .map(driverOf)
        .filter((v): v is string => v !== null)
      poolDrivers[c.pool.name] = majority(versions)
    }
  }
  const nodes = candidates.map((c): NodeVerdict => {
    const reasons: string[] = []
    const devices = c.report?.inventories.flatMap((i) => i.devices) ?? []
    const driver = driverOf(c)
    if (c.pool === undefined) {
      reasons.push('no pool of the cluster file holds this node')
    }
    if (c.report === undefined) {
      reasons.push('no agent report')
    } else if (c.pool !== undefined) {
      const pool = c.pool
      const want = pool.scaleUp.acceleratorsPerNode
      if (devices.length !== want) {
        reasons.push(`${devices.length} accelerators found, pool ${pool.name} has ${want} per node`)
      }
      for (const d of devices) {
        if (d.catalogId !== pool.accelerator.id) {
          reasons.push(
            `device ${d.index} is "${d.model}" (${d.catalogId ?? `not in the catalog: ${d.catalogReason}`}), pool ${pool.name} expects ${pool.accelerator.id}`,
          )
        }
        const gb = pool.accelerator.memory.gb.value
        if (d.memoryTotalMiB !== null && d.memoryTotalMiB / 1024 < gb * 0.88) {
          reasons.push(
            `device ${d.index} has ${Math.round(d.memoryTotalMiB / 1024)} GB, ${gb} GB expected`,
          )
        }
        if (d.ecc.enabled === false) {
          reasons.push(`device ${d.index}: ECC is off`)
        }
        if ((d.links.down ?? 0) > 0) {
          reasons.push(`device ${d.index}: ${d.links.down ?? 0} scale-up link(s) down`)
        }
        // findings that ask for nothing (a slowdown, a corrected error) do not fail a node;
        // one that needs a reset, a drain or a new device does
        const blocking = d.health.issues.filter((i) => i.status === 'failed' || i.action !== 'none')
        if (blocking.length > 0) {
          reasons.push(
            `device ${d.index} is ${d.health.status}: ${blocking.map((i) => i.reason).join('; ')}`,
          )
        }
      }
      const common = poolDrivers[pool.name] ?? null
      if (driver !== null && common !== null && driver !== common) {
        reasons.push(`driver ${driver} differs from the ${common} most of pool ${pool.name} runs`)
      }
    }
    if (c.health !== 'healthy') {
      reasons.push(`node health is ${c.health}`)
    }
    return {
      node: c.node,
      pool: c.pool?.name ?? null,
      pass: reasons.length === 0,
      reasons,
      devices: devices.length,
      driverVersion: driver,
    }
  })
  return {
    nodes,
    passed: nodes.filter((n) => n.pass).length,
    failed: nodes.filter((n) => !n.pass).length,
    poolDrivers,
  }
}

/** The report as Markdown, for people. */
export function acceptanceMarkdown(
  report: AcceptanceReport,
  title: string,
  seconds: number,
): string {
  const rows = report.nodes.map(
    (n) =>
      `| ${n.node} | ${n.pool ?? '—'} | ${n.pass ? 'pass' : '**fail**'} | ${n.devices} | ${n.driverVersion ?? '—'} | ${n.reasons.join('; ').replace(/\|/g, '\\|') || '—'} |`,
  )
  return [
    `# Acceptance: ${title}`,
    '',
    `${report.passed} passed, ${report.failed} failed, in ${seconds.toFixed(1)} s.`,
    '',
    '| node | pool | verdict | accelerators | driver | reasons |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}
