import { ZhisuanError } from '@zhisuan/domain'

/**
 * The NIC side of a node (issue #21): one shape for what every RDMA tool and file says, whatever
 * the vendor (mlx4/mlx5, bnxt_re, qedr, hfi1, i40iw) or the tool (sysfs, ibstat, ibv_devinfo,
 * ethtool -S, perfquery, …).
 */

/** The network tools and files the agent reads. */
export type NetToolName =
  | 'sysfs-infiniband'
  | 'ibstat'
  | 'ibstatus'
  | 'ibv_devinfo'
  | 'ibdev2netdev'
  | 'rdma-link'
  | 'ibnetdiscover'
  | 'ibswinfo'
  | 'perfquery'
  | 'ethtool-stats'
  | 'nccl-log'
  | 'ucx-log'
  | 'nccl-tests'

/** IB: InfiniBand (or Omni-Path); RoCE: RDMA over Ethernet; iWARP; Ethernet: a plain netdev. */
export type LinkLayer = 'IB' | 'RoCE' | 'iWARP' | 'Ethernet'

/** A port's logical state as the IB spec names it (ibstat's `State`). */
export type PortState = 'active' | 'down' | 'init' | 'armed' | 'unknown'

/** A port's physical state (ibstat's `Physical state`). */
export type PhysicalState = 'linkup' | 'polling' | 'disabled' | 'sleep' | 'training' | 'unknown'

/** One RDMA port of a node: a device (`mlx5_0`) and its port number (1-based). */
export interface NicPort {
  readonly device: string
  readonly port: number
  readonly linkLayer: LinkLayer | null
  readonly state: PortState
  readonly physicalState: PhysicalState
  /** The active rate, Gb/s (400 for `400 Gb/sec (4X NDR)`); null when not given. */
  readonly rateGbps: number | null
  /** The device's firmware version (`28.41.1000`). */
  readonly firmware: string | null
  /** The netdev it maps to (`ibp12s0`, `eth2`), when known. */
  readonly netdev: string | null
  /** The port GUID (`0x...`, lower case), when known. */
  readonly guid: string | null
  /** The device's model or part (`MT4129`, `ConnectX-7`), when known. */
  readonly model: string | null
}

/**
 * Counter values of one sample, per port (`mlx5_0/1`) or per netdev (`eth0`), by the name the
 * tool gives (`port_xmit_wait`, `PortRcvErrors`, `rx_prio3_pause`). Unknown counters are kept.
 */
export interface CounterSample {
  /** `device/port` for RDMA devices, the netdev name for ethtool; `` when the tool has no port. */
  readonly port: string
  readonly counters: Readonly<Record<string, number>>
}

/** What one sample can show of a port's health; rates need two samples (`health-rates.ts`). */
export type NetHealth = 'healthy' | 'degraded' | 'failed'

export interface NetVerdict {
  readonly device: string
  readonly port: number | null
  readonly health: NetHealth
  /** Why, in words an operator acts on (`port down (physical state Polling)`). */
  readonly reason: string
}

/** What one network tool output says. */
export interface NetworkReport {
  readonly tool: NetToolName
  readonly nics: readonly NicPort[]
  readonly counters: readonly CounterSample[]
  /** Verdicts one sample supports: a port down or below its rate, a retry-exceeded error. */
  readonly verdicts: readonly NetVerdict[]
  /** Tool-specific extras (an nccl-tests table's bus bandwidth, ibnetdiscover's links, …). */
  readonly extra?: Readonly<Record<string, unknown>>
  readonly warnings: readonly string[]
}

/** One parser per network tool output format. */
export interface NetParser {
  readonly tool: NetToolName
  /** How sure (0–1) the parser is that the text is its tool's output. */
  detect(text: string): number
  /**
   * Parses the output.
   * @throws ZhisuanError `invalid-input` naming the tool and the 1-based line when it cannot.
   */
  parse(text: string): NetworkReport
}

/** The error a network parser throws: it names the tool and the 1-based line. */
export function netParseError(tool: NetToolName, line: number, message: string): ZhisuanError {
  return new ZhisuanError('invalid-input', `${tool}: line ${line}: ${message}`, {
    issues: [{ path: tool, message, line }],
  })
}

/**
 * A port's health as an agent reports it to the control plane (issue #21): what the last
 * samples showed, rolled up from the state and the counter-rate rules.
 */
export interface NetPortHealth {
  readonly device: string
  readonly port: number
  readonly linkLayer: LinkLayer | null
  readonly rateGbps: number | null
  readonly health: NetHealth
  readonly reason: string
  /** What the worst finding was about, when not healthy. */
  readonly kind?: 'state' | 'flap' | 'physical' | 'loss' | 'congestion'
}

/** The network part of a node's report: its RDMA ports and their health. */
export interface NodeNetworkReport {
  readonly ports: readonly NetPortHealth[]
  readonly warnings: readonly string[]
}
