import { ZhisuanError } from '@zhisuan/domain'
import { expandHostlist } from './hostlist.js'

/** One switch of Slurm's `topology/tree`: the nodes and switches directly below it. */
export interface SlurmSwitch {
  readonly name: string
  /** Nodes it lists (a leaf's own nodes; `scontrol show topology` also lists them for upper switches). */
  readonly nodes: readonly string[]
  /** Child switches (none for a leaf). */
  readonly switches: readonly string[]
}

/** Where a node hangs in Slurm's tree: its leaf switch and the switch above that leaf. */
export interface SlurmNodePosition {
  readonly leaf: string
  /** The leaf's parent switch; `undefined` when the leaf is a root. */
  readonly spine: string | undefined
}

/**
 * Parses Slurm's switch tree, either topology.conf text or what `scontrol show topology` prints
 * (the same `SwitchName=… Nodes=… Switches=…` records, with `Level=` and `LinkSpeed=` added).
 * Keys are case-insensitive, `#` starts a comment, a trailing `\` continues a line.
 * @throws ZhisuanError `invalid-config` naming the source and line of a record without a
 * `SwitchName`, a switch defined twice, or a bad hostlist.
 */
export function parseSlurmTopology(text: string, source: string): readonly SlurmSwitch[] {
  const switches: SlurmSwitch[] = []
  const seen = new Set<string>()
  for (const { raw, lineNo } of logicalLines(text)) {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '' || /^No (switch|topology)/i.test(line)) {
      continue
    }
    const fields = new Map<string, string>()
    for (const word of line.split(/\s+/)) {
      const eq = word.indexOf('=')
      if (eq > 0) {
        fields.set(word.slice(0, eq).toLowerCase(), word.slice(eq + 1))
      }
    }
    const at = `${source} line ${lineNo}`
    const name = fields.get('switchname') ?? ''
    if (name === '') {
      throw new ZhisuanError('invalid-config', `${at}: no SwitchName in ${JSON.stringify(line)}`)
    }
    if (seen.has(name)) {
      throw new ZhisuanError('invalid-config', `${at}: switch ${name} is defined twice`)
    }
    seen.add(name)
    const list = (key: string): string[] => {
      try {
        return expandHostlist(fields.get(key) ?? '')
      } catch (error) {
        throw new ZhisuanError(
          'invalid-config',
          `${at}: ${key} of switch ${name}: ${(error as Error).message}`,
          {
            cause: error,
          },
        )
      }
    }
    switches.push({ name, nodes: list('nodes'), switches: list('switches') })
  }
  return switches
}

/** The lines of `text` with `\`-continued lines joined, each with the number of its first line. */
function logicalLines(text: string): { raw: string; lineNo: number }[] {
  const out: { raw: string; lineNo: number }[] = []
  let joined: { raw: string; lineNo: number } | undefined
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const part = line.endsWith('\\') ? line.slice(0, -1) : line
    joined =
      joined === undefined
        ? { raw: part, lineNo: i + 1 }
        : { ...joined, raw: `${joined.raw} ${part}` }
    if (!line.endsWith('\\')) {
      out.push(joined)
      joined = undefined
    }
  }
  if (joined !== undefined) {
    out.push(joined)
  }
  return out
}

/**
 * Each node's leaf switch (the switch without child switches that lists it) and that leaf's
 * parent. A node under two leaves is an error (slurmctld refuses such a file too).
 * @throws ZhisuanError `invalid-config` for a node under two leaf switches.
 */
export function slurmNodePositions(
  switches: readonly SlurmSwitch[],
): ReadonlyMap<string, SlurmNodePosition> {
  const parent = new Map<string, string>()
  for (const s of switches) {
    for (const child of s.switches) {
      parent.set(child, s.name)
    }
  }
  const out = new Map<string, SlurmNodePosition>()
  for (const s of switches) {
    if (s.switches.length > 0) {
      continue
    }
    for (const node of s.nodes) {
      const before = out.get(node)
      if (before !== undefined) {
        throw new ZhisuanError(
          'invalid-config',
          `Slurm topology: node ${node} hangs under two leaf switches, ${before.leaf} and ${s.name}`,
        )
      }
      out.set(node, { leaf: s.name, spine: parent.get(s.name) })
    }
  }
  return out
}
