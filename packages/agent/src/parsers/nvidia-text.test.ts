import { readFileSync } from 'node:fs'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { nvidiaTableParser, nvidiaTextParser, readQuery } from './nvidia-text.js'

const catalog = defaultCatalog()
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/telemetry/nvidia/${name}`, import.meta.url), 'utf8')

describe('nvidia-smi -q', () => {
  const parse = (text: string) => nvidiaTextParser.parse(text, catalog)

  // fixture → devices, model, catalogId, driver, memory total (MiB)
  it.each([
    [
      'smi-q_h100-80gb-hbm3-x8_535.161.08.txt',
      8,
      'NVIDIA H100 80GB HBM3',
      'nvidia-h100-sxm-80gb',
      '535.161.08',
      81559,
    ],
    [
      'smi-q_a100-sxm4-40gb-x8_535.129.03.txt',
      8,
      'NVIDIA A100-SXM4-40GB',
      'nvidia-a100-sxm-40gb',
      '535.129.03',
      40960,
    ],
    ['smi-q_a10_535.129.03.txt', 1, 'NVIDIA A10', 'nvidia-a10-24gb', '535.129.03', 23028],
    ['smi-q_rtx-4090-x8_535.154.05.txt', 8, 'NVIDIA GeForce RTX 4090', null, '535.154.05', 24564],
    ['smi-q_titan-v_560.35.03.txt', 1, 'NVIDIA TITAN V', null, '560.35.03', 12288],
  ] as const)('%s: %i × %s → %s, driver %s', (file, count, model, id, driver, mib) => {
    const text = fixture(file)
    expect(nvidiaTextParser.detect(text)).toBeGreaterThanOrEqual(0.9)
    const inv = parse(text)
    expect(inv).toMatchObject({ vendor: 'NVIDIA', tool: 'nvidia-smi-text', toolVersion: null })
    expect(inv.driverVersion).toBe(driver)
    expect(inv.devices).toHaveLength(count)
    expect(inv.warnings).toEqual([])
    expect(new Set(inv.devices.map((d) => d.index)).size).toBe(count)
    for (const d of inv.devices) {
      expect([d.model, d.catalogId, d.memoryTotalMiB]).toEqual([model, id, mib])
      expect(d.uuid).toMatch(/^GPU-[0-9a-f-]{36}$/)
    }
  })

  it('reads the H100 x8: power, ECC, and HW slowdown on every GPU', () => {
    const inv = parse(fixture('smi-q_h100-80gb-hbm3-x8_535.161.08.txt'))
    expect(inv.firmwareVersion).toBe('96.00.74.00.0D')
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      serial: '1650124031592',
      uuid: 'GPU-ee7954ec-da95-fd7a-ddfd-c6b32cc2f8aa',
      busId: '00000000:19:00.0',
      memoryUsedMiB: 0,
      utilizationPercent: 0,
      temperatureC: 29,
      powerDrawW: 67.74,
      powerLimitW: 700,
      ecc: { enabled: true, correctable: 0, uncorrectable: 0, pending: false },
    })
    expect(inv.devices.map((d) => d.busId?.slice(9, 11))).toEqual([
      '19',
      '3B',
      '4C',
      '5D',
      '9B',
      'BB',
      'CB',
      'DB',
    ])
    for (const d of inv.devices) {
      expect(d.health).toEqual({
        status: 'degraded',
        issues: [
          {
            status: 'degraded',
            action: 'none',
            reason:
              'clocks slowed by hw_slowdown, hw_power_brake_slowdown: check cooling and power',
            source: 'clock-event-reasons',
          },
        ],
      })
    }
  })

  it('A10: a pending row remap (4 uncorrectable rows) needs a reset', () => {
    const [d] = parse(fixture('smi-q_a10_535.129.03.txt')).devices
    expect(d?.ecc).toEqual({ enabled: true, correctable: 0, uncorrectable: 0, pending: true })
    expect(d?.health.status).toBe('degraded')
    expect(d?.health.issues.map((i) => [i.action, i.source])).toEqual([
      ['reset-device', 'row-remap-pending'],
    ])
  })

  it('A100 x8 and RTX 4090 x8 are healthy; the 4090s are indexed by minor number', () => {
    const a100 = parse(fixture('smi-q_a100-sxm4-40gb-x8_535.129.03.txt'))
    expect(a100.devices.every((d) => d.health.status === 'ok')).toBe(true)
    expect(a100.devices[0]).toMatchObject({ powerDrawW: 52.12, powerLimitW: 400 })
    const rtx = parse(fixture('smi-q_rtx-4090-x8_535.154.05.txt'))
    expect(rtx.devices.map((d) => d.index)).toEqual([2, 3, 1, 0, 6, 7, 5, 4])
    expect(rtx.devices[0]?.ecc).toEqual({
      enabled: false,
      correctable: null,
      uncorrectable: null,
      pending: false,
    })
  })

  it('TITAN V: pre-515 ECC layout, all N/A', () => {
    const [d] = parse(fixture('smi-q_titan-v_560.35.03.txt')).devices
    expect(d?.ecc).toEqual({ enabled: null, correctable: null, uncorrectable: null, pending: null })
    expect(d).toMatchObject({ temperatureC: 44, powerDrawW: 29.02, powerLimitW: 250 })
  })

  it('reads the single/double bit layout with counts', () => {
    const titan = fixture('smi-q_titan-v_560.35.03.txt')
    // the aggregate double-bit Total is the 4th "Total : N/A" of the ECC section
    let n = 0
    const text = titan.replace(/(Total\s+: )N\/A/g, (whole, head: string) => {
      n++
      return n === 3 ? `${head}6` : n === 4 ? `${head}2` : whole
    })
    const [d] = parse(text).devices
    expect([d?.ecc.correctable, d?.ecc.uncorrectable]).toEqual([6, 2])
    expect(d?.health.issues[0]).toMatchObject({ status: 'degraded', action: 'reset-device' })
  })

  it('reads the 570+ layout: average power draw, recovery action', () => {
    const text = fixture('smi-q_a10_535.129.03.txt')
      .replace(
        / {4}GPU Power Readings\n {8}Power Draw +: 43.89 W/,
        '    GPU Power Readings\n        Average Power Draw : 40.50 W\n        Instantaneous Power Draw : 41.00 W',
      )
      .replace(
        '    Fan Speed',
        '    GPU Recovery Action                   : Drain and Reset\n    Fan Speed',
      )
    const [d] = parse(text).devices
    expect(d?.powerDrawW).toBe(40.5)
    expect(d?.health.issues.map((i) => i.source)).toEqual([
      'row-remap-pending',
      'gpu-recovery-action',
    ])
  })

  it('builds the tree by indentation', () => {
    const root = readQuery('Driver Version : 1\nGPU 00000000:01:00.0\n    A\n        B : x : y\n')
    expect(root.children.map((c) => [c.name, c.text, c.line])).toEqual([
      ['driver_version', '1', 1],
      ['gpu', '00000000:01:00.0', 2],
    ])
    expect(root.children[1]?.children[0]?.children[0]).toMatchObject({ name: 'b', text: 'x : y' })
  })

  it('throws naming the line', () => {
    expect(() => parse('hello')).toThrow(ZhisuanError)
    expect(() => parse('hello')).toThrow('nvidia-smi-text: line 1: not nvidia-smi -q output')
    expect(() => parse('Driver Version : 1\nGPU 00000000:01:00.0\n    Serial : 2\n')).toThrow(
      'nvidia-smi-text: line 2: GPU 00000000:01:00.0 has no Product Name',
    )
  })
})

describe('nvidia-smi (default table)', () => {
  const parse = (text: string) => nvidiaTableParser.parse(text, catalog)

  it('new layout: 8 × H100 80GB HBM3, driver 550.90.07', () => {
    const text = fixture('smi-default_h100-x8_550.90.07.txt')
    expect(nvidiaTableParser.detect(text)).toBeGreaterThanOrEqual(0.9)
    const inv = parse(text)
    expect(inv).toMatchObject({
      tool: 'nvidia-smi-table',
      toolVersion: '550.90.07',
      driverVersion: '550.90.07',
      warnings: [],
    })
    expect(inv.devices.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(inv.devices.map((d) => d.temperatureC)).toEqual([27, 24, 23, 23, 27, 22, 24, 23])
    expect(inv.devices[7]).toMatchObject({
      model: 'NVIDIA H100 80GB HBM3',
      catalogId: 'nvidia-h100-sxm-80gb',
      busId: '00000000:DB:00.0',
      memoryTotalMiB: 81559,
      memoryUsedMiB: 1,
      utilizationPercent: 0,
      powerDrawW: 72,
      powerLimitW: 700,
      ecc: { enabled: true, correctable: null, uncorrectable: 0, pending: null },
      health: { status: 'ok', issues: [] },
    })
  })

  it('old 79-column layout: truncated name, fan ERR!', () => {
    const inv = parse(fixture('smi-default_geforce-err-fan_525.125.06.txt'))
    expect(inv).toMatchObject({ toolVersion: '525.125.06', driverVersion: '525.125.06' })
    expect(inv.devices).toHaveLength(1)
    const [d] = inv.devices
    expect(d).toMatchObject({
      index: 0,
      model: 'NVIDIA GeForce ...',
      catalogId: null,
      busId: '00000000:01:00.0',
      memoryTotalMiB: 23028,
      memoryUsedMiB: 2021,
      temperatureC: 38,
      powerDrawW: 49,
      powerLimitW: 450,
    })
    expect(d?.catalogReason).toMatch(/cut the name short.*no catalog model starts with/)
    expect(d?.health).toEqual({
      status: 'degraded',
      issues: [{ status: 'degraded', action: 'none', reason: 'fan ERR!', source: 'nvidia-smi' }],
    })
  })

  it('a truncated name matches when memory leaves one catalog model', () => {
    const text = fixture('smi-default_geforce-err-fan_525.125.06.txt')
    const a100 = text
      .replace('NVIDIA GeForce ...', 'NVIDIA A100-SXM...')
      .replace('23028MiB', '81920MiB')
    expect(parse(a100).devices[0]?.catalogId).toBe('nvidia-a100-sxm-80gb')
    // "NVIDIA A10..." with 23 GB: the A10, or an A10G the catalog does not hold
    const a10 = text.replace('NVIDIA GeForce ...', 'NVIDIA A10...     ')
    expect(parse(a10).devices[0]?.catalogId).toBeNull()
  })

  it('a volatile uncorrectable ECC count makes the GPU degraded', () => {
    const text = fixture('smi-default_h100-x8_550.90.07.txt').replace(
      'Off |                    0 |',
      'Off |                    3 |',
    )
    const [d] = parse(text).devices
    expect(d?.ecc.uncorrectable).toBe(3)
    expect(d?.health.issues[0]).toMatchObject({ status: 'degraded', action: 'reset-device' })
  })

  it('throws naming the line', () => {
    expect(() => parse('+---+\n| x |')).toThrow('nvidia-smi-table: line 1: no "NVIDIA-SMI')
    const head = '| NVIDIA-SMI 1.2   Driver Version: 1.2 |\n'
    expect(() => parse(head)).toThrow('nvidia-smi-table: line 1: no "|=====|"')
    expect(() => parse(`${head}|====|\n| x | y | z |\n`)).toThrow(
      'nvidia-smi-table: line 3: expected "<index>  <name>"',
    )
  })

  it('detect tells the formats apart', () => {
    const q = fixture('smi-q_a10_535.129.03.txt')
    const table = fixture('smi-default_h100-x8_550.90.07.txt')
    expect(nvidiaTableParser.detect(q)).toBe(0)
    expect(nvidiaTextParser.detect(table)).toBe(0)
  })
})
