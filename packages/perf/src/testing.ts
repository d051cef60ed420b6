import { defaultCatalog, resolveAccelerator, type Accelerator } from '@zhisuan/domain'
import { chipOf, type Chip } from './hardware.js'
import { defaultJobNetwork } from './job-network.js'
import type { JobNetwork } from './network.js'

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

/** The default network of 8-accelerator nodes with 8 × 400 Gb/s NICs, lossless, packed. */
export function catalogNetwork(name: string): JobNetwork {
  return defaultJobNetwork(
    catalogAccelerator(name),
    { count: 8, gbps: 400 },
    { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' },
  )
}
