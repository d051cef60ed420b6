import { readFileSync } from 'node:fs'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { nvidiaCsvParser } from './nvidia-csv.js'

const catalog = defaultCatalog()
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/telemetry/nvidia/${name}`, import.meta.url), 'utf8')
const parse = (text: string) => nvidiaCsvParser.parse(text, catalog)

describe('nvidia-smi --query-gpu --format=csv', () => {
  it('nounits: Tesla P100-PCIE-16GB, total from reserved + used + free', () => {
    const text = fixture('smi-query-gpu-csv_tesla-p100.csv')
    expect(nvidiaCsvParser.detect(text)).toBeGreaterThanOrEqual(0.9)
    const inv = parse(text)
    expect(inv).toMatchObject({ tool: 'nvidia-smi-csv', toolVersion: null, driverVersion: null })
    expect(inv.devices).toHaveLength(1)
    const [d] = inv.devices
    expect(d).toMatchObject({
      index: 0,
      model: 'Tesla P100-PCIE-16GB',
      catalogId: null,
      uuid: 'GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6',
      memoryTotalMiB: 103 + 0 + 16280,
      memoryUsedMiB: 0,
      utilizationPercent: 0,
      temperatureC: 37,
      powerDrawW: 28.16,
      powerLimitW: null,
      health: { status: 'ok', issues: [] },
    })
    expect(d?.catalogReason).toMatch(/only the 12 GB P100 PCIe/)
    expect(inv.warnings[0]).toMatch(/^ignored columns: pstate, utilization.memory, clocks/)
  })

  it('units in values, -lms loop without an id column: the last sample is the device', () => {
    const inv = parse(fixture('smi-query-gpu-csv-loop_a10_lms.csv'))
    expect(inv.devices).toHaveLength(1)
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      model: '',
      catalogId: null,
      catalogReason: 'the output gives no model name',
      memoryTotalMiB: 23028,
      memoryUsedMiB: 21,
      temperatureC: 25,
      utilizationPercent: 0,
    })
    expect(inv.warnings[1]).toMatch(/read 5 rows as samples/)
  })

  it('maps columns by header, keeps one device per index, reads health columns', () => {
    const text = [
      'index, name, pci.bus_id, driver_version, memory.total [MiB], ecc.errors.uncorrected.volatile.total, ecc.errors.uncorrected.aggregate.total, remapped_rows.pending, clocks_throttle_reasons.hw_thermal_slowdown, fan.speed [%], power.limit [W]',
      '0, NVIDIA A100-SXM4-80GB, 00000000:07:00.0, 535.129.03, 81920 MiB, 0, 0, No, Not Active, [N/A], 400.00 W',
      '1, NVIDIA A100-SXM4-80GB, 00000000:0B:00.0, 535.129.03, 81920 MiB, 2, 7, Yes, Active, ERR!, 400.00 W',
      '0, NVIDIA A100-SXM4-80GB, 00000000:07:00.0, 535.129.03, 81920 MiB, 0, 0, No, Not Active, [N/A], 400.00 W',
    ].join('\n')
    const inv = parse(text)
    expect(inv.driverVersion).toBe('535.129.03')
    expect(inv.devices.map((d) => [d.index, d.catalogId, d.powerLimitW])).toEqual([
      [0, 'nvidia-a100-sxm-80gb', 400],
      [1, 'nvidia-a100-sxm-80gb', 400],
    ])
    expect(inv.devices[0]?.health.status).toBe('ok')
    const sick = inv.devices[1]
    expect(sick?.ecc).toEqual({ enabled: null, correctable: null, uncorrectable: 7, pending: true })
    expect(sick?.health.issues.map((i) => [i.action, i.reason.slice(0, 24)])).toEqual([
      ['reset-device', '2 uncorrectable ECC erro'],
      ['reset-device', 'retired pages / remapped'],
      ['none', 'clocks slowed by hw_ther'],
      ['none', 'fan ERR!'],
    ])
  })

  it('throws naming the line', () => {
    expect(() => parse('foo, bar\n1, 2')).toThrow(ZhisuanError)
    expect(() => parse('foo, bar\n1, 2')).toThrow('nvidia-smi-csv: line 1: no --query-gpu field')
    expect(() => parse('\nname, uuid\nA10, GPU-1\nA10\n')).toThrow(
      'nvidia-smi-csv: line 4: 1 fields, the header has 2',
    )
  })

  it('detects a query header only', () => {
    expect(nvidiaCsvParser.detect('name, memory.total [MiB]\nA10, 23028 MiB')).toBeGreaterThan(0.5)
    expect(nvidiaCsvParser.detect(fixture('smi-default_h100-x8_550.90.07.txt'))).toBe(0)
    expect(nvidiaCsvParser.detect('Name, Age\nBob, 3')).toBe(0)
  })
})
