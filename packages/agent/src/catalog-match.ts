import { normalizeName, type Accelerator, type Catalog } from '@zhisuan/domain'

/** What a printed model name maps to in the catalog, and why. */
export interface CatalogMatch {
  readonly catalogId: string | null
  readonly reason: string
}

// Words tools print around a model name that carry no identity.
const noise =
  /\b(nvidia|tesla|huawei|ascend|amd|instinct|cambricon|kunlunxin|kunlun|iluvatar|enflame|metax|moore ?threads|hygon|gpu|npu|accelerator)\b/gi

/**
 * Maps a model name as a vendor tool prints it to a catalog entry: the parser's own table of
 * printed names first, then an exact id, model or alias (catalog aliases carry the names tools print, e.g. "NVIDIA H100 80GB HBM3"); then the
 * name without vendor words; then the one entry of the vendor whose family the name contains,
 * told apart by memory when the family has several. No match, or two equally good ones, gives
 * `null` and says why: the agent never guesses a chip.
 */
export function matchCatalog(
  catalog: Catalog,
  vendor: string,
  printed: string,
  memoryMiB: number | null,
  printedNames: Readonly<Record<string, string>> = {},
): CatalogMatch {
  // names a tool prints, as its parser knows them (each with the fixture that shows it)
  const known = printedNames[printed.trim()]
  if (known !== undefined && catalog.accelerators.some((a) => a.id === known)) {
    return { catalogId: known, reason: `the name this tool prints for ${known}` }
  }
  const exact = catalog.acceleratorNames.get(normalizeName(printed))
  if (exact !== undefined) {
    return { catalogId: exact.id, reason: `catalog name "${printed}"` }
  }
  const bare = printed.replace(noise, ' ').trim()
  const stripped = bare === '' ? undefined : catalog.acceleratorNames.get(normalizeName(bare))
  if (stripped !== undefined) {
    return { catalogId: stripped.id, reason: `catalog name "${bare}"` }
  }
  const key = normalizeName(printed)
  const ofVendor = catalog.accelerators.filter(
    (a) => normalizeName(a.vendor) === normalizeName(vendor),
  )
  const families = ofVendor.filter((a) => key.includes(normalizeName(a.family)))
  // the longest family name that fits wins: "910B" over "910"
  const longest = Math.max(0, ...families.map((a) => normalizeName(a.family).length))
  const candidates = families.filter((a) => normalizeName(a.family).length === longest)
  if (candidates.length === 0) {
    return {
      catalogId: null,
      reason: `"${printed}" is not in the catalog (no ${vendor} family matches)`,
    }
  }
  if (candidates.length === 1 && candidates[0] !== undefined) {
    return { catalogId: candidates[0].id, reason: `family ${candidates[0].family}` }
  }
  return byMemory(candidates, printed, memoryMiB)
}

function byMemory(
  candidates: readonly Accelerator[],
  printed: string,
  memoryMiB: number | null,
): CatalogMatch {
  const family = candidates[0]?.family ?? ''
  if (memoryMiB === null) {
    return {
      catalogId: null,
      reason: `"${printed}" is one of ${candidates.length} ${family} models and the tool gives no memory size`,
    }
  }
  const gb = memoryMiB / 1024
  // usable memory reads a little under the datasheet figure (ECC, reserved): within 12 %
  const close = candidates.filter((a) => {
    const size = a.memory.gb.value
    return gb <= size * 1.02 && gb >= size * 0.88
  })
  if (close.length === 1 && close[0] !== undefined) {
    return { catalogId: close[0].id, reason: `family ${family}, ${Math.round(gb)} GB` }
  }
  return {
    catalogId: null,
    reason:
      close.length === 0
        ? `"${printed}" with ${Math.round(gb)} GB matches no ${family} model in the catalog`
        : `"${printed}" with ${Math.round(gb)} GB fits ${close.map((a) => a.id).join(' and ')}; add an alias to tell them apart`,
  }
}
