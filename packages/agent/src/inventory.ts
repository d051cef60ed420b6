import type { Catalog } from '@zhisuan/domain'

/** The vendor tools the agent reads. */
export type ToolName =
  | 'nvidia-smi-xml'
  | 'nvidia-smi-text'
  | 'nvidia-smi-table'
  | 'nvidia-smi-csv'
  | 'npu-smi'
  | 'rocm-smi-json'
  | 'amd-smi'
  | 'hy-smi'
  | 'cnmon'
  | 'xpu-smi'
  | 'ixsmi'
  | 'efsmi'
  | 'mx-smi'
  | 'mthreads-gmi'

export type HealthStatus = 'ok' | 'degraded' | 'failed'
export type HealthAction = 'none' | 'reset-device' | 'drain-node' | 'replace-device'

/** One finding about a device: how bad, what to do, why, and which signal said so. */
export interface HealthIssue {
  readonly status: HealthStatus
  readonly action: HealthAction
  readonly reason: string
  /** The signal: `xid:79`, `ecc-uncorrectable`, `npu-smi health`, `thermal`, … */
  readonly source: string
}

/** A device's verdict: the worst of its issues (`ok` with none). */
export interface DeviceHealth {
  readonly status: HealthStatus
  readonly issues: readonly HealthIssue[]
}

/** One accelerator as a vendor tool reports it; null where the tool does not say. */
export interface Device {
  readonly index: number
  /** The model name as the tool prints it. */
  readonly model: string
  /** The catalog entry it maps to, or null. */
  readonly catalogId: string | null
  /** How it was matched, or why it was not. */
  readonly catalogReason: string
  readonly uuid: string | null
  readonly serial: string | null
  readonly busId: string | null
  readonly memoryTotalMiB: number | null
  readonly memoryUsedMiB: number | null
  readonly utilizationPercent: number | null
  readonly temperatureC: number | null
  readonly powerDrawW: number | null
  readonly powerLimitW: number | null
  readonly ecc: {
    readonly enabled: boolean | null
    readonly correctable: number | null
    readonly uncorrectable: number | null
    /** Retired/remapped rows waiting for a reset. */
    readonly pending: boolean | null
  }
  /** Scale-up links (NVLink, HCCS, MLU-Link, …) up and down, when the tool shows them. */
  readonly links: { readonly up: number | null; readonly down: number | null }
  /** What the tool itself says of the device's health (`OK`, `Warning`, …), verbatim. */
  readonly reportedHealth: string | null
  readonly health: DeviceHealth
}

/** What one run of a vendor tool says about a node's accelerators. */
export interface DeviceInventory {
  /** Catalog vendor name: NVIDIA, Huawei, AMD, Hygon, Cambricon, Kunlunxin, Iluvatar, Enflame, MetaX, Moore Threads. */
  readonly vendor: string
  readonly tool: ToolName
  readonly toolVersion: string | null
  readonly driverVersion: string | null
  readonly firmwareVersion: string | null
  readonly devices: readonly Device[]
  /** What the parser saw and did not understand (ignored, not fatal). */
  readonly warnings: readonly string[]
}

/** One parser per vendor tool output format. */
export interface SmiParser {
  readonly tool: ToolName
  readonly vendor: string
  /** How sure (0–1) the parser is that the text is its tool's output. */
  detect(text: string): number
  /**
   * Parses the tool's output.
   * @throws ZhisuanError `invalid-input` naming the tool and the line when it is not that output.
   */
  parse(text: string, catalog: Catalog): DeviceInventory
}

/** Empty ECC and link fields, for tools that do not report them. */
export const unknownEcc: Device['ecc'] = {
  enabled: null,
  correctable: null,
  uncorrectable: null,
  pending: null,
}
export const unknownLinks: Device['links'] = { up: null, down: null }
