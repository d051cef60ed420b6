// What the validation scripts share: catalog lookups, the default lossless network, and the
// Markdown they print (BENCHMARKS.md quotes it).
import { defaultCatalog, resolveAccelerator } from '@zhisuan/domain'
import * as perf from '@zhisuan/perf'

export const catalog = defaultCatalog()
export const accelerator = (id) => resolveAccelerator(catalog, id).value
export const chip = (id) => perf.chipOf(accelerator(id))
/** 8 accelerators per node with `nics`, no loss, packed placement. */
export const network = (id, nics = { count: 8, gbps: 400 }) =>
  perf.defaultJobNetwork(accelerator(id), nics, {
    lossRate: 0,
    retransmission: 'go-back-n',
    placement: 'packed',
  })
export const pct = (x) => `${(x * 100).toFixed(1)}%`

export function table(header, rows) {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`| ${header.map(() => '---').join(' | ')} |`)
  for (const row of rows) {
    console.log(`| ${row.join(' | ')} |`)
  }
  console.log('')
}
