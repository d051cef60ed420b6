import { ZhisuanError } from '../errors.js'
import { closestNames } from '../suggest.js'
import { IssueCollector, parseSourceText, validateSchema } from '../validation.js'
import {
  AcceleratorFileSchema,
  HostCpuFileSchema,
  type Accelerator,
  type HostCpu,
} from './schema.js'

/** The accelerator and host-CPU catalog, indexed for lookup by any printed name. */
export interface Catalog {
  readonly accelerators: readonly Accelerator[]
  readonly hostCpus: readonly HostCpu[]
  /** Normalized id/model/alias → accelerator. */
  readonly acceleratorNames: ReadonlyMap<string, Accelerator>
  /** Normalized family → accelerators of that family. */
  readonly families: ReadonlyMap<string, readonly Accelerator[]>
  readonly cpuNames: ReadonlyMap<string, HostCpu>
}

/** Case, spaces, dashes and underscores do not distinguish names: `H100-SXM5` = `h100 sxm5`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s\-_()]+/g, '')
}

/**
 * Parses and validates the catalog's YAML documents.
 * @throws ZhisuanError `invalid-config` for a schema violation or a name used by two entries.
 */
export function parseCatalog(
  accelerators: { source: string; text: string },
  hostCpus: { source: string; text: string },
): Catalog {
  const accDoc = parseSourceText(accelerators.source, accelerators.text)
  const accFile = validateSchema(AcceleratorFileSchema, accDoc, 'accelerator catalog')
  const cpuDoc = parseSourceText(hostCpus.source, hostCpus.text)
  const cpuFile = validateSchema(HostCpuFileSchema, cpuDoc, 'host CPU catalog')

  const acceleratorNames = new Map<string, Accelerator>()
  const families = new Map<string, Accelerator[]>()
  const issues = new IssueCollector(accDoc)
  for (const [index, entry] of accFile.accelerators.entries()) {
    for (const name of new Set([entry.id, entry.model, ...entry.aliases].map(normalizeName))) {
      const other = acceleratorNames.get(name)
      if (other !== undefined && other !== entry) {
        issues.add(['accelerators', index], `name "${name}" is already used by ${other.id}`)
      }
      acceleratorNames.set(name, entry)
    }
    const family = normalizeName(entry.family)
    families.set(family, [...(families.get(family) ?? []), entry])
  }
  issues.throwIfAny('accelerator catalog')

  const cpuNames = new Map<string, HostCpu>()
  const cpuIssues = new IssueCollector(cpuDoc)
  for (const [index, cpu] of cpuFile.hostCpus.entries()) {
    for (const name of new Set([cpu.id, cpu.model, ...cpu.aliases].map(normalizeName))) {
      const other = cpuNames.get(name)
      if (other !== undefined && other !== cpu) {
        cpuIssues.add(['hostCpus', index], `name "${name}" is already used by ${other.id}`)
      }
      cpuNames.set(name, cpu)
    }
  }
  cpuIssues.throwIfAny('host CPU catalog')
  return {
    accelerators: accFile.accelerators,
    hostCpus: cpuFile.hostCpus,
    acceleratorNames,
    families,
    cpuNames,
  }
}

/** Result of resolving a name a user or a vendor tool gave. */
export type Resolution<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string; readonly suggestions: readonly string[] }

/**
 * Finds an accelerator by id, model, alias or — when it names exactly one model — family.
 * @example resolveAccelerator(catalog, 'NVIDIA H800') // { ok: true, value: { id: 'nvidia-h800-sxm-80gb', … } }
 */
export function resolveAccelerator(catalog: Catalog, name: string): Resolution<Accelerator> {
  const key = normalizeName(name)
  const direct = catalog.acceleratorNames.get(key)
  if (direct !== undefined) {
    return { ok: true, value: direct }
  }
  const family = catalog.families.get(key)
  if (family?.length === 1 && family[0] !== undefined) {
    return { ok: true, value: family[0] }
  }
  if (family !== undefined && family.length > 1) {
    return {
      ok: false,
      reason: `"${name}" is a family of ${family.length} models; name one`,
      suggestions: family.map((a) => a.id),
    }
  }
  const candidates = catalog.accelerators.flatMap((a) => [a.id, a.family, a.model])
  return {
    ok: false,
    reason: `unknown accelerator "${name}"`,
    suggestions: closestNames(name, candidates),
  }
}

/** Finds a host CPU by id, model or alias. */
export function resolveHostCpu(catalog: Catalog, name: string): Resolution<HostCpu> {
  const cpu = catalog.cpuNames.get(normalizeName(name))
  if (cpu !== undefined) {
    return { ok: true, value: cpu }
  }
  const candidates = catalog.hostCpus.flatMap((c) => [c.id, c.model])
  return {
    ok: false,
    reason: `unknown host CPU "${name}"`,
    suggestions: closestNames(name, candidates),
  }
}

/**
 * The accelerator with this exact catalog id.
 * @throws ZhisuanError `not-found` when no entry has it.
 */
export function acceleratorById(catalog: Catalog, id: string): Accelerator {
  const found = catalog.accelerators.find((a) => a.id === id)
  if (found === undefined) {
    throw new ZhisuanError('not-found', `no accelerator with id ${id}`)
  }
  return found
}
