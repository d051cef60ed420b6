import type { DeviceHealth, HealthIssue, HealthStatus } from './inventory.js'

const rank: Readonly<Record<HealthStatus, number>> = { ok: 0, degraded: 1, failed: 2 }

/** A device's verdict: the worst of its issues. */
export function verdict(issues: readonly HealthIssue[]): DeviceHealth {
  let status: HealthStatus = 'ok'
  for (const i of issues) {
    if (rank[i.status] > rank[status]) {
      status = i.status
    }
  }
  return { status, issues }
}

/** The worst status of several. */
export function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((w, s) => (rank[s] > rank[w] ? s : w), 'ok')
}
