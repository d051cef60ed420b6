import { readFileSync } from 'node:fs'
import { defaultCatalog } from '@zhisuan/domain'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nvidiaTextParser } from '../parsers/nvidia-text.js'
import { normalizeBusId, parseKernelLog, xidRule, xidTable } from './xid.js'

const telemetry = new URL('../../fixtures/telemetry/', import.meta.url)
const read = (name: string) => readFileSync(new URL(name, telemetry), 'utf8')

describe('Xid table', () => {
  it('holds every Xid of xid-and-health.md, listed or unused, once', () => {
    const doc = read('xid-and-health.md')
    const listed = [...doc.matchAll(/^\| (\d+) \| `/gm)].map((m) => Number(m[1]))
    const unusedLine = /Unused" in the catalog[^:]*:([\d,\s]+)\./.exec(doc)?.[1] ?? ''
    const unused = unusedLine.split(',').map((s) => Number(s.trim()))
    expect(listed).toHaveLength(109)
    expect(unused).toHaveLength(63)
    expect(xidTable.map((r) => r.xid)).toEqual([...listed, ...unused].sort((a, b) => a - b))
  })

  it('carries the mnemonic and description of the document', () => {
    expect(xidRule(79)).toEqual({
      xid: 79,
      name: 'ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS',
      status: 'failed',
      action: 'drain-node',
      reason: 'GPU has fallen off the bus: reboot the node (drain first)',
    })
    expect(xidRule(13).reason).toMatch(/^Graphics Engine Exception: application error/)
    expect(xidRule(1)).toMatchObject({ name: 'UNUSED', status: 'degraded', action: 'drain-node' })
  })

  it.each([
    [13, 'ok', 'none'],
    [31, 'ok', 'none'],
    [43, 'ok', 'none'],
    [45, 'ok', 'none'],
    [46, 'degraded', 'reset-device'],
    [48, 'degraded', 'reset-device'],
    [54, 'degraded', 'drain-node'],
    [62, 'failed', 'reset-device'],
    [63, 'ok', 'none'],
    [64, 'degraded', 'reset-device'],
    [74, 'degraded', 'reset-device'],
    [78, 'failed', 'drain-node'],
    [79, 'failed', 'drain-node'],
    [92, 'ok', 'none'],
    [94, 'ok', 'none'],
    [95, 'degraded', 'reset-device'],
    [119, 'failed', 'reset-device'],
    [120, 'failed', 'reset-device'],
    [140, 'degraded', 'reset-device'],
    [145, 'degraded', 'reset-device'],
    [151, 'failed', 'drain-node'],
    [154, 'degraded', 'none'],
    [159, 'ok', 'none'],
    [168, 'degraded', 'drain-node'],
  ] as const)('Xid %i: %s, %s', (xid, status, action) => {
    expect(xidRule(xid)).toMatchObject({ status, action })
  })

  it('an Xid it does not know: degraded, no action', () => {
    expect(xidRule(999)).toEqual({
      xid: 999,
      name: 'UNKNOWN',
      status: 'degraded',
      action: 'none',
      reason: 'unknown Xid 999',
    })
  })
})

describe('parseKernelLog', () => {
  const h100 = nvidiaTextParser.parse(
    read('nvidia/smi-q_h100-80gb-hbm3-x8_535.161.08.txt'),
    defaultCatalog(),
  ).devices

  it('dmesg with Xid 119 (GSP RPC timeout) on the H100 at 9b:00 = GPU 4', () => {
    const issues = parseKernelLog(read('nvidia/dmesg_xid-119-gsp-timeout_h100.log'), h100)
    expect(issues.map((i) => i.line)).toEqual([3, 38, 40, 42, 43])
    for (const i of issues) {
      expect(i).toMatchObject({
        status: 'failed',
        action: 'reset-device',
        source: 'xid:119',
        xid: 119,
        busId: '00000000:9B:00.0',
        uuid: 'GPU-509665ad-b600-ac93-3616-d754b23d636d',
        device: 4,
      })
      expect(i.reason).toMatch(/^Xid 119 GSP RPC Timeout: the GPU is unusable until reset/)
    }
    expect(issues[0]?.message).toBe(
      'Timeout after 6s of waiting for RPC response from GPU4 GSP! Expected function 103 (GSP_RM_ALLOC) (0x2081 0x4).',
    )
  })

  const line = (bus: string, xid: number, text: string) =>
    `[Mon Mar  3 10:00:00 2025] NVRM: Xid (PCI:0000:${bus}:00): ${xid}, pid=1234, name=python3, ${text}`

  it.each([
    [48, 'DBE (Double Bit Error) ECC Error (0).', 'degraded', 'reset-device'],
    [63, 'Row Remapper: New row marked for remapping, reset gpu to activate.', 'ok', 'none'],
    [64, 'Row Remapper: Failed to remap row.', 'degraded', 'reset-device'],
    [
      74,
      'NVLink: fatal error detected on link 3(0x0, 0x0, 0x10000, 0x0, 0x0, 0x0, 0x0)',
      'degraded',
      'reset-device',
    ],
    [79, 'GPU has fallen off the bus.', 'failed', 'drain-node'],
    [92, 'High single-bit ECC error rate detected.', 'ok', 'none'],
    [94, 'Contained: SM (0x1). RST: No, D-RST: No', 'ok', 'none'],
    [95, 'Uncontained: FBHUB. RST: Yes, D-RST: No', 'degraded', 'reset-device'],
    [119, 'Timeout after 6s of waiting for RPC response from GPU0 GSP!', 'failed', 'reset-device'],
  ] as const)('synthetic Xid %i (%s) → %s, %s', (xid, text, status, action) => {
    const [issue] = parseKernelLog(line('3b', xid, text), h100)
    expect(issue).toMatchObject({
      status,
      action,
      xid,
      source: `xid:${xid}`,
      busId: '00000000:3B:00.0',
      device: 1,
      line: 1,
      message: text,
    })
  })

  it('an unknown Xid, an unknown bus, journal and old formats', () => {
    const log = [
      'Mar 03 10:00:00 node1 kernel: NVRM: Xid (PCI:0000:aa:00): 200, pid=1, name=x, Something new',
      'kernel: NVRM: Xid (0000:19:00): 13, Graphics SM Warp Exception',
      'nvidia-nvswitch0: SXid (PCI:0000:05:00.0): 12028, Non-fatal, Link 32 egress',
      'unrelated line',
    ].join('\n')
    const issues = parseKernelLog(log, h100)
    expect(issues).toHaveLength(2)
    expect(issues[0]).toMatchObject({
      status: 'degraded',
      action: 'none',
      reason: 'unknown Xid 200',
      busId: '00000000:AA:00.0',
      device: null,
      uuid: null,
      message: 'Something new',
    })
    expect(issues[1]).toMatchObject({ xid: 13, status: 'ok', device: 0, line: 2 })
    expect(issues[1]?.message).toBe('Graphics SM Warp Exception')
  })

  it('maps by the uuid the driver logged when the device has no bus id', () => {
    const log = read('nvidia/dmesg_xid-119-gsp-timeout_h100.log')
    const devices = [{ index: 7, busId: null, uuid: 'GPU-509665ad-b600-ac93-3616-d754b23d636d' }]
    expect(parseKernelLog(log, devices)[0]?.device).toBe(7)
  })

  it('normalizes bus ids', () => {
    expect(normalizeBusId('PCI:0000:9b:00')).toBe('00000000:9B:00.0')
    expect(normalizeBusId('00000000:3B:00.0')).toBe('00000000:3B:00.0')
    expect(normalizeBusId('nothing')).toBeNull()
  })

  it('never throws on any text', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('NVRM: Xid (PCI:0000:3b:00): ', '79', ',', 'pid=', ' ', '\n', 'x'),
          maxLength: 60,
        }),
        (text) => {
          expect(Array.isArray(parseKernelLog(text, h100))).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })
})
