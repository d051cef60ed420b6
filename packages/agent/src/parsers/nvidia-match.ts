import { normalizeName, type Catalog } from '@zhisuan/domain'
import { matchCatalog, type CatalogMatch } from '../catalog-match.js'

/**
 * Model names nvidia-smi prints, as the catalog knows them. Each entry names a fixture under
 * packages/agent/fixtures/telemetry/nvidia/ that shows the name.
 */
export const nvidiaPrintedNames: Readonly<Record<string, string>> = {
  // smi-q_h100-80gb-hbm3-x8_535.161.08.txt, smi-default_h100-x8_550.90.07.txt
  'NVIDIA H100 80GB HBM3': 'nvidia-h100-sxm-80gb',
  // smi-q-x_a100-sxm4-80gb-mig_535.54.03_1-of-4-gpus.xml, smi-nvlink-status_a100-sxm4-80gb-x8.txt
  'NVIDIA A100-SXM4-80GB': 'nvidia-a100-sxm-80gb',
  // smi-q-x_a100-sxm4-40gb-mig_510.47.03_v11.xml, smi-q_a100-sxm4-40gb-x8_535.129.03.txt
  'NVIDIA A100-SXM4-40GB': 'nvidia-a100-sxm-40gb',
  // smi-q_a10_535.129.03.txt
  'NVIDIA A10': 'nvidia-a10-24gb',
  // smi-q-x_tesla-t4_515.105.01.xml
  'Tesla T4': 'nvidia-tesla-t4-16gb',
}

/**
 * Names nvidia-smi prints for cards the catalog does not hold, which the catalog's family
 * matching would otherwise take for a relative: why each is not matched.
 */
export const nvidiaNotInCatalog: Readonly<Record<string, string>> = {
  // smi-q-x_tesla-p100-pcie-16gb_510.47.03_v11.xml, smi-query-gpu-csv_tesla-p100.csv
  'Tesla P100-PCIE-16GB':
    'Tesla P100-PCIE-16GB is not in the catalog: it holds only the 12 GB P100 PCIe (nvidia-tesla-p100-pcie-12gb)',
  // smi-q-x_a10g_515.105.01.xml
  'NVIDIA A10G': 'NVIDIA A10G (the AWS variant of the A10) is not in the catalog',
}

// usable memory reads a little under the datasheet figure (ECC, reserved): as matchCatalog
function memoryFits(memoryMiB: number, gb: number): boolean {
  const have = memoryMiB / 1024
  return have <= gb * 1.02 && have >= gb * 0.88
}

/**
 * The catalog entry of a model name nvidia-smi printed: the printed-name table, then the
 * catalog matcher; a match whose memory size does not fit the reported memory is refused (a
 * Quadro P400 is no Tesla P40), and a name nvidia-smi cut short with `...` matches only when
 * the memory leaves one catalog model that starts with it.
 */
export function matchNvidia(
  catalog: Catalog,
  printed: string,
  memoryMiB: number | null,
): CatalogMatch {
  const name = printed.trim()
  if (name === '') {
    return { catalogId: null, reason: 'the output gives no model name' }
  }
  if (name.endsWith('...')) {
    return matchTruncated(catalog, name, memoryMiB)
  }
  const foreign = nvidiaNotInCatalog[name]
  if (foreign !== undefined) {
    return { catalogId: null, reason: foreign }
  }
  const match = matchCatalog(catalog, 'NVIDIA', name, memoryMiB, nvidiaPrintedNames)
  const entry = catalog.accelerators.find((a) => a.id === match.catalogId)
  if (entry === undefined || memoryMiB === null) {
    return match
  }
  const gb = entry.memory.gb.value
  if (!memoryFits(memoryMiB, gb)) {
    return {
      catalogId: null,
      reason: `"${name}" reports ${Math.round(memoryMiB / 1024)} GB but ${entry.id} has ${gb} GB (${match.reason})`,
    }
  }
  return match
}

function matchTruncated(catalog: Catalog, name: string, memoryMiB: number | null): CatalogMatch {
  const prefix = name.slice(0, -3).trim()
  const key = normalizeName(prefix)
  const said = `nvidia-smi cut the name short ("${name}")`
  if (key === '') {
    return { catalogId: null, reason: said }
  }
  const models = new Set<string>()
  for (const [n, a] of catalog.acceleratorNames) {
    if (a.vendor === 'NVIDIA' && n.startsWith(key)) {
      models.add(a.id)
    }
  }
  const candidates = catalog.accelerators.filter(
    (a) =>
      models.has(a.id) && (memoryMiB === null ? true : memoryFits(memoryMiB, a.memory.gb.value)),
  )
  const others = Object.keys(nvidiaNotInCatalog).filter((n) => normalizeName(n).startsWith(key))
  const only = candidates[0]
  if (candidates.length === 1 && only !== undefined && others.length === 0 && memoryMiB !== null) {
    return {
      catalogId: only.id,
      reason: `${said}; ${only.id} is the only catalog model named so with ${Math.round(memoryMiB / 1024)} GB`,
    }
  }
  const why =
    models.size === 0
      ? `no catalog model starts with "${prefix}"`
      : memoryMiB === null
        ? 'no memory size to tell the candidates apart'
        : `${candidates.length + others.length} models named so fit the memory`
  return { catalogId: null, reason: `${said}: ${why}` }
}
