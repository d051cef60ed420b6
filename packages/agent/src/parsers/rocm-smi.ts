import { normalizeName, type Catalog } from '@zhisuan/domain'
import { matchCatalog, type CatalogMatch } from '../catalog-match.js'
import { verdict } from '../health.js'
import {
  unknownEcc,
  unknownLinks,
  type Device,
  type DeviceInventory,
  type SmiParser,
} from '../inventory.js'
import { numberIn, parseError } from '../text.js'

/**
 * `rocm-smi --json` and `rocm-smi --showallinfo --json` (ROCm 4.x–6.x), and the Hygon DTK
 * build of the same tool. The output is a flat map `{"card0": {"key": "value", …}, "system":
 * {…}}` whose keys change between releases (`Card series` / `Card Series`, `VRAM Total Memory
 * (B)` / Hygon's `vram Total Memory (MiB)`, `GPU use (%)` / `DCU use (%)`), so keys are looked
 * up case-insensitively and by pattern.
 *
 * Vendor: the same JSON comes from AMD GPUs and from Hygon DCUs. The inventory says `Hygon`
 * when any card's vendor string names Haiguang/Hygon, its series starts with "DCU", or it
 * reports `DCU use (%)`; otherwise `AMD`.
 *
 * Health: rocm-smi's JSON has no health or status field, so `reportedHealth` is null and no
 * issue is raised (temperatures are reported, not judged).
 */
const tool = 'rocm-smi-json'

type Fields = ReadonlyMap<string, string>

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The card's keys lower-cased; values as strings; "N/A" and empty values dropped. */
function fieldsOf(record: Record<string, unknown>): Fields {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(record)) {
    const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : null
    if (s !== null && s !== '' && !/^(n\/a|na|none|unknown)$/i.test(s)) {
      out.set(k.trim().toLowerCase(), s)
    }
  }
  return out
}

function first(f: Fields, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = f.get(k)
    if (v !== undefined) {
      return v
    }
  }
  return null
}

/** The first value whose key matches, with the match. */
function byPattern(f: Fields, re: RegExp): { value: string; key: RegExpExecArray } | null {
  for (const [k, v] of f) {
    const m = re.exec(k)
    if (m !== null) {
      return { value: v, key: m }
    }
  }
  return null
}

/** VRAM in MiB from keys such as `VRAM Total Memory (B)` or `vram Total Memory (MiB)`. */
function vram(f: Fields, what: 'total' | 'total used'): number | null {
  const hit = byPattern(f, new RegExp(`^vram ${what} memory \\((b|kib|kb|mib|mb|gib|gb)\\)$`))
  const n = numberIn(hit?.value)
  if (hit === null || n === null) {
    return null
  }
  const unit = hit.key[1] ?? 'mib'
  const scale =
    unit === 'b' ? 1 / 1048576 : unit.startsWith('k') ? 1 / 1024 : unit.startsWith('g') ? 1024 : 1
  return Math.round(n * scale)
}

const lineAt = (text: string, offset: number): number =>
  text.slice(0, Math.max(0, offset)).split('\n').length

/** The 1-based line a JSON.parse error points at (V8 says "position N" or "line N"). */
function jsonErrorLine(json: string, error: unknown): number {
  const message = error instanceof Error ? error.message : ''
  const line = /\bline (\d+)/.exec(message)
  if (line?.[1] !== undefined) {
    return Number(line[1])
  }
  const pos = /\bposition (\d+)/.exec(message)
  return pos?.[1] !== undefined ? lineAt(json, Number(pos[1])) : json.split('\n').length
}

function catalogMatch(
  catalog: Catalog,
  vendor: string,
  model: string,
  f: Fields,
  mib: number | null,
): CatalogMatch {
  const match = matchCatalog(catalog, vendor, model, mib)
  const gfx = f.get('gfx version')
  if (match.catalogId !== null || gfx === undefined) {
    return match
  }
  // The catalog aliases some GFX targets that name one chip (gfx928 = Hygon K100-AI).
  const byGfx = catalog.acceleratorNames.get(normalizeName(gfx))
  return byGfx !== undefined && normalizeName(byGfx.vendor) === normalizeName(vendor)
    ? { catalogId: byGfx.id, reason: `GFX version ${gfx} (${match.reason})` }
    : match
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const warnings: string[] = []
  // rocm-smi may print warnings before the JSON: start at the first line that opens an object
  const start = /^[ \t]*\{/m.exec(text)
  if (start === null) {
    throw parseError(tool, 1, 'no JSON object')
  }
  const skipped = lineAt(text, start.index) - 1
  if (skipped > 0) {
    warnings.push(`ignored ${skipped} line(s) before the JSON`)
  }
  const json = text.slice(start.index)
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch (error) {
    const why = error instanceof Error ? error.message : 'not JSON'
    throw parseError(tool, skipped + jsonErrorLine(json, error), `not valid JSON (${why})`)
  }
  if (!isRecord(doc)) {
    throw parseError(tool, skipped + 1, 'expected a JSON object of "cardN" entries')
  }
  const lineOfKey = (key: string): number => skipped + lineAt(json, json.indexOf(`"${key}"`))

  const cards: { key: string; index: number; fields: Fields }[] = []
  let system: Fields = new Map()
  for (const [key, value] of Object.entries(doc)) {
    const m = /^card(\d+)$/.exec(key)
    if (m?.[1] !== undefined) {
      if (!isRecord(value)) {
        throw parseError(tool, lineOfKey(key), `"${key}" is not an object`)
      }
      cards.push({ key, index: Number(m[1]), fields: fieldsOf(value) })
    } else if (key === 'system' && isRecord(value)) {
      system = fieldsOf(value)
    } else {
      warnings.push(`ignored top-level key "${key}"`)
    }
  }
  if (cards.length === 0) {
    throw parseError(tool, skipped + 1, 'no "cardN" entries')
  }
  cards.sort((a, b) => a.index - b.index)

  const hygon = cards.some(
    ({ fields: f }) =>
      /haiguang|hygon/i.test(first(f, 'card vendor') ?? '') ||
      /^dcu\b/i.test(first(f, 'card series') ?? '') ||
      f.has('dcu use (%)'),
  )
  const vendor = hygon ? 'Hygon' : 'AMD'

  const devices = cards.map(({ key, index, fields: f }): Device => {
    const name = first(f, 'card series', 'device name', 'card sku')
    const model = name ?? first(f, 'device id', 'gpu id') ?? 'unknown'
    if (name === null) {
      warnings.push(`${key}: no product name (run with --showproductname); model is its PCI id`)
    }
    const memoryTotalMiB = vram(f, 'total')
    const match = catalogMatch(catalog, vendor, model, f, memoryTotalMiB)
    const serial = first(f, 'serial number')
    const temperature =
      first(f, 'temperature (sensor edge) (c)', 'temperature (sensor junction) (c)') ??
      byPattern(f, /^temperature \(sensor [^)]*\) \(c\)$/)?.value
    return {
      index,
      model,
      catalogId: match.catalogId,
      catalogReason: match.reason,
      uuid: first(f, 'unique id'),
      // rocm-smi 5.7 prints "0" for boards without a readable serial
      serial: serial === '0' ? null : serial,
      busId: first(f, 'pci bus'),
      memoryTotalMiB,
      memoryUsedMiB: vram(f, 'total used'),
      utilizationPercent: numberIn(first(f, 'gpu use (%)', 'dcu use (%)') ?? undefined),
      temperatureC: numberIn(temperature ?? undefined),
      powerDrawW: numberIn(
        first(
          f,
          'average graphics package power (w)',
          'current socket graphics package power (w)',
        ) ?? undefined,
      ),
      powerLimitW: numberIn(first(f, 'max graphics package power (w)') ?? undefined),
      ecc: unknownEcc,
      links: unknownLinks,
      reportedHealth: null,
      health: verdict([]),
    }
  })

  const vbios = [...new Set(cards.map((c) => c.fields.get('vbios version') ?? ''))].filter(
    (v) => v !== '',
  )
  if (vbios.length > 1) {
    warnings.push(`cards report different VBIOS versions: ${vbios.join(', ')}`)
  }
  return {
    vendor,
    tool,
    toolVersion: null,
    driverVersion: first(system, 'driver version'),
    firmwareVersion: vbios.length === 1 ? (vbios[0] ?? null) : null,
    devices,
    warnings,
  }
}

export const rocmSmiJsonParser: SmiParser = {
  tool,
  vendor: 'AMD',
  detect(text: string): number {
    if (!/^[ \t]*\{/m.test(text.slice(0, 4096))) {
      return 0
    }
    if (!/"card\d+"\s*:\s*\{/.test(text)) {
      return 0.1
    }
    return /"(card series|vram total memory \((b|mib)\)|(gpu|dcu) use \(%\)|temperature \(sensor \w+\) \(c\)|unique id)"\s*:/i.test(
      text,
    )
      ? 0.95
      : 0.6
  },
  parse,
}
