import { defaultCatalog, resolveAccelerator, type Accelerator } from '@zhisuan/domain'
import { chipOf, type Chip } from './hardware.js'

/**
 * A catalog accelerator by any name, for tests and scripts.
 * @throws Error when the catalog has no such accelerator.
 */
export function catalogAccelerator(name: string): Accelerator {
  const r = resolveAccelerator(defaultCatalog(), name)
  if (!r.ok) {
    throw new Error(r.reason)
  }
  return r.value
}

/** The model's view of a catalog accelerator. */
export function catalogChip(name: string): Chip {
  return chipOf(catalogAccelerator(name))
}
