import type { Accelerator, SlurmFeatureMapping, ValidationIssue } from '@zhisuan/domain'
import type { SlurmNode } from './api.js'
import { compressHostlist } from './hostlist.js'
import type { SlurmNodePosition } from './topology.js'

/** A node of the Slurm partition as Zhisuan reads it from slurmrestd and Slurm's topology. */
export interface SlurmInventoryNode {
  readonly name: string
  /** Slurm's GRES string, e.g. `gpu:h100:8`. */
  readonly gres: string
  /** GPUs the GRES gives the node (`gpu:8` and `gpu:h100:8` → 8; several `gpu` entries add up). */
  readonly accelerators: number
  /** The node's features (slurm.conf `Features=`). */
  readonly features: readonly string[]
  /**
   * The catalog accelerator its features map to through the cluster file's `slurm.features`:
   * `undefined` when none maps, `'ambiguous'` when features map to different accelerators.
   */
  readonly accelerator: Accelerator | 'ambiguous' | undefined
  /** slurmctld's base state (`idle`, `mixed`, `down`, …) and its flags (`DRAIN`, …). */
  readonly state: string
  readonly flags: readonly string[]
  readonly reason: string
  /** Its leaf switch and that leaf's parent in Slurm's topology; `undefined` when under none. */
  readonly position: SlurmNodePosition | undefined
}

/**
 * How many of a GRES a node has: the counts of every `name` entry of a Slurm GRES string
 * (`gpu:8`, `gpu:h100:8`, `gpu:h100:4(S:0),gpu:a100:4(S:1)`, `gpu` = 1), 0 when it has none.
 * @example gresCount('gpu:h100:8(S:0-1),nic:2') // 8
 */
export function gresCount(gres: string, name = 'gpu'): number {
  let total = 0
  for (const entry of splitOutsideParens(gres)) {
    const parts = entry
      .replace(/\(.*\)$/, '')
      .trim()
      .split(':')
    if (parts[0] !== name) {
      continue
    }
    const last = parts.length > 1 ? (parts[parts.length - 1] ?? '') : ''
    const count = /^\d+$/.test(last) ? Number(last) : 1
    total += count
  }
  return total
}

function splitOutsideParens(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let current = ''
  for (const c of text) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0
    if (c === ',' && depth === 0) {
      out.push(current)
      current = ''
    } else {
      current += c
    }
  }
  out.push(current)
  return out.filter((e) => e.trim() !== '' && e.trim() !== '(null)')
}

/** Slurm's nodes, read into inventory records (GRES count, mapped accelerator, position). */
export function slurmInventory(
  nodes: readonly SlurmNode[],
  positions: ReadonlyMap<string, SlurmNodePosition>,
  mapping: readonly SlurmFeatureMapping[],
): readonly SlurmInventoryNode[] {
  return nodes.map((n) => {
    const name = n.name ?? ''
    const gres = n.gres ?? ''
    const features = (n.features ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '')
    const mapped = new Map<string, Accelerator>()
    for (const f of features) {
      const m = mapping.find((x) => x.feature === f)
      if (m !== undefined) {
        mapped.set(m.accelerator.id, m.accelerator)
      }
    }
    const [only] = mapped.values()
    return {
      name,
      gres,
      accelerators: gresCount(gres),
      features,
      accelerator: mapped.size > 1 ? 'ambiguous' : only,
      state: (n.state ?? 'unknown').toLowerCase(),
      flags: (n.state_flags ?? []).map((f) => f.toUpperCase()),
      reason: n.reason ?? '',
      position: positions.get(name),
    }
  })
}

/** Shortens a long node list for a message: a Slurm hostlist. */
export function hostlistOf(names: Iterable<string>): string {
  return compressHostlist([...names].sort())
}

/** One issue for a node's field, e.g. `gpu-003.gres`. */
export function nodeIssue(node: string, field: string, message: string): ValidationIssue {
  return { path: `${node}.${field}`, message }
}
