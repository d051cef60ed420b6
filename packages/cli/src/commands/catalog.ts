import type { Command } from 'commander'
import { ZhisuanError, closestNames, defaultCatalog, type Accelerator } from '@zhisuan/domain'
import {
  referenceThroughput,
  standardComputeUnits,
  workloadClasses,
  type WorkloadClass,
} from '@zhisuan/perf'
import { plural } from '../numbers.js'
import type { Io } from '../output.js'
import { columnTable, tableWidth, type Column } from '../table.js'
import { wrapWords } from '../text-width.js'

interface CatalogOptions {
  vendor?: string
  json?: boolean
  wide?: boolean
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

/** A rating to 0.01, or – where the class's reference workload does not fit on the chip. */
const rating = (scu: number, fits: boolean): string => (fits ? scu.toFixed(2) : '–').padStart(4)

interface CatalogRow {
  readonly a: Accelerator
  readonly scu: Record<WorkloadClass, number>
  /** Whether the class's reference workload fits on a node of this chip at all. */
  readonly fits: Record<WorkloadClass, boolean>
}

const columns: readonly Column<CatalogRow>[] = [
  { head: 'vendor', cell: (r) => r.a.vendor },
  { head: 'family', cell: (r) => r.a.family },
  { head: 'model', cell: (r) => r.a.model },
  { head: 'BF16 TF', cell: (r) => num(r.a.tflops.bf16.value) },
  { head: 'FP8 TF', cell: (r) => num(r.a.tflops.fp8.value), wide: true },
  {
    head: 'best GEMM TF\n(* estimate)',
    cell: (r) =>
      `${num(r.a.gemmBf16Tflops.value)}${r.a.gemmBf16Tflops.confidence === 'estimate' ? '*' : ''} ${r.a.software.id}`,
    wide: true,
  },
  { head: 'mem GB', cell: (r) => num(r.a.memory.gb.value) },
  { head: 'mem GB/s', cell: (r) => num(r.a.memory.bandwidthGBs.value), wide: true },
  {
    head: 'scale-up GB/s/dir',
    cell: (r) => `${r.a.scaleUp.kind} ${r.a.scaleUp.gbpsPerDirection.value}`,
    wide: true,
  },
  { head: 'TDP W', cell: (r) => num(r.a.tdpW.value), wide: true },
  { head: 'hosts', cell: (r) => r.a.hostCpuArchs.join(','), wide: true },
  {
    head: 'SCU\ntrain/prefill/decode',
    cell: (r) => workloadClasses.map((c) => rating(r.scu[c], r.fits[c])).join(' / '),
  },
]

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
  const rows = entries.map((a, i): CatalogRow => {
    const ratings = scu[i] ?? { 'llm-train': 0, 'llm-prefill': 0, 'llm-decode': 0 }
    // 0 SCU is either a workload that does not fit or a rating that rounds to 0: ask the model
    const throughput = Object.values(ratings).includes(0) ? referenceThroughput(a) : undefined
    const fits = (c: WorkloadClass) => ratings[c] > 0 || (throughput?.[c] ?? 0) > 0
    return {
      a,
      scu: ratings,
      fits: {
        'llm-train': fits('llm-train'),
        'llm-prefill': fits('llm-prefill'),
        'llm-decode': fits('llm-decode'),
      },
    }
  })
  io.out(columnTable(columns, rows, options.wide === true))
  const estimates = entries.filter((a) => JSON.stringify(a).includes('"estimate"')).length
  const vendors = new Set(entries.map((a) => a.vendor)).size
  const notes = [
    `${plural(entries.length, 'model')} from ${plural(vendors, 'vendor')}; dense peak TFLOPS (TF); memory in GB.`,
    `SCU: throughput relative to one A100-SXM-80GB on each class's reference workload (train, prefill, decode); –: the class's reference model does not fit in this chip's memory as the reference runs it, so it earns no SCU in that class (README: Standard compute units).`,
    `${plural(estimates, 'entry', 'entries')} ${estimates === 1 ? 'holds' : 'hold'} estimated values (see --json for every source)${options.wide === true ? '.' : '; --wide adds FP8, the best measured GEMM and software stack, memory bandwidth, scale-up link, TDP and host columns.'}`,
  ]
  io.out(notes.map((n) => wrapWords(n, tableWidth)).join('\n'))
}

/** Registers `zhisuan catalog`. */
export function registerCatalog(program: Command, io: Io): void {
  program
    .command('catalog')
    .description('list the accelerator catalog: peak throughput, memory, scale-up links, sources')
    .option('--vendor <name>', 'only this vendor (e.g. NVIDIA, Huawei, AMD)')
    .option(
      '--wide',
      'every column: FP8, best measured GEMM and stack, memory bandwidth, scale-up link, TDP, host CPUs',
    )
    .option('--json', 'print an array of entries with every field, source and confidence')
    .action((options: CatalogOptions) => {
      runCatalog(io, options)
    })
}
