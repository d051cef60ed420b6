import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import { acceptanceChecks, acceptanceMarkdown, type Candidate } from './accept.js'
import type { Device, DeviceInventory } from './inventory.js'

const cluster = parseClusterFile(
  'lab-mixed.yaml',
  readFileSync(new URL('../../../examples/clusters/lab-mixed.yaml', import.meta.url), 'utf8'),
  defaultCatalog(),
)
const h100 = cluster.pools.find((p) => p.name === 'h100')
const device = (index: number, over: Partial<Device> = {}): Device => ({
  index,
  model: 'NVIDIA H100 80GB HBM3',
  catalogId: 'nvidia-h100-sxm-80gb',
  catalogReason: 'catalog name',
  uuid: null,
  serial: null,
  busId: null,
  memoryTotalMiB: 81_559,
  memoryUsedMiB: 0,
  utilizationPercent: 0,
  temperatureC: 30,
  powerDrawW: 70,
  powerLimitW: 700,
  ecc: { enabled: true, correctable: 0, uncorrectable: 0, pending: false },
  links: { up: 18, down: 0 },
  reportedHealth: null,
  health: { status: 'ok', issues: [] },
  ...over,
})
const node = (name: string, driver: string, devices: Device[], health = 'healthy'): Candidate => {
  const inv: DeviceInventory = {
    vendor: 'NVIDIA',
    tool: 'nvidia-smi-xml',
    toolVersion: null,
    driverVersion: driver,
    firmwareVersion: null,
    devices,
    warnings: [],
  }
  return { node: name, pool: h100, health, report: { inventories: [inv] } }
}
const eight = (over: Partial<Device> = {}) => Array.from({ length: 8 }, (_, i) => device(i, over))

describe('rack-to-training acceptance', () => {
  it('passes matching nodes and fails each mismatch with its reason', () => {
    const report = acceptanceChecks([
      node('h100-001', '550.90.07', eight()),
      node('h100-002', '550.90.07', eight()),
      node('h100-003', '535.161.08', eight()),
      node('h100-004', '550.90.07', eight().slice(0, 7)),
      node(
        'h100-005',
        '550.90.07',
        eight({ ecc: { enabled: false, correctable: null, uncorrectable: null, pending: null } }),
      ),
      node(
        'h100-006',
        '550.90.07',
        eight({ catalogId: null, catalogReason: 'not in the catalog', model: 'NVIDIA A10G' }),
      ),
      node('h100-007', '550.90.07', eight({ links: { up: 16, down: 2 } })),
      node(
        'h100-009',
        '550.90.07',
        eight({
          health: {
            status: 'degraded',
            issues: [
              { status: 'degraded', action: 'none', reason: 'HW slowdown', source: 'clocks' },
            ],
          },
        }),
      ),
      node(
        'h100-010',
        '550.90.07',
        eight({
          health: {
            status: 'degraded',
            issues: [
              { status: 'degraded', action: 'reset-device', reason: 'rows pending', source: 'ecc' },
            ],
          },
        }),
      ),
      { node: 'h100-008', pool: h100, health: 'healthy', report: undefined },
    ])
    const reasons = Object.fromEntries(report.nodes.map((n) => [n.node, n.reasons.join('; ')]))
    // a slowdown asks for nothing; rows pending a reset do
    expect(report.nodes.filter((n) => n.pass).map((n) => n.node)).toEqual([
      'h100-001',
      'h100-002',
      'h100-009',
    ])
    expect(reasons['h100-010']).toContain('device 0 is degraded: rows pending')
    expect(report.poolDrivers).toEqual({ h100: '550.90.07' })
    expect(reasons['h100-003']).toBe(
      'driver 535.161.08 differs from the 550.90.07 most of pool h100 runs',
    )
    expect(reasons['h100-004']).toContain('7 accelerators found, pool h100 has 8 per node')
    expect(reasons['h100-005']).toContain('ECC is off')
    expect(reasons['h100-006']).toContain('pool h100 expects nvidia-h100-sxm-80gb')
    expect(reasons['h100-007']).toContain('2 scale-up link(s) down')
    expect(reasons['h100-008']).toBe('no agent report')
    expect(report).toMatchObject({ passed: 3, failed: 7 })
    const md = acceptanceMarkdown(report, 'lab-mixed', 1.5)
    expect(md).toContain(
      '| h100-003 | h100 | **fail** | 8 | 535.161.08 | driver 535.161.08 differs',
    )
  })
})
