import { readFileSync } from 'node:fs'
import { clusterNodes, defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'
import type { NicEvidence } from './accept-network.js'
import { parseNetwork } from './network/index.js'

/** Shared by the network acceptance tests: real NIC outputs made into a rack of nodes. */

/** A network fixture's text, by file name. */
export const readNet = (name: string): string =>
  readFileSync(new URL(`../fixtures/network/${name}`, import.meta.url), 'utf8')

/** `ibstat` of an H100 node: 8 × CX-7 IB at 400 Gb/s (fw 28.41.1000) and a BlueField-3 bond. */
export const h100Ibstat = readNet('ibstat--leptonai-gpud--h100-cx7-ib-ndr400-all-active.txt')

/** A cluster file, YAML. */
export const clusterOf = (name: string, yaml: string): Cluster =>
  parseClusterFile(name, yaml, defaultCatalog())

/** lab-64: 8 H100 nodes with 8 × 400G, rail-optimized, blocks of 4. */
export const lab = clusterOf(
  'lab-64.yaml',
  readFileSync(new URL('../../../examples/clusters/lab-64.yaml', import.meta.url), 'utf8'),
)

/** A pool of `count` nodes with `nics`, on a 2-tier fabric of the given design and block size. */
export function smallCluster(opts: {
  design: 'rail-optimized' | 'fat-tree'
  nodesPerBlock: number
  count: number
  nics: { count: number; gbps: number }
  planes?: number
  pool?: string
}): Cluster {
  return clusterOf(
    'small.yaml',
    `schemaVersion: 1
name: small
pools:
  - { name: ${opts.pool ?? 'edr'}, count: ${opts.count}, accelerator: nvidia-h100-sxm-80gb, scaleUp: nvswitch-8, cpu: intel-sapphire-rapids, memoryGB: 2048, nvmeTB: 30.72 }
fabric:
  design: ${opts.design}
  tiers: 2
  planes: ${opts.planes ?? 1}
  switchRadix: 64
  nodesPerBlock: ${opts.nodesPerBlock}
  nic: { count: ${opts.nics.count}, gbps: ${opts.nics.gbps} }
storage:
  - { name: shared-fs, kind: shared-fs, readGBs: 40, writeGBs: 20 }
`,
  )
}

/** The text as another node's: each 16-digit GUID's first byte set to `n`, so no two clash. */
export const asNode = (text: string, n: number): string =>
  text.replace(
    /0x[0-9a-f]{2}([0-9a-f]{14})\b/g,
    (_, rest: string) => `0x${n.toString(16).padStart(2, '0')}${rest}`,
  )

/** The `ibstat` text with `edits` made in device `device`'s block only. */
export function editCa(
  text: string,
  device: string,
  edits: readonly (readonly [RegExp | string, string])[],
): string {
  return text
    .split(/(?=^CA ')/m)
    .map((block) =>
      block.startsWith(`CA '${device}'`)
        ? edits.reduce((b, [from, to]) => b.replace(from, to), block)
        : block,
    )
    .join('')
}

/** The node of `cluster` as the checks see it, with `text` (any NIC tool's) as its report. */
export function evidenceOf(cluster: Cluster, node: string, text: string | undefined): NicEvidence {
  const at = clusterNodes(cluster).find((n) => n.name === node)
  const report = text === undefined ? undefined : parseNetwork(text)
  return {
    node,
    pool: at?.pool ?? cluster.pools[0],
    block: at?.block,
    report:
      report === undefined ? undefined : { kind: 'parsed', tool: report.tool, ports: report.nics },
  }
}

/**
 * `ibnetdiscover --ports` lines linking each given port to leaf `leaf` (named, its GUID derived
 * from the name), on the leaf port `leafPort`: the fabric a test wants, in the tool's format.
 */
export function fabricText(
  links: readonly { host: string; device: string; guid: string; leaf: string; leafPort: number }[],
): string {
  const leaves = [...new Set(links.map((l) => l.leaf))]
  const leafGuid = (name: string) =>
    `0xe41d2d03${leaves.indexOf(name).toString(16).padStart(8, '0')}`
  return links
    .map(
      (l, i) =>
        `CA ${100 + i} 1 ${l.guid} 4x NDR - SW 7 ${l.leafPort} ${leafGuid(l.leaf)} ( '${l.host} ${l.device}' - '${l.leaf}' )`,
    )
    .join('\n')
}
