import type { Catalog } from '@zhisuan/domain'
import { verdict } from '../health.js'
import { unknownLinks, type Device, type HealthIssue } from '../inventory.js'
import { mebibytes, numberIn } from '../text.js'
import { matchNvidia } from './nvidia-match.js'

/**
 * One GPU as any nvidia-smi output shows it, values still as printed (`81559 MiB`, `N/A`,
 * `ERR!`); undefined where that output has no such field. The formats fill this in and
 * {@link nvidiaDevice} turns it into a {@link Device} with one set of health rules.
 */
export interface RawGpu {
  readonly index: number
  readonly model: string
  readonly uuid?: string | undefined
  readonly serial?: string | undefined
  readonly busId?: string | undefined
  readonly memoryTotal?: string | undefined
  readonly memoryUsed?: string | undefined
  readonly utilization?: string | undefined
  readonly temperature?: string | undefined
  readonly powerDraw?: string | undefined
  readonly powerLimit?: string | undefined
  readonly fan?: string | undefined
  /** `Enabled` / `Disabled` (`-q`), `Enabled` / `Disabled` / `On` / `Off` elsewhere. */
  readonly eccMode?: string | undefined
  /** Counter texts, summed; aggregate (lifetime) and volatile (since the last reset). */
  readonly eccAggregate?: EccCounts | undefined
  readonly eccVolatile?: EccCounts | undefined
  /** `Yes`/`No` flags of retired pages, remapped rows and repairs waiting for a reset. */
  readonly pending?: readonly (string | undefined)[] | undefined
  readonly remapFailure?: string | undefined
  /** Clock event (throttle) reasons as `name → Active | Not Active`. */
  readonly clockReasons?: readonly (readonly [string, string])[] | undefined
  readonly resetRequired?: string | undefined
  readonly drainAndReset?: string | undefined
  /** `<gpu_recovery_action>` (driver 570+). */
  readonly recoveryAction?: string | undefined
}

export interface EccCounts {
  readonly correctable: readonly (string | undefined)[]
  readonly uncorrectable: readonly (string | undefined)[]
}

/** A value nvidia-smi printed, or undefined for its words for "none": N/A, [N/A], Not Supported. */
export function present(text: string | undefined): string | undefined {
  const t = text?.replace(/\s+/g, ' ').trim()
  if (t === undefined || t === '' || /^\[?(n\/a|not supported|unknown error|none)\]?$/i.test(t)) {
    return undefined
  }
  return t
}

function yes(text: string | undefined): boolean | null {
  const t = present(text)?.toLowerCase()
  if (t === 'yes' || t === 'active' || t === 'enabled' || t === 'on') {
    return true
  }
  if (t === 'no' || t === 'not active' || t === 'disabled' || t === 'off') {
    return false
  }
  return null
}

function sum(texts: readonly (string | undefined)[] | undefined): number | null {
  const values = (texts ?? []).map((t) => numberIn(present(t))).filter((n) => n !== null)
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0)
}

// reasons that mean the GPU is slowed by heat or by its power delivery, not by its workload
const slowdowns = new Set([
  'hw_slowdown',
  'hw_thermal_slowdown',
  'hw_power_brake_slowdown',
  'sw_thermal_slowdown',
])

function eccIssues(raw: RawGpu): HealthIssue[] {
  const lifetime = sum(raw.eccAggregate?.uncorrectable)
  const sinceReset = sum(raw.eccVolatile?.uncorrectable)
  if (sinceReset !== null && sinceReset > 0) {
    const reason = `${sinceReset} uncorrectable ECC errors since the last reset: reset the GPU (row remap / page retirement)`
    return [{ status: 'degraded', action: 'reset-device', reason, source: 'ecc-uncorrectable' }]
  }
  if (lifetime !== null && lifetime > 0) {
    return [
      sinceReset === null
        ? {
            status: 'degraded',
            action: 'reset-device',
            reason: `${lifetime} uncorrectable ECC errors (the tool gives no count since the last reset): reset the GPU`,
            source: 'ecc-uncorrectable',
          }
        : {
            status: 'degraded',
            action: 'none',
            reason: `${lifetime} uncorrectable ECC errors in the GPU's lifetime, none since the last reset`,
            source: 'ecc-uncorrectable',
          },
    ]
  }
  return []
}

function stateIssues(raw: RawGpu): HealthIssue[] {
  const issues: HealthIssue[] = []
  if (yes(raw.remapFailure) === true) {
    const reason = 'row remapping failed: drain the node and replace the GPU (RMA)'
    issues.push({ status: 'failed', action: 'replace-device', reason, source: 'row-remap-failure' })
  }
  if ((raw.pending ?? []).some((p) => yes(p) === true)) {
    const reason = 'retired pages / remapped rows pending: reset the GPU to apply them'
    issues.push({ status: 'degraded', action: 'reset-device', reason, source: 'row-remap-pending' })
  }
  const slowed = (raw.clockReasons ?? []).filter(([n, v]) => slowdowns.has(n) && yes(v) === true)
  if (slowed.length > 0) {
    const names = slowed.map(([n]) => n).join(', ')
    const reason = `clocks slowed by ${names}: check cooling and power`
    issues.push({ status: 'degraded', action: 'none', reason, source: 'clock-event-reasons' })
  }
  if (yes(raw.resetRequired) === true) {
    const reason = 'nvidia-smi says a GPU reset is required'
    issues.push({ status: 'degraded', action: 'reset-device', reason, source: 'gpu-reset-status' })
  }
  if (yes(raw.drainAndReset) === true) {
    const reason = 'nvidia-smi recommends drain and reset'
    issues.push({ status: 'degraded', action: 'reset-device', reason, source: 'gpu-reset-status' })
  }
  const recovery = present(raw.recoveryAction)
  if (recovery !== undefined) {
    issues.push(recoveryIssue(recovery))
  }
  return issues
}

// NVML nvmlGpuRecoveryAction_t: none / GPU reset / node reboot / drain P2P / drain and reset
function recoveryIssue(action: string): HealthIssue {
  const reason = `nvidia-smi recovery action "${action}"`
  const source = 'gpu-recovery-action'
  if (/reboot/i.test(action)) {
    return { status: 'failed', action: 'drain-node', reason: `${reason}: reboot the node`, source }
  }
  if (/p2p/i.test(action)) {
    return { status: 'degraded', action: 'drain-node', reason, source }
  }
  if (/reset/i.test(action)) {
    return { status: 'degraded', action: 'reset-device', reason, source }
  }
  return { status: 'degraded', action: 'none', reason, source }
}

function errIssues(raw: RawGpu): HealthIssue[] {
  const fields: readonly (readonly [string, string | undefined])[] = [
    ['fan', raw.fan],
    ['temperature', raw.temperature],
    ['power draw', raw.powerDraw],
    ['memory', raw.memoryUsed],
    ['utilization', raw.utilization],
  ]
  return fields
    .filter(([, v]) => v !== undefined && /ERR!/.test(v))
    .map(([name]) => ({
      status: 'degraded' as const,
      action: 'none' as const,
      reason: `${name} ERR!`,
      source: 'nvidia-smi',
    }))
}

/** A {@link Device} from one GPU as printed, with its catalog match and health. */
export function nvidiaDevice(raw: RawGpu, catalog: Catalog): Device {
  const memoryTotalMiB = mebibytes(present(raw.memoryTotal))
  const match = matchNvidia(catalog, raw.model, memoryTotalMiB)
  const pendingFlags = (raw.pending ?? []).map(yes).filter((p) => p !== null)
  const lifetime = sum(raw.eccAggregate?.correctable)
  const aggregateUnc = sum(raw.eccAggregate?.uncorrectable)
  const issues = [...eccIssues(raw), ...stateIssues(raw), ...errIssues(raw)]
  return {
    index: raw.index,
    model: raw.model,
    catalogId: match.catalogId,
    catalogReason: match.reason,
    uuid: present(raw.uuid) ?? null,
    serial: present(raw.serial) ?? null,
    busId: present(raw.busId) ?? null,
    memoryTotalMiB,
    memoryUsedMiB: mebibytes(present(raw.memoryUsed)),
    utilizationPercent: numberIn(present(raw.utilization)),
    temperatureC: numberIn(present(raw.temperature)),
    powerDrawW: numberIn(present(raw.powerDraw)),
    powerLimitW: numberIn(present(raw.powerLimit)),
    ecc: {
      enabled: yes(raw.eccMode),
      // lifetime totals where the tool gives them, else the counts since the last reset
      correctable: lifetime ?? sum(raw.eccVolatile?.correctable),
      uncorrectable: aggregateUnc ?? sum(raw.eccVolatile?.uncorrectable),
      pending: pendingFlags.length === 0 ? null : pendingFlags.some((p) => p),
    },
    links: unknownLinks,
    reportedHealth: null,
    health: verdict(issues),
  }
}
