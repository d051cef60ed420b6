import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ZhisuanError } from '../errors.js'
import { parseCatalog, resolveAccelerator, resolveHostCpu } from './catalog.js'
import { acceleratorsYaml, hostCpusYaml } from './catalog-data.generated.js'
import { defaultCatalog } from './default-catalog.js'

const dataFile = (name: string) =>
  readFileSync(new URL(`../../data/${name}`, import.meta.url), 'utf8')

/** Every `{ value, source, confidence }` leaf in an entry, with its path. */
function sourcedNumbers(
  value: unknown,
  path = '',
): { path: string; leaf: Record<string, unknown> }[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return []
  }
  const record = value as Record<string, unknown>
  if ('value' in record) {
    return [{ path, leaf: record }]
  }
  return Object.entries(record).flatMap(([key, child]) => sourcedNumbers(child, `${path}.${key}`))
}

describe('the shipped catalog', () => {
  const catalog = defaultCatalog()

  it('embeds exactly the data files', () => {
    expect(acceleratorsYaml).toBe(dataFile('accelerators.yaml'))
    expect(hostCpusYaml).toBe(dataFile('host-cpus.yaml'))
  })

  it('lists at least 22 models from at least 9 vendors', () => {
    expect(catalog.accelerators.length).toBeGreaterThanOrEqual(22)
    expect(new Set(catalog.accelerators.map((a) => a.vendor)).size).toBeGreaterThanOrEqual(9)
  })

  it('has the models the product promises', () => {
    for (const family of [
      'A100',
      'A800',
      'H100',
      'H800',
      'H20',
      'H200',
      'B200',
      'L40S',
      'L20',
      'Ascend910B',
      'Ascend910C',
      'MI300X',
      'MI325X',
      'Gaudi3',
      'MLU370',
      'MLU590',
      'K100',
      'P800',
      'BI-V150',
      'S60',
      'C500',
      'S4000',
    ]) {
      expect(
        catalog.accelerators.some((a) => a.family === family),
        family,
      ).toBe(true)
    }
  })

  it('gives every number a source and a confidence', () => {
    for (const entry of catalog.accelerators) {
      const numbers = sourcedNumbers(entry)
      expect(numbers.length, entry.id).toBeGreaterThanOrEqual(10)
      for (const { path, leaf } of numbers) {
        expect(typeof leaf['source'], `${entry.id}${path}`).toBe('string')
        expect(['datasheet', 'secondary', 'estimate'], `${entry.id}${path}`).toContain(
          leaf['confidence'],
        )
      }
    }
  })

  it('holds physically consistent numbers', () => {
    for (const a of catalog.accelerators) {
      const { bf16, fp16, fp8 } = a.tflops
      expect(bf16.value ?? fp16.value, `${a.id} has a 16-bit rate`).not.toBeNull()
      if (fp8.value !== null && bf16.value !== null) {
        expect(fp8.value, `${a.id} fp8 ≥ bf16`).toBeGreaterThanOrEqual(bf16.value)
      }
      expect(a.memory.gb.value, a.id).toBeGreaterThan(0)
      expect(a.memory.bandwidthGBs.value, a.id).toBeGreaterThan(100)
      expect(a.scaleUp.domainSize.value, a.id).toBeGreaterThanOrEqual(1)
    }
  })

  it('resolves the names vendor tools print', () => {
    const resolved = (name: string) => {
      const r = resolveAccelerator(catalog, name)
      return r.ok ? r.value.id : r.reason
    }
    expect(resolved('NVIDIA H800')).toBe('nvidia-h800-sxm-80gb')
    expect(resolved('nvidia-h800-sxm-80gb')).toBe('nvidia-h800-sxm-80gb')
    expect(resolved('Ascend910B3')).toBe('huawei-ascend-910b3')
    expect(resolved('MI300X')).toBe('amd-mi300x-192gb')
    expect(resolved('Ascend910B')).toMatch(/family of \d models/)
  })

  it('suggests the closest names for an unknown accelerator or CPU', () => {
    const r = resolveAccelerator(catalog, 'H801')
    expect(r.ok).toBe(false)
    expect(r.ok ? [] : r.suggestions).toContain('H800')
    const cpu = resolveHostCpu(catalog, 'kunpeng-92')
    expect(cpu.ok ? [] : cpu.suggestions[0]).toBe('huawei-kunpeng-920')
  })
})

describe('catalog validation', () => {
  const one = (id: string, extra = '') => `
  - id: ${id}
    vendor: V
    family: F-${id}
    model: Model ${id}
    aliases: [${extra}]
    architecture: A
    formFactor: PCIe
    hostCpuArchs: [x86_64]
    pcieGen: { value: 4, source: doc, confidence: datasheet }
    tflops:
      bf16: { value: 100, source: doc, confidence: datasheet }
      fp16: { value: 100, source: doc, confidence: datasheet }
      fp8: { value: null, source: not supported, confidence: datasheet }
      int8: { value: 200, source: doc, confidence: datasheet }
    memory:
      type: HBM
      gb: { value: 64, source: doc, confidence: datasheet }
      bandwidthGBs: { value: 1000, source: doc, confidence: estimate }
    scaleUp:
      kind: pcie
      gbpsPerDirection: { value: 32, source: doc, confidence: datasheet }
      domainSize: { value: 1, source: doc, confidence: datasheet }
    tdpW: { value: 300, source: doc, confidence: datasheet }
    gemmBf16Tflops: { value: 80, source: doc, confidence: secondary }
    gemmFp8Tflops: { value: null, source: no FP8, confidence: datasheet }
    software: *s`
  const head = `schemaVersion: 1
stacks:
  - &s
    id: s
    collectives: CCL
    scaleUpBusEfficiency: { value: 0.7, source: doc, confidence: secondary }
    nicEfficiency: { value: 0.9, source: doc, confidence: estimate }
    maturity: { value: 1, source: doc, confidence: estimate }
accelerators:`
  const cpus = { source: 'cpus.yaml', text: hostCpusYaml }

  it('accepts a well-formed catalog', () => {
    const c = parseCatalog({ source: 'a.yaml', text: `${head}${one('x')}${one('y')}` }, cpus)
    expect(c.accelerators.map((a) => a.id)).toEqual(['x', 'y'])
  })

  it('rejects a name used by two entries', () => {
    const text = `${head}${one('x', 'Shared Name')}${one('y', 'shared-name')}`
    expect(() => parseCatalog({ source: 'a.yaml', text }, cpus)).toThrow(
      /a\.yaml:\d+:\d+: accelerators\[1\]: name "sharedname" is already used by x/,
    )
  })

  it('rejects a number without a confidence, naming the field', () => {
    const text = `${head}${one('x')}`.replace(
      '{ value: 300, source: doc, confidence: datasheet }',
      '{ value: 300, source: doc }',
    )
    try {
      parseCatalog({ source: 'a.yaml', text }, cpus)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ZhisuanError)
      expect((error as ZhisuanError).issues[0]).toMatchObject({
        path: 'accelerators[0].tdpW.confidence',
        message: 'is required',
      })
    }
  })
})
