import { ZhisuanError, type Catalog } from '@zhisuan/domain'
import type { OutputReader } from '../agent.js'
import { parseKernelLog } from '../health-rules/xid.js'
import type { DeviceInventory, SmiParser, ToolName } from '../inventory.js'
import { amdSmiParser } from './amd-smi.js'
import { cnmonParser } from './cnmon.js'
import { efsmiParser } from './efsmi.js'
import { hySmiParser } from './hy-smi.js'
import { ixsmiParser } from './ixsmi.js'
import { mthreadsGmiParser } from './mthreads-gmi.js'
import { mxSmiParser } from './mx-smi.js'
import { npuSmiParser } from './npu-smi.js'
import { nvidiaCsvParser } from './nvidia-csv.js'
import { nvidiaTableParser, nvidiaTextParser } from './nvidia-text.js'
import { nvidiaXmlParser } from './nvidia-xml.js'
import { rocmSmiJsonParser } from './rocm-smi.js'
import { xpuSmiParser } from './xpu-smi.js'

/** Every vendor tool parser: one per output format, all giving the same `DeviceInventory`. */
export const parsers: readonly SmiParser[] = [
  nvidiaXmlParser,
  nvidiaTextParser,
  nvidiaTableParser,
  nvidiaCsvParser,
  npuSmiParser,
  rocmSmiJsonParser,
  amdSmiParser,
  hySmiParser,
  cnmonParser,
  xpuSmiParser,
  ixsmiParser,
  efsmiParser,
  mxSmiParser,
  mthreadsGmiParser,
]

/** The parser most sure the text is its tool's output, if any is at least half sure. */
export function detectParser(text: string): SmiParser | undefined {
  let best: SmiParser | undefined
  let score = 0.5
  for (const p of parsers) {
    const s = p.detect(text)
    if (s >= score) {
      best = p
      score = s
    }
  }
  return best
}

/**
 * Parses a vendor tool's output, by the named tool or by detection.
 * @throws ZhisuanError `invalid-input` when no parser recognizes the text (naming the tools
 * tried), or the parser's own error naming the tool and the line.
 */
export function parseOutput(text: string, catalog: Catalog, tool?: ToolName): DeviceInventory {
  const parser = tool === undefined ? detectParser(text) : parsers.find((p) => p.tool === tool)
  if (parser === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `no parser recognizes this output (tried ${parsers.map((p) => p.tool).join(', ')}); give --tool if you know it`,
    )
  }
  return parser.parse(text, catalog)
}

/** The agent's reader: detection for tool output, the Xid rules for the kernel log. */
export const defaultReader: OutputReader = {
  inventory: (text, catalog) => parseOutput(text, catalog),
  kernelLog: (text) => parseKernelLog(text),
}
