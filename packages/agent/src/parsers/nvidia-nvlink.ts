import { ZhisuanError } from '@zhisuan/domain'

/** One GPU's NVLinks as `nvidia-smi nvlink --status` shows them. */
export interface NvlinkStatus {
  readonly index: number
  readonly model: string
  readonly uuid: string | null
  /** Links with a speed (`Link 0: 25 GB/s`). */
  readonly up: number
  /** Links shown `<inactive>` (or any state without a speed). */
  readonly down: number
  /** Per-link speed in GB/s, null for a link that is down. */
  readonly speedsGBs: (number | null)[]
}

function nvlinkError(line: number, message: string): ZhisuanError {
  const issue = { path: 'nvidia-smi-nvlink', message, line }
  return new ZhisuanError('invalid-input', `nvidia-smi-nvlink: line ${line}: ${message}`, {
    issues: [issue],
  })
}

/**
 * Parses `nvidia-smi nvlink --status`: `GPU 0: <name> (UUID: …)` then one `Link N: …` line per
 * link. GPUs without NVLink print nothing at all, which gives an empty list.
 * @throws ZhisuanError naming the line for a link line outside a GPU or any other text.
 */
export function parseNvlinkStatus(text: string): NvlinkStatus[] {
  const gpus: { index: number; model: string; uuid: string | null; speeds: (number | null)[] }[] =
    []
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.trim()
    if (line === '') {
      return
    }
    const gpu = /^GPU (\d+): (.*?)(?: \(UUID: ([^)]*)\))?$/.exec(line)
    if (gpu !== null) {
      gpus.push({
        index: Number(gpu[1]),
        model: gpu[2] ?? '',
        uuid: gpu[3] ?? null,
        speeds: [],
      })
      return
    }
    const link = /^Link (\d+): (.*)$/.exec(line)
    const current = gpus.at(-1)
    if (link === null || current === undefined) {
      throw nvlinkError(k + 1, `expected "GPU n: …" or "Link n: …", got "${line.slice(0, 40)}"`)
    }
    const speed = /^(\d+(?:\.\d+)?)\s*GB\/s$/.exec(link[2] ?? '')
    current.speeds.push(speed?.[1] === undefined ? null : Number(speed[1]))
  })
  return gpus.map((g) => ({
    index: g.index,
    model: g.model,
    uuid: g.uuid,
    up: g.speeds.filter((s) => s !== null).length,
    down: g.speeds.filter((s) => s === null).length,
    speedsGBs: g.speeds,
  }))
}
