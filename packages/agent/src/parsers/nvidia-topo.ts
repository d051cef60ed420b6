import { ZhisuanError } from '@zhisuan/domain'

/** What `nvidia-smi topo -m` says of how a node's GPUs and NICs connect. */
export interface NvidiaTopology {
  /** `GPU0`, `GPU1`, … in matrix order. */
  readonly gpus: string[]
  /** NIC device names from the NIC legend (`mlx5_2`), else the matrix label (`NIC0`). */
  readonly nics: string[]
  /** Each pair once, in matrix order: `NV12`, `SYS`, `NODE`, `PHB`, `PXB`, `PIX`, … */
  readonly links: { a: string; b: string; kind: string }[]
  /** GPU pairs joined by NVLink (`NV#`). */
  readonly nvlinkPairs: number
}

function topoError(line: number, message: string): ZhisuanError {
  const issue = { path: 'nvidia-smi-topo', message, line }
  return new ZhisuanError('invalid-input', `nvidia-smi-topo: line ${line}: ${message}`, {
    issues: [issue],
  })
}

// columns after the matrix: CPU Affinity, NUMA Affinity, GPU NUMA ID
const affinity = /affinity|numa/i

/**
 * Parses `nvidia-smi topo -m`. Empty output gives no GPUs; text without the matrix header
 * (`GPU0  GPU1 …`), or a matrix cell that is not a link kind, throws naming the line.
 */
export function parseNvidiaTopology(text: string): NvidiaTopology {
  const lines = text.split(/\r?\n/)
  const empty: NvidiaTopology = { gpus: [], nics: [], links: [], nvlinkPairs: 0 }
  if (text.trim() === '') {
    return empty
  }
  const at = lines.findIndex((l) => /^\s+GPU0\b/.test(l))
  if (at === -1) {
    throw topoError(1, 'no matrix header ("GPU0  GPU1 …")')
  }
  const titles = (lines[at] ?? '').trim().split(/\t+|\s{2,}/)
  const end = titles.findIndex((t) => affinity.test(t))
  const labels = end === -1 ? titles : titles.slice(0, end)
  const matrix = new Map<string, string[]>()
  for (let k = at + 1; k < lines.length; k++) {
    const cells = (lines[k] ?? '').trim().split(/\s+/)
    const [label] = cells
    if (label === undefined || label === '' || /^legend:?$/i.test(label)) {
      break
    }
    if (!labels.includes(label)) {
      throw topoError(k + 1, `row "${label}" is not in the header`)
    }
    const row = cells.slice(1, labels.length + 1)
    const bad = row.find((c) => !/^(X|NV\d+|[A-Z]{2,5})$/.test(c))
    if (row.length < labels.length || bad !== undefined) {
      throw topoError(k + 1, `row ${label}: expected ${labels.length} link kinds`)
    }
    matrix.set(label, row)
  }
  // NIC Legend: "  NIC0: mlx5_2"
  const legend = new Map<string, string>()
  for (const l of lines) {
    const m = /^\s*(NIC\d+):\s*(\S+)\s*$/.exec(l)
    if (m?.[1] !== undefined && m[2] !== undefined) {
      legend.set(m[1], m[2])
    }
  }
  const nameOf = (label: string) => legend.get(label) ?? label
  const links: NvidiaTopology['links'] = []
  labels.forEach((a, i) => {
    labels.slice(i + 1).forEach((b, j) => {
      const kind = matrix.get(a)?.[i + 1 + j] ?? matrix.get(b)?.[i]
      if (kind !== undefined) {
        links.push({ a: nameOf(a), b: nameOf(b), kind })
      }
    })
  })
  const isGpu = (name: string) => /^GPU\d+$/.test(name)
  return {
    gpus: labels.filter(isGpu),
    nics: labels.filter((l) => !isGpu(l)).map(nameOf),
    links,
    nvlinkPairs: links.filter((l) => isGpu(l.a) && isGpu(l.b) && l.kind.startsWith('NV')).length,
  }
}
