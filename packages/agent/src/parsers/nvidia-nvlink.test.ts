import { readFileSync } from 'node:fs'
import { ZhisuanError } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import { parseNvlinkStatus } from './nvidia-nvlink.js'

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/telemetry/nvidia/${name}`, import.meta.url), 'utf8')

describe('nvidia-smi nvlink --status', () => {
  it('8 × A100-SXM4-80GB, 12 links up at 25 GB/s each', () => {
    const gpus = parseNvlinkStatus(fixture('smi-nvlink-status_a100-sxm4-80gb-x8.txt'))
    expect(gpus.map((g) => [g.index, g.up, g.down])).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, 12, 0]),
    )
    expect(gpus[0]).toMatchObject({
      model: 'NVIDIA A100-SXM4-80GB',
      uuid: 'GPU-5269b708-678a-b1a8-60f0-c90406537486',
    })
    expect(gpus[7]?.uuid).toBe('GPU-754035b4-4708-efcd-b261-623aea38bcad')
    expect(new Set(gpus.flatMap((g) => g.speedsGBs))).toEqual(new Set([25]))
  })

  it('A10 (no NVLink) prints nothing: no GPUs, no error', () => {
    expect(fixture('smi-nvlink-status_a10-unsupported.txt')).toBe('')
    expect(parseNvlinkStatus(fixture('smi-nvlink-status_a10-unsupported.txt'))).toEqual([])
  })

  it('counts inactive links as down', () => {
    const text =
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1)\n\t Link 0: 26.562 GB/s\n\t Link 1: <inactive>\n'
    expect(parseNvlinkStatus(text)).toEqual([
      {
        index: 0,
        model: 'NVIDIA H100 80GB HBM3',
        uuid: 'GPU-1',
        up: 1,
        down: 1,
        speedsGBs: [26.562, null],
      },
    ])
  })

  it('throws naming the line for other text', () => {
    expect(() => parseNvlinkStatus('\n  Link 0: 25 GB/s')).toThrow(ZhisuanError)
    expect(() => parseNvlinkStatus('GPU 0: A (UUID: x)\nfoo')).toThrow(
      'nvidia-smi-nvlink: line 2: expected',
    )
  })
})
