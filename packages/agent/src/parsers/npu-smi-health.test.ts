import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import {
  mergeNpuDetails,
  npuChipOf,
  npuSmiParser,
  parseNpuBoard,
  parseNpuBundle,
  parseNpuEcc,
  parseNpuHealth,
  parseNpuUsages,
} from './npu-smi.js'

const read = (file: string) =>
  readFileSync(new URL(`../../fixtures/telemetry/ascend/${file}`, import.meta.url), 'utf8')
const catalog = defaultCatalog()
const bundleOk = 'npu-info-collect-bundle_910a-x8_23.0.5_healthy.txt'
const bundleAlarm = 'npu-info-collect-bundle_910a_health-alarm.txt'

describe('npu-smi info -t health', () => {
  it('910A OK: no issues', () => {
    const h = parseNpuHealth(read('npu-smi-info-t-health_910a_ok.txt'), { npuId: 0, chipId: 0 })
    expect(h).toEqual({ npuId: 0, chipId: 0, reportedHealth: 'OK', issues: [] })
  })

  it('910A Alarm with A4025021 8C03A000 8C084E00: failed, one issue per code', () => {
    const h = parseNpuHealth(read('npu-smi-info-t-health_910a_alarm-A4025021.txt'))
    expect(h.npuId).toBeNull()
    expect(h.reportedHealth).toBe('Alarm')
    expect(h.issues?.map((i) => i.source)).toEqual([
      'npu-smi health',
      'npu-smi error code A4025021',
      'npu-smi error code 8C03A000',
      'npu-smi error code 8C084E00',
    ])
    expect(h.issues?.[0]).toMatchObject({ status: 'failed', action: 'drain-node' })
    // the continuation lines are part of the Error Information
    expect(h.issues?.[0]?.reason).toContain('heart beat lost')
    expect(h.issues?.[0]?.reason).toContain('event state=Heartbeat Lost.')
    expect(h.issues?.[2]).toMatchObject({ status: 'failed', action: 'reset-device' })
  })

  it('Ascend 950 example: key "Health" and its NPU ID', () => {
    const h = parseNpuHealth(read('npu-smi-info-t-health_ascend950_vendor-doc-example.txt'))
    expect(h).toEqual({ npuId: 0, chipId: null, reportedHealth: 'OK', issues: [] })
  })

  it('refuses text without a health line, at the given line', () => {
    expect(() => parseNpuHealth('Board ID : 0x02', { firstLine: 40 })).toThrow(
      /^npu-smi: line 40: no "Health Status"/,
    )
  })
})

describe('npu-smi info -t board, -t ecc, -t usages', () => {
  it('Ascend 950 board example: bus id kept, placeholders dropped', () => {
    const b = parseNpuBoard(read('npu-smi-info-t-board_ascend950_vendor-doc-example.txt'))
    expect(b).toEqual({ npuId: 0, chipId: null, busId: '0000:F1:00.0' })
  })

  it('910A board in the healthy bundle: chip name, firmware', () => {
    const text = read(bundleOk)
    const block = text.slice(text.indexOf('\tNPU ID', text.indexOf('-c 0 -t board')))
    const b = parseNpuBoard(block.slice(0, block.indexOf('\n\n')))
    expect(b).toMatchObject({
      npuId: 0,
      chipId: 0,
      model: '910A',
      busId: '0000:61:00.0',
      firmwareVersion: '7.1.0.7.220',
    })
  })

  it('ECC example (NPU 1, chip 0): all counters zero', () => {
    const e = parseNpuEcc(read('npu-smi-info-t-ecc_910a_doc-example.txt'))
    expect(e).toEqual([
      {
        npuId: 1,
        chipId: 0,
        ecc: { enabled: null, correctable: 0, uncorrectable: 0, pending: null },
        issues: [],
      },
    ])
  })

  it('ECC double-bit errors raise an issue', () => {
    const text = read('npu-smi-info-t-ecc_910a_doc-example.txt').replace(
      'HBM Double Bit Error Count               : 0',
      'HBM Double Bit Error Count               : 3',
    )
    const [e] = parseNpuEcc(text)
    expect(e?.ecc?.uncorrectable).toBe(3)
    expect(e?.issues?.[0]).toMatchObject({ status: 'degraded', source: 'ecc-uncorrectable' })
  })

  it('usages: HBM capacity and AICore usage', () => {
    const u = parseNpuUsages('NPU ID : 0\nHBM Capacity(MB) : 31129\nAicore Usage Rate(%) : 7')
    expect(u).toEqual({ npuId: 0, chipId: null, memoryTotalMiB: 31129, utilizationPercent: 7 })
    expect(() => parseNpuUsages('nothing')).toThrow(ZhisuanError)
  })
})

describe('mergeNpuDetails', () => {
  it('puts health on the right chip of a 310 card (NPU 6, chip 2 = Device 5)', () => {
    const inv = npuSmiParser.parse(
      read('npu-smi-info_310-x4_21.0.4.B030_atlas800-3000.txt'),
      catalog,
    )
    const third = inv.devices[2]
    expect(third && npuChipOf(third)).toEqual({ npuId: 6, chipId: 2 })
    const health = parseNpuHealth(read('npu-smi-info-t-health_910a_alarm-A4025021.txt'), {
      npuId: 6,
      chipId: 2,
    })
    const merged = mergeNpuDetails(inv, [health])
    expect(merged.devices.map((d) => d.health.status)).toEqual(['ok', 'ok', 'failed', 'ok'])
    expect(merged.devices[2]).toMatchObject({ index: 5, busId: '0000:8B:00.0' })
    expect(merged.devices[2]?.reportedHealth).toBe('Alarm')
    // merged devices keep their identity for a second merge
    const again = mergeNpuDetails(merged, [{ npuId: 6, chipId: 3, serial: 'S3' }])
    expect(again.devices[3]?.serial).toBe('S3')
  })

  it('replaces the table health issue by the -t health one, adds ECC, warns on strangers', () => {
    const inv = npuSmiParser.parse(
      read('npu-smi-info_910-xxx-x8_24.1.RC2_warning-and-processes.txt'),
      catalog,
    )
    const merged = mergeNpuDetails(inv, [
      parseNpuHealth(read('npu-smi-info-t-health_910a_ok.txt'), { npuId: 3 }),
      ...parseNpuEcc(read('npu-smi-info-t-ecc_910a_doc-example.txt')),
      { npuId: 12, chipId: 0, reportedHealth: 'OK' },
    ])
    expect(merged.devices[3]).toMatchObject({ reportedHealth: 'OK', health: { status: 'ok' } })
    expect(merged.devices[7]?.health.status).toBe('degraded')
    expect(merged.devices[1]?.ecc).toEqual({
      enabled: null,
      correctable: 0,
      uncorrectable: 0,
      pending: null,
    })
    expect(merged.warnings).toEqual(['npu-smi details for NPU 12 chip 0 match no device'])
  })

  it('applies an id-less record to a lone device, by bus id otherwise', () => {
    const inv = npuSmiParser.parse(read('npu-smi-info_910a-x1_22.0.3.txt'), catalog)
    const merged = mergeNpuDetails(inv, [
      parseNpuHealth(read('npu-smi-info-t-health_910a_alarm-A4025021.txt')),
      { npuId: 99, chipId: null, busId: '0000:81:00.0', serial: 'X1', firmwareVersion: '7.1' },
    ])
    expect(merged.devices[0]).toMatchObject({ serial: 'X1', health: { status: 'failed' } })
    expect(merged.firmwareVersion).toBe('7.1')
  })
})

describe('MindCluster npu_info_collect bundles', () => {
  it('healthy 910A x8 (23.0.5): devices from -m, board and usages of NPU 0, health OK', () => {
    const inv = npuSmiParser.parse(read(bundleOk), catalog)
    expect(npuSmiParser.detect(read(bundleOk))).toBeGreaterThanOrEqual(0.9)
    expect(inv).toMatchObject({
      toolVersion: null,
      driverVersion: '23.0.5',
      firmwareVersion: '7.1.0.7.220',
    })
    expect(inv.devices.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(new Set(inv.devices.map((d) => d.catalogId))).toEqual(new Set(['huawei-ascend-910a']))
    expect(inv.devices[0]).toMatchObject({
      model: 'Ascend 910A',
      busId: '0000:61:00.0',
      memoryTotalMiB: 31129,
      reportedHealth: 'OK',
      health: { status: 'ok', issues: [] },
    })
    expect(inv.devices[1]?.reportedHealth).toBeNull()
    expect(inv.warnings).toEqual(['line 14: "/usr/local/bin/npu-smi info" printed nothing'])
  })

  it('alarm bundle (23.0.7): NPU 0 failed, model from lspci d801, board failure a warning', () => {
    const inv = parseNpuBundle(read(bundleAlarm), catalog)
    expect(inv).toMatchObject({ driverVersion: '23.0.7', firmwareVersion: '7.1.0.11.220' })
    expect(inv.devices).toHaveLength(1)
    const d = inv.devices[0]
    expect(d).toMatchObject({
      index: 0,
      model: 'PCI device d801',
      catalogId: 'huawei-ascend-910a',
      reportedHealth: 'Alarm',
    })
    expect(d?.catalogReason).toContain('lspci')
    expect(d?.health.status).toBe('failed')
    expect(d?.health.issues.map((i) => i.action)).toEqual([
      'drain-node',
      'none',
      'reset-device',
      'reset-device',
    ])
    expect(inv.warnings).toEqual([
      'line 25: "/usr/local/bin/npu-smi info -i 0 -t board" failed: Invalid card id.',
    ])
  })

  it('a health block that cannot be read fails the bundle at its line', () => {
    const text = read(bundleAlarm).replace('\tHealth Status                  : Alarm', '\tHealth?')
    expect(() => parseNpuBundle(text, catalog)).toThrow(/^npu-smi: line 30: no "Health Status"/)
  })

  it('survives bundles cut short or missing lines', () => {
    const texts = [read(bundleOk), read(bundleAlarm)]
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.infiniteStream(fc.boolean()), (text, keep) => {
        const lines = text.split('\n')
        const cut = lines.filter(() => keep.next().value).join('\n')
        for (const t of [cut, text.slice(0, cut.length)]) {
          try {
            npuSmiParser.parse(t, catalog)
          } catch (e) {
            expect(e).toBeInstanceOf(ZhisuanError)
            expect((e as Error).message).toMatch(/^npu-smi: line \d+/)
          }
        }
      }),
      { numRuns: 200 },
    )
  })
})
