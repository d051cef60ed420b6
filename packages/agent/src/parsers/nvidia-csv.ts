import type { Catalog } from '@zhisuan/domain'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { mebibytes, numberIn, parseError } from '../text.js'
import { nvidiaDevice, present, type RawGpu } from './nvidia-device.js'

const tool = 'nvidia-smi-csv'

/** The `--query-gpu` fields this parser reads (names and aliases from `--help-query-gpu`). */
const known: Readonly<Record<string, string>> = {
  index: 'index',
  name: 'name',
  gpu_name: 'name',
  uuid: 'uuid',
  gpu_uuid: 'uuid',
  serial: 'serial',
  gpu_serial: 'serial',
  'pci.bus_id': 'busId',
  gpu_bus_id: 'busId',
  'memory.total': 'memoryTotal',
  'memory.used': 'memoryUsed',
  'memory.free': 'memoryFree',
  'memory.reserved': 'memoryReserved',
  'utilization.gpu': 'utilization',
  'temperature.gpu': 'temperature',
  'power.draw': 'powerDraw',
  'power.draw.average': 'powerDraw',
  'power.draw.instant': 'powerDrawInstant',
  'power.limit': 'powerLimit',
  'enforced.power.limit': 'powerLimitEnforced',
  'fan.speed': 'fan',
  'ecc.mode.current': 'eccMode',
  'ecc.errors.corrected.aggregate.total': 'eccAggCorr',
  'ecc.errors.uncorrected.aggregate.total': 'eccAggUnc',
  'ecc.errors.corrected.volatile.total': 'eccVolCorr',
  'ecc.errors.uncorrected.volatile.total': 'eccVolUnc',
  'retired_pages.pending': 'retiredPending',
  'remapped_rows.pending': 'remapPending',
  'remapped_rows.failure': 'remapFailure',
  driver_version: 'driver',
  vbios_version: 'vbios',
  timestamp: 'timestamp',
}

const reasonColumn = /^clocks_(?:throttle|event)_reasons\.(\w+)$/

/** `memory.total [MiB]` → `memory.total` */
function columnName(header: string): string {
  return header.trim().replace(/\s*\[[^\]]*\]$/, '')
}

function headerOf(text: string): { line: number; names: string[] } | undefined {
  const lines = text.split(/\r?\n/)
  const k = lines.findIndex((l) => l.trim() !== '')
  const names = (lines[k] ?? '').split(',').map(columnName)
  return k === -1 ? undefined : { line: k + 1, names }
}

function rawGpu(
  row: ReadonlyMap<string, string>,
  reasons: [string, string][],
  order: number,
): RawGpu {
  const get = (role: string) => row.get(role)
  let memoryTotal = get('memoryTotal')
  const parts = [get('memoryReserved'), get('memoryUsed'), get('memoryFree')]
    .map((v) => mebibytes(present(v)))
    .filter((p) => p !== null)
  if (memoryTotal === undefined && parts.length === 3) {
    // nvidia-smi's total is reserved + used + free
    memoryTotal = String(parts.reduce((a, b) => a + b, 0))
  }
  return {
    index: numberIn(present(get('index'))) ?? order,
    model: present(get('name')) ?? '',
    uuid: get('uuid'),
    serial: get('serial'),
    busId: get('busId'),
    memoryTotal,
    memoryUsed: get('memoryUsed'),
    utilization: get('utilization'),
    temperature: get('temperature'),
    powerDraw: present(get('powerDraw')) ?? get('powerDrawInstant'),
    powerLimit: present(get('powerLimit')) ?? get('powerLimitEnforced'),
    fan: get('fan'),
    eccMode: get('eccMode'),
    eccAggregate: { correctable: [get('eccAggCorr')], uncorrectable: [get('eccAggUnc')] },
    eccVolatile: { correctable: [get('eccVolCorr')], uncorrectable: [get('eccVolUnc')] },
    pending: [get('retiredPending'), get('remapPending')],
    remapFailure: get('remapFailure'),
    clockReasons: reasons,
  }
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const header = headerOf(text)
  const roles = header?.names.map((n) => known[n] ?? reasonColumn.exec(n)?.[1]) ?? []
  if (header === undefined || roles.every((r) => r === undefined)) {
    throw parseError(
      tool,
      header?.line ?? 1,
      'no --query-gpu field this parser knows in the header',
    )
  }
  const warnings: string[] = []
  const unknown = header.names.filter((_, i) => roles[i] === undefined)
  if (unknown.length > 0) {
    warnings.push(`ignored columns: ${unknown.join(', ')}`)
  }
  const rows: { line: number; row: Map<string, string>; reasons: [string, string][] }[] = []
  text.split(/\r?\n/).forEach((l, k) => {
    if (k < header.line || l.trim() === '') {
      return
    }
    const fields = l.split(',').map((f) => f.trim())
    if (fields.length !== roles.length) {
      throw parseError(tool, k + 1, `${fields.length} fields, the header has ${roles.length}`)
    }
    const row = new Map<string, string>()
    const reasons: [string, string][] = []
    fields.forEach((f, i) => {
      const role = roles[i]
      const name = header.names[i] ?? ''
      if (role !== undefined && reasonColumn.test(name)) {
        reasons.push([role, f])
      } else if (role !== undefined) {
        row.set(role, f)
      }
    })
    rows.push({ line: k + 1, row, reasons })
  })
  const samples = devicesOf(rows, warnings)
  const devices = samples.map((s, order) => nvidiaDevice(rawGpu(s.row, s.reasons, order), catalog))
  const drivers = new Set(samples.map((s) => present(s.row.get('driver'))))
  const vbios = new Set(samples.map((s) => present(s.row.get('vbios'))))
  const [driver] = drivers
  const [firmware] = vbios
  return {
    vendor: 'NVIDIA',
    tool,
    toolVersion: null,
    driverVersion: drivers.size === 1 ? (driver ?? null) : null,
    firmwareVersion: vbios.size === 1 ? (firmware ?? null) : null,
    devices,
    warnings,
  }
}

/**
 * Which rows are the devices. With an index, uuid or bus id column: one device per value, its
 * last sample (a `-l`/`-lms` loop repeats every GPU). Without one but with a timestamp: the rows
 * of the last timestamp. Otherwise every row is a device.
 */
function devicesOf<R extends { row: ReadonlyMap<string, string> }>(
  rows: readonly R[],
  warnings: string[],
): R[] {
  const keyRole = ['index', 'uuid', 'busId'].find((r) => rows.some((x) => x.row.has(r)))
  if (keyRole !== undefined) {
    const byKey = new Map<string, R>()
    for (const r of rows) {
      byKey.set(r.row.get(keyRole) ?? '', r)
    }
    return [...byKey.values()]
  }
  const last = rows.at(-1)?.row.get('timestamp')
  if (last === undefined) {
    return [...rows]
  }
  const latest = rows.filter((r) => r.row.get('timestamp') === last)
  if (latest.length < rows.length) {
    warnings.push(
      `no index, uuid or pci.bus_id column: read ${rows.length} rows as samples, the ${latest.length} of ${last} as the devices`,
    )
  }
  return latest
}

/** `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]`, with its header. */
export const nvidiaCsvParser: SmiParser = {
  tool,
  vendor: 'NVIDIA',
  detect: (text) => {
    const names = headerOf(text)?.names ?? []
    const ours = names.filter((n) => known[n] !== undefined || reasonColumn.test(n)).length
    const fieldLike = names.every((n) => /^[a-z0-9_.]+$/.test(n))
    return !fieldLike || ours === 0 ? 0 : ours >= 2 && ours * 2 >= names.length ? 0.9 : 0.5
  },
  parse,
}
