import type { Catalog } from '@zhisuan/domain'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { numberIn, parseError } from '../text.js'
import { nvidiaDevice, present, type RawGpu } from './nvidia-device.js'
import { rawGpuFromTree, snake, valueAt, type SmiNode } from './nvidia-tree.js'

const busIdPattern = /[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]/

/**
 * The `nvidia-smi -q` report as a tree: each `Key : Value` line a node, each line without a
 * colon a section whose deeper-indented lines are its children; `GPU 00000000:19:00.0` starts
 * a node named `gpu` whose text is the bus id.
 */
export function readQuery(text: string): SmiNode {
  const root: SmiNode = { name: '', text: '', children: [], line: 0, attrs: {} }
  const stack: { node: SmiNode; indent: number }[] = [{ node: root, indent: -1 }]
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.trimEnd()
    const body = line.trim()
    if (body === '' || /^=+\s*NVSMI LOG\s*=+$/.test(body)) {
      return
    }
    const indent = line.length - line.trimStart().length
    const gpu = /^GPU\s+([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])$/.exec(body)
    const kv = /^(\S.*?)\s+:\s?(.*)$/.exec(body)
    const [name, value] =
      gpu !== null ? ['gpu', gpu[1]] : kv !== null ? [snake(kv[1] ?? ''), kv[2]] : [snake(body), '']
    const node: SmiNode = { name, text: value ?? '', children: [], line: k + 1, attrs: {} }
    while (stack.length > 1 && (stack.at(-1)?.indent ?? -1) >= indent) {
      stack.pop()
    }
    stack.at(-1)?.node.children.push(node)
    stack.push({ node, indent })
  })
  return root
}

function parseQuery(text: string, catalog: Catalog): DeviceInventory {
  const tool = 'nvidia-smi-text'
  const root = readQuery(text)
  const driver = present(valueAt(root, 'driver_version'))
  if (!/=+\s*NVSMI LOG\s*=+/.test(text) && driver === undefined) {
    throw parseError(tool, 1, 'not nvidia-smi -q output: no "NVSMI LOG" banner, no Driver Version')
  }
  const gpus = root.children.filter((c) => c.name === 'gpu')
  const devices = gpus.map((g, order) => {
    const raw = rawGpuFromTree(g, order)
    if (raw.model === '') {
      throw parseError(tool, g.line, `GPU ${g.text} has no Product Name`)
    }
    return nvidiaDevice(raw, catalog)
  })
  const warnings: string[] = []
  const attached = numberIn(present(valueAt(root, 'attached_gpus'))) ?? gpus.length
  if (attached !== gpus.length) {
    warnings.push(`Attached GPUs says ${attached} but the output holds ${gpus.length} GPU sections`)
  }
  const vbios = new Set(gpus.map((g) => present(valueAt(g, 'vbios_version'))))
  const [firmware] = vbios
  return {
    vendor: 'NVIDIA',
    tool,
    toolVersion: null,
    driverVersion: driver ?? null,
    firmwareVersion: vbios.size === 1 ? (firmware ?? null) : null,
    devices,
    warnings,
  }
}

/** `nvidia-smi -q` (also `-a`): the full text report. */
export const nvidiaTextParser: SmiParser = {
  tool: 'nvidia-smi-text',
  vendor: 'NVIDIA',
  detect: (text) =>
    /=+\s*NVSMI LOG\s*=+/.test(text)
      ? 0.95
      : /^Driver Version\s+:/m.test(text) && /^GPU [0-9A-Fa-f]{8}:/m.test(text)
        ? 0.7
        : 0,
  parse: parseQuery,
}

interface TableRow {
  readonly line: number
  readonly cells: readonly string[]
}

// `+----+----+`, `|----+----|`: the rules between GPUs
const rule = /^[|+][-+|=]*$/

/** The rows of each GPU between the `|===|` line and the end of the device table. */
function gpuBlocks(lines: readonly string[], from: number): TableRow[][] {
  const blocks: TableRow[][] = []
  let current: TableRow[] = []
  for (let k = from; k < lines.length; k++) {
    const line = (lines[k] ?? '').trimEnd()
    if (rule.test(line)) {
      if (current.length > 0) {
        blocks.push(current)
      }
      current = []
    } else if (line.startsWith('|')) {
      current.push({ line: k + 1, cells: line.split('|').slice(1, -1) })
    } else {
      break
    }
  }
  if (current.length > 0) {
    blocks.push(current)
  }
  return blocks
}

function tableGpu(block: readonly TableRow[], warnings: string[]): RawGpu {
  const tool = 'nvidia-smi-table'
  const [first, second] = block
  const [gpuCell, busCell, eccCell] = first?.cells ?? []
  // "   0  NVIDIA H100 80GB HBM3          On  ", "   0  NVIDIA GeForce ...  Off  "
  const head = /^\s*(\d+)\s+(.*?)\s*$/.exec(gpuCell ?? '')
  if (first === undefined || head === null) {
    throw parseError(tool, first?.line ?? 0, 'expected "<index>  <name>" in the GPU column')
  }
  const name = (head[2] ?? '').replace(/\s+(On|Off|WDDM|TCC|N\/A)$/, '').trim()
  const index = Number(head[1])
  const ecc = present(eccCell)
  const [stateCell, memoryCell, utilCell] = second?.cells ?? []
  // "N/A   27C    P0             72W /  700W", "ERR!   38C    P5    49W / 450W"
  const state = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\/\s*(\S+)\s*$/.exec(stateCell ?? '')
  const memory = /^\s*(\S+)\s*\/\s*(\S+)\s*$/.exec(memoryCell ?? '')
  if (second === undefined) {
    warnings.push(`GPU ${index}: the table gives only its first row`)
  } else if (state === null || memory === null) {
    warnings.push(`line ${second.line}: GPU ${index}: unexpected second row`)
  }
  return {
    index,
    model: name,
    busId: busIdPattern.exec(busCell ?? '')?.[0],
    fan: state?.[1],
    temperature: state?.[2],
    powerDraw: state?.[4],
    powerLimit: state?.[5],
    memoryUsed: memory?.[1],
    memoryTotal: memory?.[2],
    utilization: utilCell?.trim().split(/\s+/)[0],
    // a count in "Volatile Uncorr. ECC" means ECC is on; N/A: off or not supported
    eccMode: ecc !== undefined && /^\d+$/.test(ecc) ? 'Enabled' : ecc === 'Off' ? 'Off' : undefined,
    eccVolatile: ecc === undefined ? undefined : { correctable: [], uncorrectable: [ecc] },
  }
}

function parseTable(text: string, catalog: Catalog): DeviceInventory {
  const tool = 'nvidia-smi-table'
  const lines = text.split(/\r?\n/)
  const head = lines.findIndex((l) => /NVIDIA-SMI\s+\S+/.test(l))
  const header = lines[head] ?? ''
  if (head === -1) {
    throw parseError(tool, 1, 'no "NVIDIA-SMI <version>" header')
  }
  const bar = lines.findIndex((l, k) => k > head && /^\|=+[=+|]*$/.test(l.trimEnd()))
  if (bar === -1) {
    throw parseError(tool, head + 1, 'no "|=====|" line under the column titles')
  }
  const warnings: string[] = []
  const devices = gpuBlocks(lines, bar + 1).map((b) => nvidiaDevice(tableGpu(b, warnings), catalog))
  return {
    vendor: 'NVIDIA',
    tool,
    toolVersion: /NVIDIA-SMI\s+([^\s|]+)/.exec(header)?.[1] ?? null,
    driverVersion: /Driver Version:\s*([^\s|]+)/.exec(header)?.[1] ?? null,
    firmwareVersion: null,
    devices,
    warnings,
  }
}

/** `nvidia-smi` with no arguments: the default table (79- and 89-column layouts). */
export const nvidiaTableParser: SmiParser = {
  tool: 'nvidia-smi-table',
  vendor: 'NVIDIA',
  detect: (text) => (/NVIDIA-SMI\s+\S+\s+Driver Version:/.test(text) ? 0.95 : 0),
  parse: parseTable,
}
