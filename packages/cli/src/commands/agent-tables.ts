// What `zhisuan agent parse` and `zhisuan accept` print: which columns show by default so a table
// fits 100 columns, and which only `--wide` adds.
import type { AcceptanceReport, DeviceInventory, networkSummary } from '@zhisuan/agent'
import { formatCount, formatFixed, plural } from '../numbers.js'
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

type NetworkSummary = ReturnType<typeof networkSummary>

const nicColumns: readonly Column<NetworkSummary['nics'][number]>[] = [
  { head: 'device', cell: (n) => n.device, minWidth: Infinity },
  { head: 'port', cell: (n) => n.port },
  { head: 'link', cell: (n) => n.linkLayer ?? '—' },
  { head: 'state', cell: (n) => `${n.state} / ${n.physicalState}` },
  { head: 'rate', cell: (n) => (n.rateGbps === null ? '—' : `${formatCount(n.rateGbps)} Gb/s`) },
  { head: 'firmware', cell: (n) => n.firmware ?? '—' },
  { head: 'netdev', cell: (n) => n.netdev ?? '—' },
  { head: 'guid', cell: (n) => n.guid ?? '—', wide: true },
]

/** A network tool's report for people: its ports, how many counters, each verdict, warnings. */
export function networkTable(report: NetworkSummary, wide: boolean): string {
  const counters = Object.keys(report.counters).length
  return [
    `${report.tool} · ${plural(report.nics.length, 'port')} · ${plural(counters, 'counter')} (--json lists them)`,
    ...(report.nics.length > 0 ? [columnTable(nicColumns, report.nics, wide)] : []),
    ...report.verdicts.map((v) =>
      wrapWords(
        `${v.health === 'healthy' ? 'ok' : v.health.toUpperCase()}  ${v.device}${v.port === null ? '' : `/${v.port}`}: ${v.reason}`,
        tableWidth,
        '  ',
      ),
    ),
    ...report.warnings.map((w) => wrapWords(`warning: ${w}`, tableWidth, '  ')),
  ].join('\n')
}
