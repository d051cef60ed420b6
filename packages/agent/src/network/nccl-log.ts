import { failureVerdicts, ibFailures, ncclDevices } from './nccl-ib.js'
import { netParseError, type NetParser, type NetworkReport } from './types.js'

/**
 * A NCCL log (NCCL_DEBUG=INFO or WARN): the RDMA ports NCCL uses (`NET/IB : Using
 * [0]mlx5_0:1/IB/SHARP …`, as NicPorts with their link layer) and its failed completions (see
 * `nccl-ib.ts` for the formats), each a `failed` verdict for the device named — or `` when the
 * log does not say — whose reason gives the status and its meaning, the vendor error and the
 * peer. `extra` has the failures line by line, the SHARP-capable devices, the out-of-band
 * interface and the network NCCL chose (`IB`, `IBext`, `Socket`).
 */
const tool = 'nccl-log'

const ncclLine = /\bNCCL (INFO|WARN)\b/
const failureHint =
  /\bGot completion (from peer \S+ )?with (status=|error )|^mlx[45]: \S+: got completion with error:/m

function detect(text: string): number {
  const head = text.slice(0, 200_000)
  if (failureHint.test(head)) {
    return 0.95
  }
  if (/NET\/IB ?: Using \[\d+\]/.test(head)) {
    return 0.9
  }
  return ncclLine.test(head) ? 0.5 : 0
}

function parse(text: string): NetworkReport {
  const lines = text.split(/\r?\n/)
  const failures = ibFailures(lines)
  const devices = ncclDevices(lines)
  const nccl = lines.filter((l) => ncclLine.test(l)).length
  if (nccl === 0 && failures.length === 0) {
    throw netParseError(tool, 1, 'no NCCL INFO/WARN line and no completion error')
  }
  const warnings: string[] = []
  if (lines.some((l) => /NET\/IB ?: No device found/.test(l))) {
    warnings.push('NCCL found no IB device (NET/IB : No device found)')
  }
  const network = lines.map((l) => /NCCL INFO Using network (\S+)/.exec(l)?.[1]).find(Boolean)
  return {
    tool,
    nics: devices.nics,
    counters: [],
    verdicts: failureVerdicts(failures, devices),
    extra: {
      failures: failures.map((f) => ({
        line: f.line,
        host: f.host,
        peer: f.peer,
        status: f.status.code,
        statusName: f.status.name,
        vendorErr: f.vendorErr,
        request: f.request,
        hca: f.hca,
        localGid: f.localGid,
        remoteGid: f.remoteGid,
        source: f.source,
      })),
      sharp: devices.sharp,
      oob: devices.oob,
      network: network ?? null,
    },
    warnings,
  }
}

/** The parser for NCCL debug logs. */
export const ncclLogParser: NetParser = { tool, detect, parse }
