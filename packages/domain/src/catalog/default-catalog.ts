import { parseCatalog, type Catalog } from './catalog.js'
import { acceleratorsYaml, hostCpusYaml } from './catalog-data.generated.js'

let cached: Catalog | undefined

/** The catalog shipped with Zhisuan (packages/domain/data), parsed once. */
export function defaultCatalog(): Catalog {
  cached ??= parseCatalog(
    { source: 'accelerators.yaml', text: acceleratorsYaml },
    { source: 'host-cpus.yaml', text: hostCpusYaml },
  )
  return cached
}
