import { readFileSync } from 'node:fs'
import { defaultCatalog, ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { nvidiaXmlParser, readXml } from './nvidia-xml.js'

const catalog = defaultCatalog()
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/telemetry/nvidia/${name}`, import.meta.url), 'utf8')
const parse = (text: string) => nvidiaXmlParser.parse(text, catalog)

// fixture → devices, model, catalogId, driver, dtd, memory total (MiB) of the first GPU
const table: readonly [string, number, string, string | null, string, string | null, number][] = [
  [
    'smi-q-x_a100-sxm4-40gb-mig_510.47.03_v11.xml',
    1,
    'NVIDIA A100-SXM4-40GB',
    'nvidia-a100-sxm-40gb',
    '510.47.03',
    'dtd v11',
    40960,
  ],
  [
    'smi-q-x_a100-sxm4-80gb-mig_535.54.03_1-of-4-gpus.xml',
    1,
    'NVIDIA A100-SXM4-80GB',
    'nvidia-a100-sxm-80gb',
    '535.54.03',
    'dtd v12',
    81920,
  ],
  ['smi-q-x_a10g_515.105.01.xml', 1, 'NVIDIA A10G', null, '515.105.01', 'dtd v11', 23028],
  [
    'smi-q-x_grid-p4-1q-vgpu_windows_513.46_v11.xml',
    1,
    'GRID P4-1Q',
    null,
    '513.46',
    'dtd v11',
    1024,
  ],
  ['smi-q-x_quadro-p400_418.43_v10.xml', 1, 'Quadro P400', null, '418.43', null, 1998],
  [
    'smi-q-x_rtx-2080_windows_516.59_v11.xml',
    1,
    'NVIDIA GeForce RTX 2080',
    null,
    '516.59',
    'dtd v11',
    8192,
  ],
  [
    'smi-q-x_rtx-3080_595.58.03_v13.xml',
    1,
    'NVIDIA GeForce RTX 3080',
    null,
    '595.58.03',
    'dtd v13',
    10240,
  ],
  [
    'smi-q-x_rtx-4000-sff-ada_595.84_v13.xml',
    1,
    'NVIDIA RTX 4000 SFF Ada Generation',
    null,
    '595.84',
    'dtd v13',
    20475,
  ],
  [
    'smi-q-x_rtx-4090_535.86.05_v12.xml',
    1,
    'NVIDIA GeForce RTX 4090',
    null,
    '535.86.05',
    'dtd v12',
    24564,
  ],
  [
    'smi-q-x_rtx-a5000-x2_590.44.01_v13.xml',
    2,
    'NVIDIA RTX A5000',
    null,
    '590.44.01',
    'dtd v13',
    24564,
  ],
  [
    'smi-q-x_rtx-pro-6000-blackwell-maxq_590.44.01_v13.xml',
    1,
    'NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition',
    null,
    '590.44.01',
    'dtd v13',
    97887,
  ],
  [
    'smi-q-x_tesla-p100-pcie-16gb_510.47.03_v11.xml',
    1,
    'Tesla P100-PCIE-16GB',
    null,
    '510.47.03',
    'dtd v11',
    16384,
  ],
  [
    'smi-q-x_tesla-t4_515.105.01.xml',
    1,
    'Tesla T4',
    'nvidia-tesla-t4-16gb',
    '515.105.01',
    'dtd v11',
    15360,
  ],
]

describe('nvidia-smi -q -x', () => {
  it.each(table)('%s: %i × %s → %s, driver %s', (file, count, model, id, driver, dtd, mib) => {
    const text = fixture(file)
    expect(nvidiaXmlParser.detect(text)).toBeGreaterThanOrEqual(0.9)
    const inv = parse(text)
    expect(inv).toMatchObject({ vendor: 'NVIDIA', tool: 'nvidia-smi-xml', toolVersion: dtd })
    expect(inv.driverVersion).toBe(driver)
    expect(inv.devices).toHaveLength(count)
    for (const d of inv.devices) {
      expect(d.model).toBe(model)
      expect(d.catalogId).toBe(id)
      expect(d.catalogReason).not.toBe('')
      expect(d.memoryTotalMiB).toBe(mib)
      expect(d.uuid).toMatch(/^GPU-[0-9a-f-]{36}$/)
      expect(d.busId).toMatch(/^[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\.0$/)
    }
  })

  it('says why a card is not matched', () => {
    const reason = (file: string) => parse(fixture(file)).devices[0]?.catalogReason
    expect(reason('smi-q-x_tesla-p100-pcie-16gb_510.47.03_v11.xml')).toMatch(/only the 12 GB/)
    expect(reason('smi-q-x_a10g_515.105.01.xml')).toMatch(/A10G .* not in the catalog/)
    // family P40 is in "Quadro P400", but 2 GB is no Tesla P40
    expect(reason('smi-q-x_quadro-p400_418.43_v10.xml')).toMatch(/2 GB but nvidia-tesla-p40-24gb/)
    expect(reason('smi-q-x_rtx-4090_535.86.05_v12.xml')).toMatch(/not in the catalog/)
  })

  it('reads the A100 40GB (v11, MIG) GPU, not its MIG devices', () => {
    const inv = parse(fixture('smi-q-x_a100-sxm4-40gb-mig_510.47.03_v11.xml'))
    expect(inv.firmwareVersion).toBe('92.00.45.00.03')
    expect(inv.devices[0]).toMatchObject({
      index: 0,
      serial: '1324321002473',
      uuid: 'GPU-27b94a00-ed54-5c24-b1fd-1054085de32a',
      busId: '00000000:00:04.0',
      memoryTotalMiB: 40960,
      memoryUsedMiB: 38,
      utilizationPercent: null,
      temperatureC: 36,
      powerDrawW: 66.92,
      powerLimitW: 400,
      ecc: { enabled: true, correctable: 0, uncorrectable: 0, pending: null },
      health: { status: 'ok', issues: [] },
    })
  })

  it('reads v12 power from gpu_power_readings and warns of a trimmed file', () => {
    const inv = parse(fixture('smi-q-x_a100-sxm4-80gb-mig_535.54.03_1-of-4-gpus.xml'))
    expect(inv.devices[0]).toMatchObject({ index: 1, powerDrawW: 67.03, powerLimitW: 500 })
    expect(inv.warnings).toEqual(['attached_gpus says 4 but the output holds 1 <gpu>'])
  })

  it('reads v13 average power, ECC disabled and both GPUs by minor number', () => {
    const inv = parse(fixture('smi-q-x_rtx-a5000-x2_590.44.01_v13.xml'))
    expect(inv.devices.map((d) => [d.index, d.busId, d.powerDrawW, d.memoryUsedMiB])).toEqual([
      [1, '00000000:81:00.0', 6.41, 22437],
      [0, '00000000:C1:00.0', 13.6, 17253],
    ])
    expect(inv.devices[0]?.ecc).toEqual({
      enabled: false,
      correctable: null,
      uncorrectable: null,
      pending: false,
    })
  })

  it('gives null for N/A (vGPU guest on Windows)', () => {
    const [d] = parse(fixture('smi-q-x_grid-p4-1q-vgpu_windows_513.46_v11.xml')).devices
    expect(d).toMatchObject({ index: 0, serial: null, powerDrawW: null, powerLimitW: null })
    expect(d?.ecc).toEqual({ enabled: null, correctable: null, uncorrectable: null, pending: null })
  })

  it('sums pre-515 single/double bit totals (P100: 3 correctable, aggregate)', () => {
    const [d] = parse(fixture('smi-q-x_tesla-p100-pcie-16gb_510.47.03_v11.xml')).devices
    expect(d?.ecc).toEqual({ enabled: true, correctable: 3, uncorrectable: 0, pending: false })
    expect(d?.health.status).toBe('ok')
  })

  it('reads T4 and A10G row remapping and retirement as not pending', () => {
    for (const f of ['smi-q-x_tesla-t4_515.105.01.xml', 'smi-q-x_a10g_515.105.01.xml']) {
      const [d] = parse(fixture(f)).devices
      expect(d?.ecc).toEqual({ enabled: true, correctable: 0, uncorrectable: 0, pending: false })
      expect(d?.health).toEqual({ status: 'ok', issues: [] })
    }
  })

  describe('health', () => {
    const a10g = fixture('smi-q-x_a10g_515.105.01.xml')
    const issues = (text: string) => parse(text).devices[0]?.health.issues ?? []

    it('uncorrectable ECC since the last reset: degraded, reset the GPU', () => {
      const text = a10g
        .replace(
          '<dram_uncorrectable>0</dram_uncorrectable>',
          '<dram_uncorrectable>2</dram_uncorrectable>',
        )
        .replace(/(<aggregate>[\s\S]*?<dram_uncorrectable>)0/, '$15')
      const [d] = parse(text).devices
      expect(d?.ecc.uncorrectable).toBe(5)
      expect(d?.health.status).toBe('degraded')
      expect(issues(text)).toEqual([
        expect.objectContaining({
          status: 'degraded',
          action: 'reset-device',
          source: 'ecc-uncorrectable',
          reason: expect.stringMatching(
            /^2 uncorrectable ECC errors since the last reset/,
          ) as string,
        }),
      ])
    })

    it('lifetime-only uncorrectable ECC: degraded, no action', () => {
      const text = a10g.replace(/(<aggregate>[\s\S]*?<sram_uncorrectable>)0/, '$17')
      expect(issues(text)).toEqual([
        expect.objectContaining({
          status: 'degraded',
          action: 'none',
          source: 'ecc-uncorrectable',
        }),
      ])
    })

    it('pending row remap: degraded, reset the GPU', () => {
      const text = a10g.replace('<remapped_row_pending>No', '<remapped_row_pending>Yes')
      expect(parse(text).devices[0]?.ecc.pending).toBe(true)
      expect(issues(text)).toEqual([
        expect.objectContaining({
          status: 'degraded',
          action: 'reset-device',
          source: 'row-remap-pending',
        }),
      ])
    })

    it('row remap failure: failed, replace the GPU', () => {
      const text = a10g.replace('<remapped_row_failure>No', '<remapped_row_failure>Yes')
      expect(issues(text)).toEqual([
        expect.objectContaining({
          status: 'failed',
          action: 'replace-device',
          source: 'row-remap-failure',
        }),
      ])
    })

    it('pending page retirement (pre-Ampere): degraded, reset the GPU', () => {
      const p100 = fixture('smi-q-x_tesla-p100-pcie-16gb_510.47.03_v11.xml')
      const text = p100.replace('<pending_retirement>No', '<pending_retirement>Yes')
      expect(issues(text).map((i) => i.action)).toEqual(['reset-device'])
    })

    it('thermal slowdown active: degraded, no action', () => {
      const text = a10g.replace(
        /<clocks_throttle_reason_hw_thermal_slowdown>Not Active/,
        '<clocks_throttle_reason_hw_thermal_slowdown>Active',
      )
      expect(issues(text)).toEqual([
        {
          status: 'degraded',
          action: 'none',
          reason: 'clocks slowed by hw_thermal_slowdown: check cooling and power',
          source: 'clock-event-reasons',
        },
      ])
    })

    it('a software power cap alone is not an issue', () => {
      const text = a10g.replace(
        /<clocks_throttle_reason_sw_power_cap>Not Active/,
        '<clocks_throttle_reason_sw_power_cap>Active',
      )
      expect(issues(text)).toEqual([])
    })

    it('v12 reset required, v13 recovery action', () => {
      const v12 = fixture('smi-q-x_a100-sxm4-80gb-mig_535.54.03_1-of-4-gpus.xml')
      expect(
        issues(v12.replace('<reset_required>No', '<reset_required>Yes')).map((i) => i.action),
      ).toEqual(['reset-device'])
      const v13 = fixture('smi-q-x_rtx-3080_595.58.03_v13.xml')
      const recovery = (action: string) =>
        issues(v13.replace('<gpu_recovery_action>None', `<gpu_recovery_action>${action}`))
      expect(recovery('None')).toEqual([])
      expect(recovery('Node Reboot')).toEqual([
        expect.objectContaining({ status: 'failed', action: 'drain-node' }),
      ])
      expect(recovery('GPU Reset')).toEqual([
        expect.objectContaining({ status: 'degraded', action: 'reset-device' }),
      ])
    })
  })

  describe('XML reading', () => {
    it('reads entities, CDATA, comments and attributes', () => {
      const { root, dtd } = readXml(
        '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "nvsmi_device_v12.dtd">\n<!-- c -->' +
          '<x a="1 &amp; 2"><y>&lt;&#65;&#x42;&gt;</y><z><![CDATA[<raw>]]></z><w/></x>',
      )
      expect(dtd).toBe('nvsmi_device_v12.dtd')
      expect(root.attrs).toEqual({ a: '1 & 2' })
      expect(root.children.map((c) => [c.name, c.text, c.line])).toEqual([
        ['y', '<AB>', 3],
        ['z', '<raw>', 3],
        ['w', '', 3],
      ])
    })

    it.each([
      // messages after the line number are fast-xml-parser's validator's own words
      ['<a><b></a>', "nvidia-smi-xml: line 1: Expected closing tag 'b'"],
      ['<a>\n<b>\n', 'nvidia-smi-xml: line 3: '],
      ['no xml', "nvidia-smi-xml: line 1: char 'n' is not expected"],
      ['<a/><b/>', 'nvidia-smi-xml: line 1: second root element <b>'],
      ['<a>\n<!-- x', "nvidia-smi-xml: line 1: Unclosed tag 'a'"],
      ['<1a/>', "nvidia-smi-xml: line 1: Tag '1a' is an invalid name"],
      ['', 'nvidia-smi-xml: line 1: Start tag expected'],
    ])('%j throws "%s"', (text, message) => {
      expect(() => readXml(text)).toThrow(ZhisuanError)
      expect(() => readXml(text)).toThrow(message)
    })

    it('refuses other XML and a GPU without product name', () => {
      expect(() => parse('<?xml version="1.0"?>\n<log/>')).toThrow(
        'nvidia-smi-xml: line 2: the root element is <log>, not <nvidia_smi_log>',
      )
      expect(() => parse('<nvidia_smi_log>\n<gpu id="0"></gpu></nvidia_smi_log>')).toThrow(
        'nvidia-smi-xml: line 2: <gpu> has no <product_name>',
      )
    })

    it('detects only nvidia-smi XML', () => {
      expect(nvidiaXmlParser.detect(fixture('smi-q_a10_535.129.03.txt'))).toBe(0)
      expect(nvidiaXmlParser.detect('<?xml version="1.0"?><rocm/>')).toBe(0)
    })
  })
})
