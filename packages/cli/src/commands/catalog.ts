import type { Command } from 'commander'
import { ZhisuanError, closestNames, defaultCatalog, type Accelerator } from '@zhisuan/domain'
import { standardComputeUnits } from '@zhisuan/perf'
import { table, type Io } from '../output.js'

interface CatalogOptions {
  vendor?: string
  json?: boolean
}

/** Entries of the catalog, optionally of one vendor (case-insensitive). */
export function catalogEntries(vendor: string | undefined): readonly Accelerator[] {
  const all = defaultCatalog().accelerators
  if (vendor === undefined) {
    return all
  }
  const entries = all.filter((a) => a.vendor.toLowerCase() === vendor.toLowerCase())
  if (entries.length === 0) {
    const vendors = [...new Set(all.map((a) => a.vendor))]
    throw new ZhisuanError(
      'not-found',
      `no vendor "${vendor}"; known vendors: ${vendors.join(', ')} (closest: ${closestNames(vendor, vendors, 1).join('')})`,
    )
  }
  return entries
}

const num = (value: number | null): string | number => (value === null ? '—' : value)

/** Prints the catalog as a table, or as JSON with every field and its provenance. */
export function runCatalog(io: Io, options: CatalogOptions): void {
  const entries = catalogEntries(options.vendor)
  const catalog = defaultCatalog()
  const scu = entries.map((a) => standardComputeUnits(catalog, a))
  if (options.json === true) {
    io.out(
      JSON.stringify(
        entries.map((a, i) => ({ ...a, scu: scu[i] })),
        null,
        2,
      ),
    )
    return
  }
  const rows = entries.map((a, i) => [
    a.vendor,
    a.family,
    a.model,
    num(a.tflops.bf16.value),
    num(a.tflops.fp8.value),
    num(a.memory.gb.value),
    num(a.memory.bandwidthGBs.value),
    `${a.scaleUp.kind} ${a.scaleUp.gbpsPerDirection.value}`,
    num(a.tdpW.value),
    a.hostCpuArchs.join(','),
    `${scu[i]?.['llm-train'] ?? '—'} / ${scu[i]?.['llm-prefill'] ?? '—'} / ${scu[i]?.['llm-decode'] ?? '—'}`,
  ])
  io.out(
    table(
      [
        'vendor',
        'family',
        'model',
        'BF16 TF',
        'FP8 TF',
        'mem GB',
        'mem GB/s',
        'scale-up GB/s/dir',
        'TDP W',
        'hosts',
        'SCU train/prefill/decode',
      ],
      rows,
    ),
  )
  const estimates = entries.filter((a) => JSON.stringify(a).includes('"estimate"')).length
  const vendors = new Set(entries.map((a) => a.vendor)).size
  io.out(
    `${entries.length} models from ${vendors} vendors; dense peak TFLOPS; SCU = throughput relative to one A100-SXM-80GB on each class's reference workload. ${estimates} entries hold estimated values (see --json for every source).`,
  )
}

/** Registers `zhisuan catalog`. */
export function registerCatalog(program: Command, io: Io): void {
  program
    .command('catalog')
    .description('list the accelerator catalog: peak throughput, memory, scale-up links, sources')
    .option('--vendor <name>', 'only this vendor (e.g. NVIDIA, Huawei, AMD)')
    .option('--json', 'print an array of entries with every field, source and confidence')
    .action((options: CatalogOptions) => {
      runCatalog(io, options)
    })
}
