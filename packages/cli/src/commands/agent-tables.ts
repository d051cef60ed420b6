// What `zhisuan agent parse` and `zhisuan accept` print: which columns show by default so a table
// fits 100 columns, and which only `--wide` adds.
import type { AcceptanceReport, DeviceInventory } from '@zhisuan/agent'
import { formatCount, formatFixed } from '../numbers.js'
import { columnTable, tableWidth, type Column } from '../table.js'
import { wrapWords } from '../text-width.js'

type Device = DeviceInventory['devices'][number]

const deviceColumns: readonly Column<Device>[] = [
  { head: '#', cell: (d) => d.index },
  { head: 'model', cell: (d) => d.model },
  { head: 'catalog', cell: (d) => d.catalogId ?? `— (${d.catalogReason})` },
  {
    head: 'memory',
    cell: (d) => (d.memoryTotalMiB === null ? '—' : `${formatCount(d.memoryTotalMiB)} MiB`),
  },
  { head: 'bus', cell: (d) => d.busId ?? '—', wide: true },
  { head: 'temp', cell: (d) => (d.temperatureC === null ? '—' : `${d.temperatureC} °C`) },
  {
    head: 'power',
    cell: (d) => (d.powerDrawW === null ? '—' : `${formatFixed(d.powerDrawW, 1)} W`),
  },
  {
    head: 'health',
    cell: (d) =>
      d.health.status === 'ok'
        ? 'ok'
        : `${d.health.status}: ${d.health.issues.map((i) => i.reason).join('; ')}`,
  },
]

/** A normalized inventory for people; `wide` adds the bus id and keeps every cell whole. */
export function inventoryTable(inv: DeviceInventory, wide: boolean): string {
  return [
    `${inv.vendor} · ${inv.tool}${inv.toolVersion === null ? '' : ` ${inv.toolVersion}`} · driver ${inv.driverVersion ?? '—'}`,
    columnTable(deviceColumns, inv.devices, wide),
    ...inv.warnings.map((w) => wrapWords(`warning: ${w}`, tableWidth, '  ')),
  ].join('\n')
}

const verdictColumns: readonly Column<AcceptanceReport['nodes'][number]>[] = [
  { head: 'node', cell: (n) => n.node },
  { head: 'pool', cell: (n) => n.pool ?? '—' },
  { head: 'verdict', cell: (n) => (n.pass ? 'pass' : 'FAIL') },
  { head: 'accelerators', cell: (n) => n.devices },
  { head: 'driver', cell: (n) => n.driverVersion ?? '—' },
  { head: 'reasons', cell: (n) => n.reasons.join('; ') },
]

/** The verdict on each node of an acceptance run; `wide` keeps the reasons whole. */
export function acceptanceTable(report: AcceptanceReport, wide: boolean): string {
  return columnTable(verdictColumns, report.nodes, wide)
}
